"""Keep the agent's keystrokes out of the supervisor's own windows (the console, the terminal).

Why: synthetic key events go to whichever window has the keyboard focus, and the supervisor
just pressed Enter (or ``y``) in their own window to approve. Without this guard an approved
``type "y⏎"`` would answer the next approval prompt itself, and "type the password" would land
in the console's feedback line. Masking protects the *pixels* of those windows; this protects
their keyboard.

How (X11): when the loop captures the screen it calls `note`, which remembers the focused
window if it is not one of ours (that is the application the agent works in). Right before a
keyboard action the loop calls `check` on its input thread: if the focus (or, with
``PointerRoot`` focus, the window under the pointer) is one of ours, focus is handed back to the
remembered window and verified; if that is impossible, `check` returns the reason and the
action is refused — the guard fails closed. Off X11 (Wayland, offscreen, no python-xlib) the
guard is inactive and says so in ``status``.

Thread-safe: one X connection, used under a lock (note runs on the capture thread, check on the
input thread).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from console_app.capture.x11_props import root_rect

log = logging.getLogger(__name__)

_POINTER_ROOT = 1
_NONE = 0


class KeyboardFocusGuard:
    """Keeps synthetic keys out of the supervisor's own windows (X11 input focus).

    ``note`` (capture thread) remembers the focused window the agent works in; ``check`` (input
    thread, right before an action) hands the focus back there if it moved to one of
    ``own_windows`` and returns why keys must not run when that fails — it fails closed.
    ``target`` names the window keys belong to (the last application window the supervisor
    used) and ``activate`` gives it the focus the way a pager does. Without X11 it is inactive
    and ``check`` allows everything.
    """

    def __init__(
        self,
        own_windows: Callable[[], Collection[int]],
        owner: str = "console",
        *,
        target: Callable[[], int | None] | None = None,
        activate: Callable[[int], bool] | None = None,
    ) -> None:
        """``own_windows``: X ids of the supervisor's top-level windows (must be safe to call
        from any thread); ``owner`` names them in messages ("console", "terminal").

        Optional (the console window passes them, see ``ui/window_tracker.py``): ``target``
        the last application window the human worked in (preferred over the window seen at
        capture), ``activate`` hands focus back the way the window manager expects (a pager's
        ``_NET_ACTIVE_WINDOW`` request)."""
        self._own_windows = own_windows
        self.owner = owner
        self._target = target
        self._activate = activate
        self._lock = threading.Lock()
        self._display: Any = None
        self.remembered: int | None = None
        self.restored = 0  # how often focus was handed back (tests, diagnostics)
        self.status = "inactive"
        if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
            self.status = "no X11 display: keyboard focus is not checked"
            return
        try:
            from Xlib.display import Display

            self._display = Display()
            self.status = "active"
        except Exception as exc:
            self.status = f"unavailable ({type(exc).__name__}: {exc})"
            log.warning("keyboard focus guard unavailable: %s", exc)

    @property
    def available(self) -> bool:
        return self._display is not None

    def close(self) -> None:
        with self._lock:
            display, self._display = self._display, None
        if display is not None:
            try:
                display.close()
            except Exception:
                log.debug("closing the focus guard's display failed", exc_info=True)

    # ------------------------------------------------------------------ the loop's hooks

    def note(self) -> None:
        """Remember the focused window if it is not ours (called at each capture)."""
        with self._lock:
            window = self._focus_target()
            if window is not None and not self._is_own(window):
                self.remembered = window

    def check(self) -> str | None:
        """Before keys are sent: ``None`` when they will not reach one of our windows (focus
        handed back first if needed), else why the keyboard action must not run."""
        with self._lock:
            if self._display is None:
                return None
            window = self._focus_target()
            if window is None:
                return f"the keyboard focus could not be read, so keys might reach the {self.owner}"
            nowhere = self._target is not None and window in (_NONE, _POINTER_ROOT)
            if not nowhere and not self._is_own(window):
                return None
            preferred = self._target() if self._target is not None else None
            candidates = [w for w in (preferred, self.remembered) if w is not None]
            for candidate in dict.fromkeys(candidates):
                if self._hand_back(candidate):
                    self.remembered = candidate
                    self.restored += 1
                    log.info("keyboard focus handed back to window 0x%x", candidate)
                    return None
            log.info(
                "keyboard focus on 0x%x; could not hand it back (candidates: %s)",
                window,
                ", ".join(hex(c) for c in candidates) or "none",
            )
            self.remembered = None
            where = "on no window" if nowhere else f"on the {self.owner}"
            return (
                f"the keyboard focus is {where}, so the keys would go astray; click "
                "into the application the agent works in, then let the model try again"
            )

    # ------------------------------------------------------------------ queries

    def focused_window(self) -> int | None:
        with self._lock:
            return self._focus_target()

    def top_level(self, window: int) -> int | None:
        """The top-level ancestor of ``window`` (a direct child of the root), or ``None``."""
        with self._lock:
            return self._top_level(window)

    def window_rect(self, window: int) -> tuple[int, int, int, int] | None:
        """``(x, y, w, h)`` of ``window`` in root (screen) coordinates."""
        with self._lock:
            if self._display is None:
                return None
            try:
                return root_rect(self._display, window)
            except Exception:
                log.debug("could not read the geometry of 0x%x", window, exc_info=True)
                return None

    # ------------------------------------------------------------------ internals (locked)

    def _focus_target(self) -> int | None:
        """The window keys go to now: the focus window, or the window under the pointer when
        the focus is ``PointerRoot``."""
        if self._display is None:
            return None
        try:
            focus = self._display.get_input_focus().focus
            window = focus if isinstance(focus, int) else getattr(focus, "id", None)
            if window == _POINTER_ROOT:
                child = self._display.screen().root.query_pointer().child
                window = getattr(child, "id", None) or _NONE
            return window
        except Exception:
            log.debug("XGetInputFocus failed", exc_info=True)
            return None

    def _is_own(self, window: int) -> bool:
        if window in (_NONE, _POINTER_ROOT):
            return False
        ours = set(self._own_windows())
        top = self._top_level(window)
        return window in ours or (top is not None and top in ours)

    def _top_level(self, window: int) -> int | None:
        if self._display is None:
            return None
        ours = set(self._own_windows())
        try:
            current = self._display.create_resource_object("window", window)
            for _ in range(32):  # focus may sit on a child or on a frame window
                if current.id in ours:
                    return int(current.id)
                tree = current.query_tree()
                parent = tree.parent
                if not parent or parent.id in (0, current.id) or parent.id == tree.root.id:
                    return int(current.id)
                current = parent
        except Exception:
            log.debug("could not walk the window tree", exc_info=True)
        return None

    def _hand_back(self, window: int) -> bool:
        if self._activate is not None and self._activate(window):
            for _ in range(50):  # the window manager answers asynchronously: up to 1 s
                after = self._focus_target()
                if after not in (None, _NONE, _POINTER_ROOT) and not self._is_own(after):
                    return True
                time.sleep(0.02)
        from Xlib import X, error

        catcher = error.CatchError()
        target = self._display.create_resource_object("window", window)
        target.set_input_focus(X.RevertToParent, X.CurrentTime, onerror=catcher)
        self._display.sync()
        if catcher.get_error() is not None:
            return False
        after = self._focus_target()
        return after not in (None, _NONE, _POINTER_ROOT) and not self._is_own(after)
