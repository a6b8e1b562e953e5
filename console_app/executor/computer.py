"""What the agent loop calls to act on the desktop: the `Computer` protocol (the port).

How an action ends — `ExecutionResult`, `ActionRefused`, `ExecutionError` and its subclasses —
is defined in ``executor/outcomes.py`` (the tree is drawn there).

Final actions (``terminate``, ``answer``, ``done``) are not refused: they return
``ExecutionResult(ok=True)`` with a detail saying nothing was sent, so a loop may pass every
action through the executor uniformly. ``screenshot`` likewise sends nothing (the loop
re-captures after every action), and ``wait`` sleeps.

This module names no implementation; the package front (``console_app.executor``) names them
all: `DesktopComputer` (``executor/desktop.py``, pyautogui + xdotool) and `RecordingComputer`
(``executor/recording.py``, records instead of sending; same planning, refusals and hold
tracking), both built on `BaseComputer` (``executor/base.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from console_app.capture.mapping import ViewportMapping
from console_app.core.actions import Action
from console_app.core.geometry import RectTuple
from console_app.executor.outcomes import ExecutionResult


@runtime_checkable
class Computer(Protocol):
    """Runs one normalised action on a desktop and tracks what it holds pressed."""

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


__all__ = ["Computer"]
