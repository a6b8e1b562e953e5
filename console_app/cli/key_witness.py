"""Proof that an answer at the terminal prompt was typed on the X keyboard, in the terminal window.

Why: bytes on the terminal's input can come from anyone who can write to it — ``tmux send-keys``
from a shell the agent typed into, ``screen -X stuff``, a ``TIOCSTI``. None of those make the X
server deliver a key press to the terminal window; the human's typing does. So an answer line
counts only if, while the prompt was open, the X server delivered an Enter key press (not a
``SendEvent`` one, which any client can fabricate) to one of the supervising terminal's windows.

How: a private X connection selects ``KeyPressMask`` on the terminal's windows and all their
descendants (key press selection is shared, not exclusive, so the terminal still gets its keys)
and a daemon thread counts Enter presses. The agent's own synthetic keys never reach the
terminal: the keyboard focus guard refuses to send keys while a terminal window has the focus.

The line reaches the prompt when Enter goes *down*; `confirm` also waits (briefly) until the
human's keys are up again, so an approved key action never runs while the human still holds
Enter (the X server would merge the two presses and the agent's Enter would be lost).
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Collection
from typing import Any

log = logging.getLogger(__name__)

_ENTER_KEYSYMS = frozenset({0xFF0D, 0xFF8D})  # Return, KP_Enter
CONFIRM_WAIT_S = 1.5  # the line can reach the pty a little before the X event reaches us
RELEASE_WAIT_S = 1.0  # how long to wait for the human to let go of the keys


class KeyWitness:
    """Counts human Enter presses in the given X windows (and their descendants)."""

    def __init__(self, windows: Collection[int]) -> None:
        self._cond = threading.Condition()
        self._presses: list[float] = []
        self._down: set[int] = set()  # keycodes held in the terminal windows now
        self._since = 0.0
        self._display: Any = None
        self._closed = False
        self.watched: set[int] = set()
        try:
            from Xlib import X
            from Xlib.display import Display

            self._display = Display()
            for window in windows:
                resource = self._display.create_resource_object("window", window)
                self._watch(resource, X.KeyPressMask | X.KeyReleaseMask)
            self._display.sync()
        except Exception as exc:
            log.warning("the key witness cannot watch the terminal: %s", exc)
            self.close()
            return
        threading.Thread(target=self._pump, name="terminal-key-witness", daemon=True).start()

    @property
    def active(self) -> bool:
        return self._display is not None and bool(self.watched)

    def _watch(self, window: Any, mask: int, depth: int = 0) -> None:
        window.change_attributes(event_mask=mask)
        self.watched.add(int(window.id))
        if depth < 8:
            for child in window.query_tree().children:
                self._watch(child, mask, depth + 1)

    def begin(self) -> None:
        """A prompt is shown now: only Enter presses from here on can confirm its answer."""
        with self._cond:
            self._since = time.monotonic()
            self._presses.clear()

    def confirm(self, wait: float = CONFIRM_WAIT_S) -> bool:
        """Consume one Enter press seen since `begin`, waiting up to ``wait`` seconds for it."""
        deadline = time.monotonic() + wait
        with self._cond:
            while not self._presses:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._display is None:
                    return False
                self._cond.wait(remaining)
            self._presses.pop(0)
            release_by = time.monotonic() + RELEASE_WAIT_S
            while self._down and time.monotonic() < release_by:
                self._cond.wait(release_by - time.monotonic())
            return True

    def _pump(self) -> None:
        from Xlib import X

        display = self._display
        while not self._closed and display is not None:
            try:
                readable, _, _ = select.select([display.fileno()], [], [], 0.2)
                if not readable and not display.pending_events():
                    continue
                while display.pending_events():
                    event = display.next_event()
                    if getattr(event, "send_event", False):
                        continue  # fabricated with XSendEvent: not from a keyboard
                    if event.type == X.KeyRelease:
                        with self._cond:
                            self._down.discard(event.detail)
                            self._cond.notify_all()
                    elif event.type == X.KeyPress:
                        keysym = display.keycode_to_keysym(event.detail, 0)
                        with self._cond:
                            self._down.add(event.detail)
                            if keysym in _ENTER_KEYSYMS:
                                self._presses.append(time.monotonic())
                            self._cond.notify_all()
            except Exception:
                if not self._closed:
                    log.warning("the key witness lost its X connection", exc_info=True)
                break

    def close(self) -> None:
        self._closed = True
        display, self._display = self._display, None
        with self._cond:
            self._cond.notify_all()
        if display is not None:
            try:
                display.close()
            except Exception:
                log.debug("closing the key witness's display failed", exc_info=True)
