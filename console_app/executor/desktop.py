"""The real desktop: pyautogui for the pointer and keys, xdotool for text, XTest for buttons 8/9.

pyautogui settings, deliberately:

* ``FAILSAFE = True`` always. Slamming the pointer into a screen corner stops every later
  pyautogui call (`FailSafeTriggered`); the planner also refuses to *aim* at a corner, so the
  agent cannot trip it by itself. Only releasing held input bypasses it (a stuck Shift is worse
  than the one release event the fail-safe would block).
* ``PAUSE = 0.0``: pyautogui's blanket 0.1 s after every call would make a triple click or a
  drag slow and uneven. The planner inserts the pauses real applications need (after moving
  onto a target, between clicks, in drags — see `Timing`) where they matter.

pyautogui is imported lazily (it needs ``DISPLAY`` at import and exits without tkinter unless
``mouseinfo`` is stubbed), so importing this module never touches a display. Held input is
released at interpreter exit for every computer not closed yet (``atexit``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import weakref
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from console_app.core.action_fields import MouseButton
from console_app.core.settings import Environment
from console_app.executor.base import BaseComputer
from console_app.executor.outcomes import ExecutionInterrupted, FailSafeError
from console_app.executor.planner import Timing
from console_app.executor.text_input import AsciiTyper, XdotoolTyper
from console_app.executor.x11 import UnicodeKeymap

_T = TypeVar("_T")
_X11_EXTRA_BUTTONS = {"back": 8, "forward": 9}


class DesktopUnavailable(RuntimeError):
    """pyautogui cannot control this session (no ``DISPLAY``, Wayland without XWayland…)."""


def load_pyautogui() -> Any:
    """Import pyautogui with the console's settings (fail-safe on, no blanket pause)."""
    sys.modules.setdefault("mouseinfo", None)  # type: ignore[arg-type]
    _tolerate_missing_xauthority()
    try:
        import pyautogui
    except Exception as exc:  # KeyError("DISPLAY"), Xlib connection errors…
        raise DesktopUnavailable(f"cannot control the desktop: {exc!r}") from exc
    pyautogui.FAILSAFE = True
    pyautogui.PAUSE = 0.0
    return pyautogui


def _tolerate_missing_xauthority() -> None:
    """python-xlib (under pyautogui) refuses to connect when ``~/.Xauthority`` does not exist,
    although libX11 connects fine to a server that needs no cookie (``xhost +local:``, some
    kiosks and containers). Point it at an empty authority file in that case only."""
    if not sys.platform.startswith("linux") or os.environ.get("XAUTHORITY"):
        return
    if (Path.home() / ".Xauthority").exists():
        return
    from console_app.core.paths import cache_dir

    empty = cache_dir() / "empty-xauthority"
    empty.touch(exist_ok=True)
    os.environ["XAUTHORITY"] = str(empty)


def is_x11() -> bool:
    return sys.platform.startswith("linux") and bool(os.environ.get("DISPLAY"))


