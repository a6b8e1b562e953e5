"""history layer: the SQLite (WAL) ledger of runs, steps and responses, and run reports.

``HistoryStore`` implements ``core.records.Recorder`` for the agent loop and offers the paged
queries the history view and the CLI use; ``report.export_run`` writes a run as HTML + JSON.
"""

from console_app.history.models import (
    HistoryError,
    ResponseFilter,
    RunFilter,
    RunSummary,
    SchemaTooNewError,
    StoredStep,
)
from console_app.history.store import HistoryStore

__all__ = [
    "HistoryError",
    "HistoryStore",
    "ResponseFilter",
    "RunFilter",
    "RunSummary",
    "SchemaTooNewError",
    "StoredStep",
]
