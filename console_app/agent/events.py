"""What the loop tells whoever watches it (the console window, the terminal, tests).

Events are plain frozen dataclasses delivered synchronously through one callback, so the loop
has no idea whether Qt, a terminal or a test is listening. Listeners must be quick: they run on
the loop's thread (the GUI thread under qasync).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from console_app.core.actions import Action, Answer, Done, Terminate
from console_app.core.proposal import ProposedAction
from console_app.core.records import RunStatus, StepRecord


class LoopState(enum.Enum):
    IDLE = "idle"
    CAPTURING = "capturing"
    THINKING = "thinking"  # waiting for the model
    AWAITING_APPROVAL = "awaiting_approval"
    EXECUTING = "executing"
    PAUSED = "paused"
    WAITING_ON_ERROR = "waiting_on_error"  # a problem is shown; the human chooses retry/stop
    STOPPING = "stopping"
    FINISHED = "finished"


@dataclass(frozen=True)
class StateChanged:
    state: LoopState
    detail: str = ""
    since: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class ScreenCaptured:
    screenshot: Any  # capture.Screenshot


@dataclass(frozen=True)
class ScreenSettled:
    """The wait for the screen after an action ended (``result``: `screen_truth.SettleResult`)."""

    result: Any


@dataclass(frozen=True)
class TextDelta:
    kind: Literal["reasoning", "message"]
    text: str


@dataclass(frozen=True)
class ModelAnswered:
    response_id: str
    status: str | None
    reasoning: str
    message: str
    proposals: tuple[ProposedAction, ...]
    model_ms: float
    upload_bytes: int
    input_tokens: int | None
    output_tokens: int | None


@dataclass(frozen=True)
class StepRecorded:
    step: StepRecord


ProblemKind = Literal[
    "api",
    "network",
    "validation",
    "capture",
    "blind",  # the capture shows nothing (blank, or everything masked): never sent
    "executor",
    "failsafe",
    "refused",
    "internal",
    "storage",
]


@dataclass(frozen=True)
class Problem:
    """Something went wrong; ``text`` is a plain sentence, ``detail`` is for the curious."""

    kind: ProblemKind
    text: str
    detail: str = ""
    can_retry: bool = True


@dataclass(frozen=True)
class RunResult:
    run_id: str
    status: RunStatus
    reason: str = ""
    answer: str | None = None
    steps: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


def final_result(run_id: str, action: Action, message: str | None, steps: int) -> RunResult:
    """How a run ends on a final action (terminate, answer, done); ``message`` is the model's
    text of that turn, the answer when the action carries none."""
    match action:
        case Terminate(status="success", result=result):
            return RunResult(
                run_id, "succeeded", "the model reported success", result or message, steps
            )
        case Terminate(status="failure", result=result):
            reason = result or message or "the model gave up"
            return RunResult(run_id, "failed", reason, result or message, steps)
        case Terminate(result=result):
            reason = "the model ended the run without reporting success"
            return RunResult(run_id, "failed", reason, result or message, steps)
        case Answer(result=result):
            return RunResult(run_id, "succeeded", "the model answered", result, steps)
        case Done(text=text):
            return RunResult(run_id, "succeeded", "the model is done", text or message, steps)
    raise AssertionError(f"not a final action: {action!r}")  # pragma: no cover


@dataclass(frozen=True)
class RunFinished:
    result: RunResult


@dataclass(frozen=True)
class PrivacyStatus:
    """What the profile's window rules did at the last capture (which window the agent is
    confined to, how many windows were masked); sent when it changes."""

    text: str


LoopEvent = (
    StateChanged
    | ScreenCaptured
    | ScreenSettled
    | TextDelta
    | ModelAnswered
    | StepRecorded
    | Problem
    | RunFinished
    | PrivacyStatus
)
EventSink = Callable[[LoopEvent], None]
