"""The primitive input steps an action is planned into, and the backend that performs them.

Why plan first: every check (targets on the monitor, not on the console window, every key
pressable, the text typeable) must pass for the whole action before the first event is sent.
So an action becomes a list of these steps, validated, and only then handed to a backend one
step at a time. The recording backend stores the same steps, so unit tests see exactly what
the desktop backend would have done.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from console_app.core.action_fields import MouseButton


@dataclass(frozen=True)
class MoveTo:
    x: int
    y: int


@dataclass(frozen=True)
class PressButton:
    button: MouseButton


@dataclass(frozen=True)
class ReleaseButton:
    button: MouseButton


@dataclass(frozen=True)
class Wheel:
    """Wheel notches at the pointer: ``down > 0`` scrolls down, ``right > 0`` scrolls right."""

    down: int = 0
    right: int = 0


@dataclass(frozen=True)
class PressKey:
    key: str
    """The backend's (pyautogui's) key name."""
    name: str
    """The canonical name (``core/keys.py``), used in hold labels."""


@dataclass(frozen=True)
class ReleaseKey:
    key: str
    name: str


@dataclass(frozen=True)
class WriteText:
    """Text without line breaks (the planner turns those into Enter key presses)."""

    text: str


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class OpenUrl:
    url: str


Step = (
    MoveTo
    | PressButton
    | ReleaseButton
    | Wheel
    | PressKey
    | ReleaseKey
    | WriteText
    | Pause
    | OpenUrl
)


class InputBackend(Protocol):
    """Sends primitive input. Capability checks are called while planning, before any input."""

    def position(self) -> tuple[int, int]: ...

    def move_to(self, x: int, y: int) -> None: ...

    def press_button(self, button: MouseButton) -> None: ...

    def release_button(self, button: MouseButton, *, force: bool = False) -> None:
        """``force``: release even where the backend would refuse input (fail-safe corner)."""
        ...

    def wheel(self, down: int, right: int) -> None: ...

    def press_key(self, key: str) -> None: ...

    def release_key(self, key: str, *, force: bool = False) -> None: ...

    def write_text(self, text: str, stop: threading.Event) -> None: ...

    def open_url(self, url: str) -> None: ...

    def pause(self, seconds: float, stop: threading.Event) -> None:
        """Sleep, returning early when ``stop`` is set."""
        ...

    def can_press(self, key: str) -> bool: ...

    def supports_button(self, button: MouseButton) -> bool: ...

    def cannot_type(self, text: str) -> str | None:
        """Why this text cannot be typed exactly, or ``None`` if it can."""
        ...

    def is_failsafe_point(self, x: int, y: int) -> bool:
        """Whether moving here would trip pyautogui's fail-safe on the next call."""
        ...

    def close(self) -> None: ...
