"""Grab only the approval keys (Enter, Esc, E, S) while an approval is pending.

The fallback when the console cannot take the keyboard focus (no window manager, or one that
ignores the activation request): a passive grab on the root window makes the X server deliver
these keys to the console whichever window has the focus, so the documented approve key never
lands in the agent's application. Nothing else is grabbed, and the grab is released as soon as
the approval is decided (`release`), so the application gets every other key as usual.

A daemon thread reads the grabbing connection and calls ``on_key(name)`` with ``"enter"``,
``"escape"``, ``"e"`` or ``"s"`` (from that thread: the caller hands it to its own thread).
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

    def grab(self) -> bool:
        """Grab the keys on the root window; ``False`` (nothing grabbed) if impossible."""
        from Xlib import XK, X, error
        from Xlib.display import Display

        with self._lock:
            if self.active:
                return True
            try:
                display = Display()
                root = display.screen().root
                catcher = error.CatchError(error.BadAccess)
                codes: dict[int, str] = {}
                for keysym_name, name in APPROVAL_KEYS.items():
                    code = display.keysym_to_keycode(XK.string_to_keysym(keysym_name))
                    if not code:
                        continue
                    codes[code] = name
                    for extra in (0, X.Mod2Mask, X.LockMask, X.Mod2Mask | X.LockMask):
                        root.grab_key(
                            code, extra, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher
                        )
                display.sync()
                if catcher.get_error() is not None:
                    display.close()
                    log.warning("another program holds the approval keys; no fallback grab")
                    return False
            except Exception as exc:
                log.warning("could not grab the approval keys: %s", exc)
                return False
            self._display, self._codes = display, codes
            self._stop.clear()
            self._thread = threading.Thread(target=self._listen, name="approval-keys", daemon=True)
            self._thread.start()
            self.active = True
            log.debug("approval keys grabbed")
            return True

    def release(self) -> None:
        with self._lock:
            if not self.active:
                return
            self.active = False
            self._stop.set()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2.0)
        display, self._display = self._display, None
        if display is not None:
            try:
                display.screen().root.ungrab_key(0, 1 << 15)  # AnyKey, AnyModifier
                display.sync()
                display.close()
            except Exception:
                log.debug("releasing the approval keys failed", exc_info=True)

    def _listen(self) -> None:
        from Xlib import X

        display = self._display
        try:
            while not self._stop.is_set():
                select.select([display.fileno()], [], [], 0.1)
                while display.pending_events():
                    event = display.next_event()
                    if event.type == X.KeyPress and event.detail in self._codes:
                        self.on_key(self._codes[event.detail])
        except Exception:
            if not self._stop.is_set():
                log.exception("the approval key grab stopped")
