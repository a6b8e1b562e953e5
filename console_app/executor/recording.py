"""A `Computer` that records instead of sending input: the test double for the agent loop.

It shares the planner and the hold tracking with `DesktopComputer` (only the backend differs),
so a refusal, a hold or a release seen here is exactly what the desktop would have done; the
steps each action became are recorded too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from console_app.core.action_fields import MouseButton
from console_app.core.actions import Action
from console_app.core.settings import Environment
from console_app.executor.backend import (
    MoveTo,
    OpenUrl,
    Pause,
    PressButton,
    PressKey,
    ReleaseButton,
    ReleaseKey,
    Step,
    Wheel,
    WriteText,
)
from console_app.executor.base import BaseComputer
from console_app.executor.planner import Plan, Timing


@dataclass(frozen=True)
class RecordedAction:
    action: Action
    screen_points: tuple[tuple[int, int], ...]
    steps: tuple[Step, ...]


@dataclass
class RecordingBackend:
    """Stores every primitive step; simulates the pointer position; never touches a display.

    ``unpressable`` keys (backend names) and ``unsupported_buttons`` are refused like a real
    backend without those keycodes would; ``fail_on`` makes a chosen step raise (to test the
    release-on-error path); ``failsafe_points`` mimic pyautogui's corners.
    """

    pointer: tuple[int, int] = (0, 0)
    unpressable: Collection[str] = ()
    unsupported_buttons: Collection[str] = ()
    failsafe_points: Collection[tuple[int, int]] = ()
    fail_on: Callable[[Step], bool] | None = None
    real_pauses: bool = False
    steps: list[Step] = field(default_factory=list)
    closed: bool = False

    def _record(self, step: Step) -> None:
        if self.fail_on is not None and self.fail_on(step):
            raise RuntimeError(f"simulated failure at {step}")
        self.steps.append(step)

    def position(self) -> tuple[int, int]:
        return self.pointer

    def move_to(self, x: int, y: int) -> None:
        self._record(MoveTo(x, y))
        self.pointer = (x, y)

    def press_button(self, button: MouseButton) -> None:
        self._record(PressButton(button))

    def release_button(self, button: MouseButton, *, force: bool = False) -> None:
        self._record(ReleaseButton(button))

    def wheel(self, down: int, right: int) -> None:
        self._record(Wheel(down, right))

    def press_key(self, key: str) -> None:
        self._record(PressKey(key, key))

    def release_key(self, key: str, *, force: bool = False) -> None:
        self._record(ReleaseKey(key, key))

    def write_text(self, text: str, stop: threading.Event) -> None:
        self._record(WriteText(text))

    def open_url(self, url: str) -> None:
        self._record(OpenUrl(url))

    def pause(self, seconds: float, stop: threading.Event) -> None:
        self._record(Pause(seconds))
        if self.real_pauses:
            stop.wait(seconds)

    def can_press(self, key: str) -> bool:
        return key not in self.unpressable

    def supports_button(self, button: MouseButton) -> bool:
        return button not in self.unsupported_buttons

    def cannot_type(self, text: str) -> str | None:
        return None

    def is_failsafe_point(self, x: int, y: int) -> bool:
        return (x, y) in self.failsafe_points

    def close(self) -> None:
        self.closed = True


class RecordingComputer(BaseComputer):
    """Plans, refuses and tracks holds like `DesktopComputer`; records, sends nothing."""

    def __init__(
        self,
        environment: Environment = "desktop",
        scroll_unit_px: int = 100,
        *,
        backend: RecordingBackend | None = None,
        timing: Timing | None = None,
    ) -> None:
        self.recorder = backend or RecordingBackend()
        super().__init__(
            self.recorder,
            environment=environment,
            scroll_unit_px=scroll_unit_px,
            timing=timing or Timing.instant(),
        )
        self.records: list[RecordedAction] = []

    def _executed(self, action: Action, plan: Plan) -> None:
        self.records.append(RecordedAction(action, tuple(plan.points), tuple(plan.steps)))

    @property
    def actions(self) -> list[Action]:
        return [record.action for record in self.records]

    @property
    def steps(self) -> list[Step]:
        """Every primitive step sent to the (recording) backend, releases included."""
        return list(self.recorder.steps)
