"""What the history store gives back, and the filters its queries take.

Why separate models from `core.records`: the records are what the loop *writes*; these are
what readers (the history view, the CLI, the report) *read* — a run with its totals, a step
with the path of its screenshot file instead of the image bytes (the view pages through
thousands of runs and must not hold images in memory).

Times are stored as UTC text in one fixed-width format (``2025-01-31T12:00:00.000000Z``), so
text order is time order and an index on a time column serves ``ORDER BY`` directly.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from console_app.core.records import RunStatus, StepRecord

_DB_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"

RunSortKey = Literal[
    "started_at", "ended_at", "status", "profile", "model", "task", "steps", "tokens", "upload"
]
ResponseSortKey = Literal[
    "last_seen", "created_at", "status", "profile", "model", "backend", "response_id"
]


class HistoryError(RuntimeError):
    """The history store could not do what was asked; the message says why."""


class SchemaTooNewError(HistoryError):
    """The database was written by a newer version of the console; it is left untouched."""


def to_db_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(_DB_TIME)


def from_db_time(value: str) -> datetime:
    return datetime.strptime(value, _DB_TIME).replace(tzinfo=UTC)


def db_now() -> str:
    return to_db_time(datetime.now(UTC))


def normalize_created_at(value: str | int | float | None) -> str | None:
    """The API's ``created_at`` is epoch seconds (OpenAI) or an ISO string (Lightcone); the
    ledger keeps one format so it sorts. Anything unreadable is kept as it came."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return to_db_time(datetime.fromtimestamp(float(text), UTC))
        return to_db_time(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError, OSError):
        return text


class _Filter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str | None = None  # substring, case-insensitive
    status: tuple[str, ...] | None = None  # any of these
    profile: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    @field_validator("status", mode="before")
    @classmethod
    def _statuses(cls, value: object) -> object:
        if isinstance(value, str):
            return (value,)
        return value

    @field_validator("text", "profile")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value if value and value.strip() else None


class RunFilter(_Filter):
    """Filters runs: ``text`` searches task, result and run id; dates apply to ``started_at``."""


class ResponseFilter(_Filter):
    """Filters the ledger: ``text`` searches id, model, profile and backend; dates apply to
    ``last_seen``."""

    run_id: str | None = None
    backend: str | None = None


class RunSummary(BaseModel):
    """One row of the runs list: the run and its totals (kept up to date on every step)."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    task: str
    profile: str
    backend: str
    model: str | None = None
    status: RunStatus | str
    result: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    coordinates: Literal["pixels", "normalized"] = "pixels"
    step_count: int = 0
    upload_bytes: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def duration_s(self) -> float | None:
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


class StoredStep(StepRecord):
    """A step read back: ``screenshot`` stays ``None``; the image is the file at
    ``screenshot_path`` (content-addressed by ``screenshot_sha256``)."""

    screenshot_sha256: str | None = None
    screenshot_path: Path | None = Field(default=None)
