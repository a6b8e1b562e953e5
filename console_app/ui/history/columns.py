"""The columns of the runs and responses tables, and the statuses their filters offer.

Each sortable column names the store's sort key (``history.models.RunSortKey`` /
``ResponseSortKey``): clicking a header re-runs the query in SQL with that order.
"""

from __future__ import annotations

from console_app.agent.history_describe import short, when
from console_app.history.models import RunSummary
from console_app.ui.history.table import Column

RESPONSE_STATUSES = ("in_progress", "queued", "completed", "incomplete", "failed", "cancelled")
RUN_STATUSES = ("running", "succeeded", "failed", "stopped", "interrupted", "error")


def _duration(run: RunSummary) -> str:
    seconds = run.duration_s
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def _status(value: str | None) -> str:
    return value or "unknown"


RESPONSE_COLUMNS: tuple[Column, ...] = (
    Column("Last seen (UTC)", lambda r: when(r.last_seen), "last_seen"),
    Column("Response ID", lambda r: r.response_id, "response_id"),
    Column("Status", lambda r: _status(r.status), "status", status=True),
    Column("Profile", lambda r: r.profile, "profile"),
    Column("Model", lambda r: r.model or "", "model"),
    Column("Created (UTC)", lambda r: when(r.created_at), "created_at"),
    Column("Run", lambda r: r.run_id or ""),
    Column("Backend", lambda r: r.backend, "backend"),
)

RUN_COLUMNS: tuple[Column, ...] = (
    Column("Started (UTC)", lambda r: when(r.started_at), "started_at"),
    Column("Task", lambda r: short(r.task, 120), "task"),
    Column("Status", lambda r: _status(r.status), "status", status=True),
    Column("Profile", lambda r: r.profile, "profile"),
    Column("Model", lambda r: r.model or "", "model"),
    Column("Steps", lambda r: str(r.step_count), "steps"),
    Column("Tokens", lambda r: str(r.input_tokens + r.output_tokens), "tokens"),
    Column("Duration", _duration),
    Column("Ended (UTC)", lambda r: when(r.ended_at), "ended_at"),
    Column("Run ID", lambda r: r.run_id),
)
