"""What the agent loop calls to act on the desktop: the `Computer` protocol and its outcomes.

Three outcomes, so the loop can answer the model and the supervisor precisely:

* `ExecutionResult` — the input was sent (``screen_points`` says where it landed).
* `ActionRefused` — *nothing* was sent: a target off the monitor or on the console's own window,
  a key or button the backend cannot press, text it cannot type, a closed executor. Every check
  runs on the whole action before the first event, because half a chord or half a drag is worse
  than none.
* `ExecutionError` — input failed half-way (the X server went away, pyautogui's fail-safe
  fired, the action was interrupted by stop). Held keys and buttons have been released (or, for
  an interruption, are released by the `release_all` / `close` that interrupted it).

Final actions (``terminate``, ``answer``, ``done``) are not refused: they return
``ExecutionResult(ok=True)`` with a detail saying nothing was sent, so a loop may pass every
action through the executor uniformly. ``screenshot`` likewise sends nothing (the loop
re-captures after every action), and ``wait`` sleeps.

Implementations: `DesktopComputer` (``executor/desktop.py``, pyautogui + xdotool) and
`RecordingComputer` (``executor/recording.py``, records instead of sending; same planning,
refusals and hold tracking). Import them from ``console_app.executor``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from console_app.capture.mapping import ViewportMapping
from console_app.core.actions import Action
from console_app.core.geometry import RectTuple

if TYPE_CHECKING:
    from console_app.executor.desktop import DesktopComputer
    from console_app.executor.recording import RecordingComputer


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


@dataclass(frozen=True)
class ExecutionResult:
    ok: bool
    detail: str
    duration_ms: float
    screen_points: tuple[tuple[int, int], ...] = ()
    """Where pointer input landed, in absolute input coordinates (screen pixels on X11)."""


@runtime_checkable
class Computer(Protocol):
    def execute(
        self,
        action: Action,
        mapping: ViewportMapping,
        *,
        forbidden: Sequence[RectTuple] = (),
    ) -> ExecutionResult:
        """Run one action. Blocking; call it from a worker thread (``asyncio.to_thread``).

        ``forbidden`` are absolute screen rectangles ``(x, y, w, h)`` no pointer target may fall
        in (the console's own window). Raises `ActionRefused` before sending anything, or
        `ExecutionError` if input failed half-way.
        """
        ...

    def release_all(self) -> list[str]:
        """Release every held key and button (reverse order of pressing); thread-safe.

        Interrupts a running action (e.g. a long ``wait``) first. Returns what was released,
        e.g. ``["button:left", "key:shift"]``.
        """
        ...

    def interrupt(self) -> None:
        """Stop a running action at its next input step; thread-safe and non-blocking."""
        ...

    def held(self) -> list[str]:
        """What is held now, in the order it was pressed (``"key:shift"``, ``"button:left"``)."""
        ...

    def close(self) -> None:
        """`release_all` and free resources; later `execute` calls are refused."""
        ...


def __getattr__(name: str) -> object:
    # The implementations import this module; re-export them lazily (no import cycle).
    if name == "DesktopComputer":
        from console_app.executor.desktop import DesktopComputer

        return DesktopComputer
    if name == "RecordingComputer":
        from console_app.executor.recording import RecordingComputer

        return RecordingComputer
    raise AttributeError(name)


__all__ = [
    "ActionRefused",
    "Computer",
    "DesktopComputer",
    "ExecutionError",
    "ExecutionInterrupted",
    "ExecutionResult",
    "FailSafeTriggered",
    "RecordingComputer",
]
