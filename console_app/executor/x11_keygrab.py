"""Grab only the approval keys (Enter, Esc, E, S) while an approval is pending.

Used until the console has the keyboard focus it asked for (the window manager answers
asynchronously), and as the fallback when it cannot take it (no window manager, one that
ignores the activation request, or the human clicked into another window while the approval
waits): a passive grab on the root window makes the X server deliver these keys to the console
whichever window has the focus, so the documented approve key never lands in the agent's
application. Nothing else is grabbed, and the grab is released as soon as the console has the
focus or the approval is decided (`release`).

The X connection and the key codes are prepared once (`open`, at start-up: python-xlib reads
the whole keyboard map, ~100 ms of pure Python), so `grab` and `release` only send a few
requests and never stall the window. A daemon thread reads the connection and calls
``on_key(name)`` with ``"enter"``, ``"escape"``, ``"e"`` or ``"s"`` (from that thread: the
caller hands it to its own thread). All use of the connection is under one lock.
"""

from __future__ import annotations

import logging
import select
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

APPROVAL_KEYS = {"Return": "enter", "KP_Enter": "enter", "Escape": "escape", "e": "e", "s": "s"}


class ApprovalKeyGrab:
    def __init__(self, on_key: Callable[[str], None]) -> None:
        self.on_key = on_key
        self._lock = threading.Lock()
        self._display: Any = None
        self._codes: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.active = False

    def open(self) -> None:
        """Connect and look the key codes up (raises when X is unavailable)."""
        from Xlib import XK
        from Xlib.display import Display

        display = Display()
        codes: dict[int, str] = {}
        for keysym_name, name in APPROVAL_KEYS.items():
            code = display.keysym_to_keycode(XK.string_to_keysym(keysym_name))
            if code:
                codes[code] = name
        self._display, self._codes = display, codes
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, name="approval-keys", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.release()
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2.0)
        with self._lock:
            display, self._display = self._display, None
        if display is not None:
            try:
                display.close()
            except Exception:
                log.debug("closing the approval-key connection failed", exc_info=True)

    def grab(self) -> bool:
        """Grab the keys on the root window; ``False`` (nothing grabbed) if impossible."""
        from Xlib import X, error

        with self._lock:
            if self.active:
                return True
            if self._display is None:
                return False
            root = self._display.screen().root
            catcher = error.CatchError(error.BadAccess)
            try:
                for code in self._codes:
                    for extra in (0, X.Mod2Mask, X.LockMask, X.Mod2Mask | X.LockMask):
                        root.grab_key(
                            code, extra, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher
                        )
                self._display.sync()
            except Exception as exc:
                log.warning("could not grab the approval keys: %s", exc)
                return False
            if catcher.get_error() is not None:
                self._ungrab_locked()
                log.warning("another program holds the approval keys; no fallback grab")
                return False
            self.active = True
            return True

    def release(self) -> None:
        with self._lock:
            if self.active:
                self.active = False
                self._ungrab_locked()

    def _ungrab_locked(self) -> None:
        try:
            root = self._display.screen().root
            for code in self._codes:
                root.ungrab_key(code, 1 << 15)  # AnyModifier
            self._display.sync()
        except Exception:
            log.debug("releasing the approval keys failed", exc_info=True)

    def _listen(self) -> None:
        from Xlib import X

        try:
            while not self._stop.is_set():
                display = self._display
                if display is None:
                    return
                select.select([display.fileno()], [], [], 0.1)
                pressed = []
                with self._lock:
                    while self._display is not None and self._display.pending_events():
                        event = self._display.next_event()
                        if event.type == X.KeyPress and event.detail in self._codes:
                            pressed.append(self._codes[event.detail])
                for name in pressed:
                    self.on_key(name)
        except Exception:
            if not self._stop.is_set():
                log.exception("the approval key listener stopped")
