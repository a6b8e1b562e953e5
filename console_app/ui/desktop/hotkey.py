"""A global emergency-stop hotkey (default Ctrl+Alt+Esc) that works while another app has focus.

Why X11 key grabs: when the agent drives another application, that application has the
keyboard focus, so a Qt shortcut of the console never sees the key. On X11 a passive grab
(``XGrabKey`` on the root window) makes the X server hand the chord to us whoever has focus.
The grab lives on its own X connection in a daemon thread that polls with a short timeout, so
it can be stopped cleanly; the press is handed to the GUI thread through a queued Qt signal.

Where it cannot work (Wayland, the offscreen platform, no python-xlib, the chord already grabbed
by another program) the console logs a warning, says so in the run controls, and the Stop
button plus pyautogui's corner fail-safe remain.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

DEFAULT_HOTKEY = ("ctrl", "alt", "Escape")
POLL_SECONDS = 0.1


class GlobalHotkey(QObject):
    """The emergency-stop key, grabbed on the X server so it works while another app has focus.

    `start` grabs it and listens on a thread (returns False, with `status` saying why, where
    that is impossible); `stop` ends the thread and closes the X connection.

    Signals:
        triggered: the key was pressed (delivered on the GUI thread).
    """

    triggered = Signal()

    def __init__(self, keys: tuple[str, ...] = DEFAULT_HOTKEY, parent: QObject | None = None):
        super().__init__(parent)
        self.keys = keys
        self.label = "+".join(k.capitalize() if len(k) > 1 else k.upper() for k in keys)
        self.status = "not started"
        self.active = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._display: Any = None

    def start(self) -> bool:
        """Grab the chord; returns False (with `status` saying why) when it cannot."""
        reason = self._unavailable()
        if reason is None:
            try:
                self._grab()
            except Exception as exc:  # any Xlib failure: report, never crash the console
                reason = f"{type(exc).__name__}: {exc}"
                self._close_display()
        if reason is not None:
            self.status = f"global {self.label} unavailable ({reason}); use Stop"
            log.warning("global emergency hotkey %s unavailable: %s", self.label, reason)
            return False
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, name="hotkey", daemon=True)
        self._thread.start()
        self.active = True
        self.status = f"Emergency stop from any app: {self.label}"
        log.info("global emergency hotkey %s armed", self.label)
        return True

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2.0)
        self._close_display()
        self.active = False

    # ------------------------------------------------------------------ X11

    def _unavailable(self) -> str | None:
        platform = QGuiApplication.platformName()
        if platform != "xcb":
            return f"the {platform or 'current'} platform has no global key grabs"
        if not os.environ.get("DISPLAY"):
            return "no DISPLAY"
        try:
            import Xlib.display  # noqa: F401
        except ImportError:
            return "python-xlib is not installed"
        return None

    def _grab(self) -> None:
        from Xlib import XK, X, error
        from Xlib.display import Display

        display = Display()
        self._display = display
        root = display.screen().root
        modifiers = 0
        names = {"ctrl": X.ControlMask, "alt": X.Mod1Mask, "shift": X.ShiftMask, "meta": X.Mod4Mask}
        key = ""
        for name in self.keys:
            if name.lower() in names:
                modifiers |= names[name.lower()]
            else:
                key = name
        keysym = XK.string_to_keysym(key)
        keycode = display.keysym_to_keycode(keysym)
        if not keycode:
            raise RuntimeError(f"no key code for {key!r}")
        self._keycode = keycode
        catcher = error.CatchError(error.BadAccess)
        # NumLock (Mod2) and CapsLock (Lock) change the modifier state: grab every variant.
        for extra in (0, X.Mod2Mask, X.LockMask, X.Mod2Mask | X.LockMask):
            root.grab_key(
                keycode,
                modifiers | extra,
                True,
                X.GrabModeAsync,
                X.GrabModeAsync,
                onerror=catcher,
            )
        display.sync()
        if catcher.get_error():
            raise RuntimeError(f"{self.label} is already grabbed by another program")
        self._modifiers = modifiers

    def _listen(self) -> None:
        from Xlib import X

        display = self._display
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([display.fileno()], [], [], POLL_SECONDS)
                if not readable and not display.pending_events():
                    continue
                while display.pending_events():
                    event = display.next_event()
                    if event.type == X.KeyPress and event.detail == self._keycode:
                        log.warning("emergency stop hotkey %s pressed", self.label)
                        self.triggered.emit()
        except Exception:
            if not self._stop.is_set():
                log.exception("the global hotkey listener failed; the hotkey is off")
                self.status = f"global {self.label} stopped working; use Stop"

    def _close_display(self) -> None:
        display, self._display = self._display, None
        if display is None:
            return
        try:
            display.screen().root.ungrab_key(X_ANY_KEY, X_ANY_MODIFIER)
            display.close()
        except Exception:
            log.debug("closing the hotkey display failed", exc_info=True)


X_ANY_KEY = 0  # AnyKey
X_ANY_MODIFIER = 1 << 15  # AnyModifier
