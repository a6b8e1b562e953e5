"""Keep the agent's keystrokes out of the console: hand keyboard focus back before an action runs.

Why: the supervisor approves with Enter or a click, so at the moment an approved ``type`` or
``keypress`` executes, the console itself has the keyboard focus — and synthetic key events go
to the focused window. Without this guard an approved "type the password" would be typed into
the console's feedback line. Masking only protects the *pixels* of the console; this protects
its keyboard.

How (X11): whenever the loop captures the screen, the guard notes which window has the X input
focus, if it is not one of the console's windows (that is the application the agent is
working in). Right before an action executes — the loop emits ``EXECUTING`` synchronously on
the GUI thread before it hands the action to its input thread — the guard checks the focus
again: if it is on the console, focus goes back to the noted window (``XSetInputFocus`` +
``XSync``, so the X server has switched before the first synthetic event arrives). With no
noted window, focus is set to *None*: the keys are then discarded rather than typed into the
console, and the supervisor is told. Pointer actions move focus themselves when they click.

Elsewhere (offscreen, Wayland, no python-xlib) the guard is inactive and says so in the log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)


class FocusGuard:
    def __init__(self, console_windows: Callable[[], set[int]] | None = None) -> None:
        self._console_windows = console_windows or _console_window_ids
        self._display: Any = None
        self.remembered: int | None = None
        self.restored = 0  # how often focus was handed back (tests, diagnostics)
        self.available = False
        self.status = "inactive"
        if QGuiApplication.platformName() != "xcb" or not os.environ.get("DISPLAY"):
            self.status = f"no X11 focus control on {QGuiApplication.platformName()}"
            return
        try:
            from Xlib.display import Display

            self._display = Display()
            self.available = True
            self.status = "active"
        except Exception as exc:
            self.status = f"unavailable ({type(exc).__name__}: {exc})"
            log.warning("keyboard focus guard unavailable: %s", exc)

    def close(self) -> None:
        display, self._display = self._display, None
        self.available = False
        if display is not None:
            try:
                display.close()
            except Exception:
                log.debug("closing the focus guard's display failed", exc_info=True)

    # ------------------------------------------------------------------ queries

    def focused_window(self) -> int | None:
        if self._display is None:
            return None
        try:
            focus = self._display.get_input_focus().focus
        except Exception:
            log.debug("XGetInputFocus failed", exc_info=True)
            return None
        return focus if isinstance(focus, int) else getattr(focus, "id", None)

    def _is_console(self, window: int | None) -> bool:
        if window is None or self._display is None:
            return False
        ours = self._console_windows()
        try:
            current = self._display.create_resource_object("window", window)
            for _ in range(16):  # walk up: focus may sit on a child or a frame window
                if current.id in ours:
                    return True
                parent = current.query_tree().parent
                if not parent or parent.id == 0 or parent.id == current.id:
                    return False
                current = parent
        except Exception:
            log.debug("could not walk the window tree", exc_info=True)
        return False

    # ------------------------------------------------------------------ hooks

    def note(self) -> None:
        """Remember the focused window if it is not the console (call at each capture)."""
        window = self.focused_window()
        if window not in (None, 0, 1) and not self._is_console(window):
            self.remembered = window

    def before_action(self) -> str | None:
        """Hand focus back if the console holds it; returns a warning for the user, if any."""
        if self._display is None:
            return None
        window = self.focused_window()
        if window in (0, 1) or not self._is_console(window):  # None / PointerRoot / elsewhere
            return None
        from Xlib import X, error

        catcher = error.CatchError()
        if self.remembered is not None:
            target = self._display.create_resource_object("window", self.remembered)
            target.set_input_focus(X.RevertToParent, X.CurrentTime, onerror=catcher)
            self._display.sync()
            if catcher.get_error() is None:
                self.restored += 1
                log.info("keyboard focus handed back to window 0x%x", self.remembered)
                return None
            self.remembered = None
        self._display.set_input_focus(X.NONE, X.RevertToNone, X.CurrentTime)
        self._display.sync()
        return (
            "The console had the keyboard focus, so it was taken away before the action ran "
            "(keys go nowhere rather than into the console). Click into the target "
            "application once so the console knows where keys belong."
        )


def _console_window_ids() -> set[int]:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return set()
    ids: set[int] = set()
    for widget in app.topLevelWidgets():
        if widget.isVisible() and widget.windowHandle() is not None:
            ids.add(int(widget.winId()))
    return ids
