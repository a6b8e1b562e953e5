"""Keys go where the human means: the console's side of X11 focus handling.

* The agent's keyboard target is the application window the human last worked in: an
  `ActiveWindowTracker` (executor/x11_windows.py) remembers the last active window that is not
  the console's, and the keyboard focus guard hands the focus back there before every action.
* When an approval becomes pending, the console takes the keyboard focus (`take_focus`: a
  pager's ``_NET_ACTIVE_WINDOW`` request), so Enter/Esc/E/S reach it whatever window had the
  focus; if that does not work within a moment (no window manager, a WM that refuses), only the
  approval keys are grabbed until the decision (`ApprovalKeyGrab`), and handed to the console
  through ``approvalKey``.
* Where no target is known (no window manager and nothing focused), `pick` asks the human to
  click the window that gets the keys (a pointer grab; the click goes nowhere else).

Off X11 (offscreen tests, Wayland) everything here is inert: ``available`` is False.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from console_app.executor.keyboard_focus import KeyboardFocusGuard
from console_app.ui.desktop.focus_guard import ConsoleWindows

log = logging.getLogger(__name__)

FOCUS_WAIT_S = 0.6


class SupervisorFocus(QObject):
    targetChanged = Signal(object)  # the new keyboard target (X id) or None
    approvalKey = Signal(str)  # "enter" | "escape" | "e" | "s" (from the fallback grab)
    pickingChanged = Signal(bool)

    def __init__(self, windows: ConsoleWindows, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.windows = windows
        self.x11: Any = None
        self.tracker: Any = None
        self.grab: Any = None
        self.picking = False
        self._pick_cancelled = False
        self.status = "inactive"
        self.fallback_grabs = 0  # how often the key grab was needed (tests, diagnostics)
        self._waiting_for: int | None = None
        self._focus_deadline = 0.0
        self._focus_poll = QTimer(self)
        self._focus_poll.setInterval(20)
        self._focus_poll.timeout.connect(self._poll_focus)
        self._refresh = QTimer(self)
        self._refresh.setInterval(300)
        self._refresh.timeout.connect(self.windows.refresh)
        if QApplication.platformName() != "xcb":
            self.status = f"no X11 window control on {QApplication.platformName()}"
            return
        from console_app.executor.x11_keygrab import ApprovalKeyGrab
        from console_app.executor.x11_windows import (
            ActiveWindowTracker,
            X11Windows,
            x11_available,
        )

        if not x11_available():
            self.status = "python-xlib or DISPLAY missing"
            return
        try:
            self.x11 = X11Windows()
            self.tracker = ActiveWindowTracker(self.x11, self.windows)
            self.tracker.on_change = self._target_changed
            self.grab = ApprovalKeyGrab(self._approval_key)
            self.grab.open()  # now, at start-up: never during a run
            self.windows.refresh()
            self.tracker.start()
            self._refresh.start()
            self.status = "active"
        except Exception as exc:
            log.warning("X11 window tracking unavailable: %s", exc)
            self.status = f"unavailable ({type(exc).__name__}: {exc})"
            self.x11 = self.tracker = self.grab = None

    @property
    def available(self) -> bool:
        return self.tracker is not None

    def _target_changed(self, window: int | None) -> None:
        """From the tracker's thread. A console torn down while that thread reported a change
        has no signal left to emit ("Signal source has been deleted"): nobody listens then."""
        with contextlib.suppress(RuntimeError):
            self.targetChanged.emit(window)

    def _approval_key(self, name: str) -> None:
        """From the key grab's thread (see `_target_changed`)."""
        with contextlib.suppress(RuntimeError):
            self.approvalKey.emit(name)

    def close(self) -> None:
        if self.tracker is not None:
            self.tracker.on_change = None  # first: nothing reports into a closing console
        with contextlib.suppress(RuntimeError):  # the timers may be gone with their window
            self._refresh.stop()
            self._focus_poll.stop()
        self._pick_cancelled = True
        if self.grab is not None:
            self.grab.close()
        if self.tracker is not None:
            self.tracker.stop()
        if self.x11 is not None:
            self.x11.close()
        self.tracker = self.x11 = self.grab = None

    # ------------------------------------------------------------------ the keyboard target

    def target(self) -> int | None:
        """The last application window the human worked in (any thread)."""
        last = self.tracker.last if self.tracker is not None else None
        return int(last) if last is not None else None

    def target_name(self) -> str:
        window = self.target()
        if window is None or self.x11 is None:
            return ""
        return str(self.x11.window_name(window))

    def make_guard(self) -> KeyboardFocusGuard:
        """The focus guard the loop uses: hands focus back to `target` as a pager would."""
        if self.x11 is None:
            return KeyboardFocusGuard(self.windows, owner="console")
        return KeyboardFocusGuard(
            self.windows, owner="console", target=self.target, activate=self.x11.activate
        )

    # ------------------------------------------------------------------ approval keys

    def take_focus(self, widget: QWidget) -> str:
        """Give ``widget``'s window the keyboard focus. Until it has it (the window manager
        answers asynchronously), the approval keys are grabbed, so an Enter pressed at once
        still reaches the console; if the focus never comes, the grab stays until the
        decision. Returns how it started: "focus" (already ours), "asked", "grab" (the
        activation request failed) or "none" (not X11, nothing possible)."""
        if self.x11 is None or self.grab is None:
            return "none"
        handle = widget.windowHandle()
        if handle is not None and QGuiApplication.focusWindow() is handle:
            return "focus"  # already ours: typing in the feedback line must stay typing
        grabbed = self.grab.grab()
        self.windows.refresh()
        own = int(widget.winId())
        if self.x11.activate(own):
            self._waiting_for = own
            self._focus_deadline = time.monotonic() + FOCUS_WAIT_S
            self._focus_poll.start()
            return "asked"
        if grabbed:
            self.fallback_grabs += 1
            return "grab"
        return "none"

    def _poll_focus(self) -> None:
        """GUI thread, every 20 ms after an activation request: the focus arrived → the
        keys are no longer grabbed; it did not → the grab stays (the fallback)."""
        if self.x11 is None or self._waiting_for is None:
            self._focus_poll.stop()
            return
        window = self.x11.focus_window()
        if window is not None and (window == self._waiting_for or window in self.windows()):
            self._focus_poll.stop()
            self._waiting_for = None
            self.release_keys()
        elif time.monotonic() > self._focus_deadline:
            self._focus_poll.stop()
            self._waiting_for = None
            if self.grab is not None and self.grab.active:
                self.fallback_grabs += 1
                log.info("the console could not take the focus: the approval keys stay grabbed")

    def release_keys(self) -> None:
        self._focus_poll.stop()
        self._waiting_for = None
        if self.grab is not None:
            self.grab.release()

    # ------------------------------------------------------------------ picking

    async def pick(self) -> int | None:
        """ "Which window gets the keys?" — the human clicks it; becomes the target."""
        if self.x11 is None or self.tracker is None or self.picking:
            return None
        self.picking = True
        self._pick_cancelled = False
        self.pickingChanged.emit(True)
        try:
            window = await asyncio.to_thread(self.x11.pick_window, lambda: self._pick_cancelled)
        finally:
            self.picking = False
            self.pickingChanged.emit(False)
        if window is not None and not self.tracker.is_own(window):
            self.tracker.set_last(window)
            log.info("keyboard target picked: 0x%x", window)
            return int(window)
        return None

    def cancel_pick(self) -> None:
        self._pick_cancelled = True
