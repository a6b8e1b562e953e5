"""How executing one action can end: the result type and the failure tree (a leaf module).

Every other executor module, and the agent loop above them, import their outcomes from here, so
the loop can tell a refusal from a failure from the fail-safe by type, never by parsing text::

    ExecutionResult              the input was sent (``screen_points`` says where it landed)
    ActionRefused                *nothing* was sent (off-monitor or forbidden target, a key or
                                 button the backend cannot press, untypeable text, closed)
    ExecutionError               input failed half-way; held input was released after it
     ├── FailSafeTriggered       pyautogui's corner fail-safe fired (a human wants it to stop)
     └── ExecutionInterrupted    `release_all` / `close` interrupted the action (stop)
    FailSafeError                raised *by a backend* only; `BaseComputer` turns it into
                                 `FailSafeTriggered`, so it never leaves the executor

Every check runs on the whole action before the first event, because half a chord or half a
drag is worse than none: that is why a refusal can promise that nothing was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ExecutionResult:
    """The action was sent to the desktop."""

    ok: bool
    detail: str
    duration_ms: float
    screen_points: tuple[tuple[int, int], ...] = ()
    """Where pointer input landed, in absolute input coordinates (screen pixels on X11)."""


class ActionRefused(Exception):
    """The action was not executed and nothing was sent to the desktop."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ExecutionError(Exception):
    """Input failed after something was sent; ``released`` lists what was released after it."""

    def __init__(self, message: str, *, released: Sequence[str] = (), steps_done: int = 0) -> None:
        super().__init__(message)
        self.released = list(released)
        self.steps_done = steps_done


class FailSafeTriggered(ExecutionError):
    """pyautogui's fail-safe fired: the pointer is in a screen corner (a human wants it to stop)."""


class ExecutionInterrupted(ExecutionError):
    """`release_all` or `close` was called from another thread while this action ran."""


class FailSafeError(Exception):
    """Raised by a backend when pyautogui's fail-safe fires (mapped to `FailSafeTriggered`)."""


__all__ = [
    "ActionRefused",
    "ExecutionError",
    "ExecutionInterrupted",
    "ExecutionResult",
    "FailSafeError",
    "FailSafeTriggered",
]
