"""What one supervised run leaves behind, and the recorder interface that keeps it.

Why in ``core``: the agent loop produces these records and the history store persists them,
and neither layer may import the other. The loop calls the `Recorder` protocol; the history
layer implements it (SQLite), the tests and the terminal mode can use `MemoryRecorder`.

Ordering guarantee the loop keeps: a step is recorded with its decision *before* its action is
executed (``record_step`` with ``execution="pending"``), and recorded again with the result.
A crash in between leaves a step that says it was approved and may have run — never an action
that ran without a trace.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

RunStatus = Literal["running", "succeeded", "failed", "stopped", "interrupted", "error"]

RecordedDecision = Literal[
    "pending",  # waiting for the human
    "approved",
    "auto_approved",  # the policy or "auto-approve this type" allowed it
    "edited",  # approved in a changed form: ``edited_action`` is what ran
    "rejected",  # not run; ``feedback`` went back to the model
    "skipped",  # not run; the model was told it was skipped
    "blocked",  # the policy forbids it; never run
    "invalid",  # not understood (unknown type, missing field); never run
    "stopped",  # the run stopped before a decision
    "final",  # terminate / answer / done: nothing to run
]

Execution = Literal["none", "pending", "done", "refused", "failed", "stale"]
"""``stale``: not run because its target changed since the model saw the screen."""


def now() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


class Timings(BaseModel):
    settle_ms: float | None = None
    """How long the console waited for the screen to settle before this step's capture."""
    capture_ms: float | None = None
    encode_ms: float | None = None
    model_ms: float | None = None
    decision_ms: float | None = None
    execute_ms: float | None = None


class RunInfo(BaseModel):
    """A run as it starts; the recorder returns nothing, the id is chosen by the loop."""

    model_config = ConfigDict(frozen=True)
    run_id: str = Field(default_factory=lambda: new_id("run"))
    task: str
    profile: str
    backend: str  # the base URL (never with credentials)
    model: str | None = None
    started_at: datetime = Field(default_factory=now)
    # How the run's action coordinates are meant (the profile's coordinate space), so a report
    # or the history view can draw overlays long after the profile changed.
    coordinates: Literal["pixels", "normalized"] = "pixels"
    profile_kind: str | None = None  # "local" / "lightcone" / "openai", for "profiles used"


class StepRecord(BaseModel):
    """One step: the screen the model saw, what it proposed, what the human decided, what ran.

    ``index`` is 0-based within the run; (``run_id``, ``index``) identifies the record, and a
    later `Recorder.record_step` with the same pair replaces the earlier one.
    """

    run_id: str
    index: int
    response_id: str | None = None
    call_id: str | None = None
    action_type: str | None = None
    action: dict[str, Any] | None = None  # the normalised action as proposed
    raw_action: dict[str, Any] | None = None  # what the server sent
    action_error: str | None = None
    edited_action: dict[str, Any] | None = None
    summary: str = ""
    reasoning: str = ""
    message: str = ""
    decision: RecordedDecision = "pending"
    feedback: str | None = None
    acknowledged_safety_checks: list[str] = Field(default_factory=list)
    execution: Execution = "none"
    execution_detail: str = ""
    screenshot: bytes | None = Field(default=None, repr=False)  # the image sent for this step
    screenshot_mime: str | None = None
    viewport: tuple[int, int] | None = None
    timings: Timings = Field(default_factory=Timings)
    upload_bytes: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    created_at: datetime = Field(default_factory=now)


class ResponseRecord(BaseModel):
    """A response the console created or retrieved: the API has no list endpoint, so the
    history keeps its own ledger."""

    response_id: str
    backend: str
    profile: str
    status: str | None = None
    model: str | None = None
    created_at: str | None = None
    run_id: str | None = None
    last_seen: datetime = Field(default_factory=now)


class StorageProblem(RuntimeError):
    """The recorder cannot write now (disk full, read-only, no permission). The message is one
    plain sentence naming the folder (and the free space needed); nothing already recorded is
    lost, and the same write can be retried once the cause is fixed."""


class Recorder(Protocol):
    def begin_run(self, run: RunInfo) -> None: ...

    def record_step(self, step: StepRecord) -> None: ...

    def record_response(self, response: ResponseRecord) -> None: ...

    def end_run(self, run_id: str, status: RunStatus, result: str | None = None) -> None: ...


class MemoryRecorder:
    """Keeps everything in memory (tests, and runs whose history is switched off)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.runs: dict[str, RunInfo] = {}
        self.steps: dict[tuple[str, int], StepRecord] = {}
        self.responses: dict[str, ResponseRecord] = {}
        self.ended: dict[str, tuple[RunStatus, str | None]] = {}
        self.history: list[StepRecord] = []  # every write, in order (to check ordering)

    def begin_run(self, run: RunInfo) -> None:
        with self._lock:
            self.runs[run.run_id] = run

    def record_step(self, step: StepRecord) -> None:
        with self._lock:
            self.steps[(step.run_id, step.index)] = step
            self.history.append(step)

    def record_response(self, response: ResponseRecord) -> None:
        with self._lock:
            self.responses[response.response_id] = response

    def end_run(self, run_id: str, status: RunStatus, result: str | None = None) -> None:
        with self._lock:
            self.ended[run_id] = (status, result)

    def steps_of(self, run_id: str) -> list[StepRecord]:
        with self._lock:
            return [s for (rid, _), s in sorted(self.steps.items()) if rid == run_id]