class PyAutoGuiBackend:
    """The `InputBackend` of the real desktop: pyautogui for pointer and keys, xdotool (or
    pyautogui's ASCII writer) for text, XTest for the back/forward buttons.

    Every pyautogui call goes through ``_call``, which turns the fail-safe into `FailSafeError`;
    releases with ``force=True`` suspend the fail-safe (a stuck key is worse).
    """

    def __init__(self, *, type_interval: float = 0.0) -> None:
        self._gui = load_pyautogui()
        self._x11 = is_x11()
        self._keymap: UnicodeKeymap | None = None
        self._typer: XdotoolTyper | AsciiTyper
        xdotool = XdotoolTyper(interval_s=type_interval) if self._x11 else None
        if xdotool is not None and xdotool.xdotool is not None:
            self._typer = xdotool
        else:
            self._typer = AsciiTyper(self._write, interval_s=type_interval)

    # -- pyautogui calls --------------------------------------------------------------------
    def _call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        try:
            return fn(*args, **kwargs)
        except self._gui.FailSafeException as exc:
            raise FailSafeError(str(exc)) from exc

    @contextmanager
    def _failsafe_suspended(self, active: bool) -> Iterator[None]:
        previous = self._gui.FAILSAFE
        if active:
            self._gui.FAILSAFE = False
        try:
            yield
        finally:
            self._gui.FAILSAFE = previous

    def _write(self, text: str, interval: float) -> None:
        self._call(self._gui.write, text, interval=interval)

    def _xtest(self) -> UnicodeKeymap:
        """An Xlib connection (the keymap helper's) for XTest buttons pyautogui lacks."""
        if self._keymap is None:
            self._keymap = UnicodeKeymap()
        return self._keymap

    # -- InputBackend -----------------------------------------------------------------------
    def position(self) -> tuple[int, int]:
        x, y = self._gui.position()
        return (int(x), int(y))

    def move_to(self, x: int, y: int) -> None:
        self._call(self._gui.moveTo, x, y)

    def press_button(self, button: MouseButton) -> None:
        if button in _X11_EXTRA_BUTTONS:
            self._call(self._gui.failSafeCheck)
            self._xtest().fake_button(_X11_EXTRA_BUTTONS[button], press=True)
        else:
            self._call(self._gui.mouseDown, button=button)

    def release_button(self, button: MouseButton, *, force: bool = False) -> None:
        with self._failsafe_suspended(force):
            if button in _X11_EXTRA_BUTTONS:
                self._call(self._gui.failSafeCheck)
                self._xtest().fake_button(_X11_EXTRA_BUTTONS[button], press=False)
            else:
                self._call(self._gui.mouseUp, button=button)

    def wheel(self, down: int, right: int) -> None:
        # pyautogui: scroll(+n) is up (X button 4), hscroll(+n) is right (X button 7).
        if down:
            self._call(self._gui.scroll, -down)
        if right:
            self._call(self._gui.hscroll, right)

    def press_key(self, key: str) -> None:
        self._call(self._gui.keyDown, key)

    def release_key(self, key: str, *, force: bool = False) -> None:
        with self._failsafe_suspended(force):
            self._call(self._gui.keyUp, key)

    def write_text(self, text: str, stop: threading.Event) -> None:
        self._call(self._gui.failSafeCheck)
        self._typer.type(text, stop)

    def open_url(self, url: str) -> None:
        if not webbrowser.open(url, new=2):
            raise RuntimeError(f"no web browser could be started for {url}")

    def pause(self, seconds: float, stop: threading.Event) -> None:
        if stop.wait(seconds):
            raise ExecutionInterrupted(f"interrupted during a {seconds:g} s pause")

    def can_press(self, key: str) -> bool:
        if key not in self._gui.KEY_NAMES and not (len(key) == 1 and key.isprintable()):
            return False
        if self._x11:
            # pyautogui's X11 table holds None (no entry) or 0 (keysym not on the map) for keys
            # it would silently not press.
            keycode = self._gui.platformModule.keyboardMapping.get(key)
            return bool(keycode)
        return bool(self._gui.isValidKey(key))

    def supports_button(self, button: MouseButton) -> bool:
        return button in ("left", "right", "middle") or (self._x11 and button in _X11_EXTRA_BUTTONS)

    def cannot_type(self, text: str) -> str | None:
        return self._typer.cannot_type(text)

    def is_failsafe_point(self, x: int, y: int) -> bool:
        return bool(self._gui.FAILSAFE) and (x, y) in {
            (int(px), int(py)) for px, py in self._gui.FAILSAFE_POINTS
        }

    def close(self) -> None:
        try:
            self._typer.close()
        finally:
            if self._keymap is not None:
                keymap, self._keymap = self._keymap, None
                keymap.close()


_LIVE: weakref.WeakSet[DesktopComputer] = weakref.WeakSet()


class DesktopComputer(BaseComputer):
    """Real input on the current display. Construct it where pyautogui may import (DISPLAY)."""

    def __init__(
        self,
        environment: Environment = "desktop",
        scroll_unit_px: int = 100,
        type_interval: float = 0.0,
        *,
        timing: Timing | None = None,
    ) -> None:
        super().__init__(
            PyAutoGuiBackend(type_interval=type_interval),
            environment=environment,
            scroll_unit_px=scroll_unit_px,
            timing=timing,
        )
        _LIVE.add(self)

    def close(self) -> None:
        try:
            super().close()
        finally:
            _LIVE.discard(self)


@atexit.register
def _release_held_input_at_exit() -> None:
    for computer in list(_LIVE):
        # exiting anyway; one failure must not keep the others' input held
        with contextlib.suppress(Exception):
            computer.close()
