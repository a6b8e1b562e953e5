"""X11 window management for supervising on one screen: who is active, who gets the keys.

Three jobs, none of them Qt (the console's ``ui/window_tracker.py`` wires them to the window):

* `ActiveWindowTracker` — remembers the last application window the human worked in that is
  not one of the supervisor's own windows: the agent's keyboard target. A daemon thread
  listens for ``_NET_ACTIVE_WINDOW`` changes on the root window (a window manager publishes
  it) and, without a window manager, polls the X input focus.
* `X11Windows.activate` — bring a window to the front and give it the keyboard focus the way a
  pager does: a ``_NET_ACTIVE_WINDOW`` client message with source indication 2 (a WM honours
  it even for a window that was not clicked, unlike a plain application request); without a
  window manager ``XSetInputFocus``. `wait_focus` verifies it took effect.
* `X11Windows.pick_window` — "which window gets the keys?": a crosshair pointer grab, the human
  clicks a window, its top-level client window is returned (the click itself goes nowhere).

Every call fails soft: an X error is logged and reported as ``None``/``False``; the callers fail
closed (a keyboard action is refused rather than sent to an unknown window).
"""

from __future__ import annotations

import logging
import os
import select
import sys
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from console_app.capture.x11_props import (
    Atoms,
    first_value,
    has_wm_state,
    root_rect,
    window_pid,
    window_title,
)

log = logging.getLogger(__name__)

PAGER_SOURCE = 2
"""``_NET_ACTIVE_WINDOW`` source indication: 1 application, 2 pager (user action)."""
POLL_SECONDS = 0.25
VIEWABLE = 2  # X.IsViewable: mapped, and every ancestor mapped


def x11_available() -> bool:
    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return False
    try:
        import Xlib.display  # noqa: F401
    except ImportError:
        return False
    return True


class X11Windows:
    """One X connection (used under a lock) for window queries and activation."""

    def __init__(self) -> None:
        from Xlib.display import Display

        self._lock = threading.RLock()
        self.display: Any = Display()
        self.root: Any = self.display.screen().root
        self._atoms = Atoms(self.display)

    def close(self) -> None:
        with self._lock:
            display, self.display = self.display, None
        if display is not None:
            try:
                display.close()
            except Exception:
                log.debug("closing the X connection failed", exc_info=True)

    def atom(self, name: str) -> int:
        return self._atoms[name]

    # ------------------------------------------------------------------ queries

    def wm_present(self) -> bool:
        """A EWMH window manager runs (``_NET_SUPPORTING_WM_CHECK`` names a live window)."""
        with self._lock:
            try:
                child = first_value(self.root, self.atom("_NET_SUPPORTING_WM_CHECK"))
                if child is None:
                    return False
                check = self.display.create_resource_object("window", child)
                # EWMH: the check window names itself. A stale root property may name an id
                # that another client reuses now (raises BadWindow, or names something else).
                return first_value(check, self.atom("_NET_SUPPORTING_WM_CHECK")) == child
            except Exception:
                return False

    def active_window(self) -> int | None:
        """The window manager's active window (a client window), ``None`` if none/unknown.

        Only while a window manager runs: one that exited leaves ``_NET_ACTIVE_WINDOW`` on the
        root, and X reuses window ids, so the stale value can name a new client's window."""
        if not self.wm_present():
            return None
        with self._lock:
            try:
                window = first_value(self.root, self.atom("_NET_ACTIVE_WINDOW"))
            except Exception:
                return None
            return window or None

    def focus_window(self) -> int | None:
        """The X input focus as a top-level client window, ``None`` for none/root/PointerRoot."""
        with self._lock:
            try:
                focus = self.display.get_input_focus().focus
            except Exception:
                return None
            window = focus if isinstance(focus, int) else getattr(focus, "id", 0)
            if window in (0, 1) or window == self.root.id:
                return None
            return self.client_of(int(window))

    def current_window(self) -> int | None:
        """Where keys go now: the active window, else the focus window."""
        return self.active_window() or self.focus_window()

    def client_of(self, window: int) -> int | None:
        """The top-level window (direct child of the root, or the client inside a WM frame)
        that contains ``window``."""
        with self._lock:
            try:
                current = self.display.create_resource_object("window", window)
                for _ in range(32):
                    if has_wm_state(current, self._atoms):
                        return int(current.id)
                    tree = current.query_tree()
                    parent = tree.parent
                    if not parent or parent.id in (0, current.id) or parent.id == tree.root.id:
                        return self._client_below(current) or int(current.id)
                    current = parent
            except Exception:
                log.debug("could not walk the window tree from 0x%x", window, exc_info=True)
        return None

    def _client_below(self, frame: Any) -> int | None:
        """A WM frame's client (the descendant with WM_STATE), breadth first, shallow."""
        layer = [frame]
        for _ in range(4):
            following = []
            for window in layer:
                if has_wm_state(window, self._atoms):
                    return int(window.id)
                following.extend(window.query_tree().children)
            layer = following
        return None

    def window_rect(self, window: int) -> tuple[int, int, int, int] | None:
        """``(x, y, w, h)`` of ``window`` in root coordinates."""
        with self._lock:
            try:
                return root_rect(self.display, window)
            except Exception:
                return None

    def pid_of(self, window: int) -> int | None:
        with self._lock:
            try:
                resource = self.display.create_resource_object("window", window)
                return window_pid(resource, self._atoms)
            except Exception:
                return None

    def exists(self, window: int) -> bool:
        with self._lock:
            try:
                attrs = self.display.create_resource_object("window", window).get_attributes()
                return bool(attrs.map_state != 0)
            except Exception:
                return False

    def on_screen(self, window: int) -> bool:
        """``window``, or the window holding it below the root (a window manager's frame), is
        still viewable. A frame keeps the pixels of a client that unmapped until the window
        manager unmaps the frame too (later, and later still on a busy machine)."""
        with self._lock:
            try:
                current = self.display.create_resource_object("window", window)
                for _ in range(32):
                    if current.get_attributes().map_state == VIEWABLE:
                        return True
                    tree = current.query_tree()
                    parent = tree.parent
                    if not parent or parent.id in (0, current.id, tree.root.id):
                        return False
                    current = parent
            except Exception:
                log.debug("could not read the state of 0x%x", window, exc_info=True)
        return False

    def window_name(self, window: int) -> str:
        with self._lock:
            try:
                resource = self.display.create_resource_object("window", window)
                return window_title(resource, self._atoms, kind=0)  # any type, as WMs vary
            except Exception:
                return ""

    # ------------------------------------------------------------------ activation

    def activate(self, window: int) -> bool:
        """Ask for ``window`` to become active (as a pager would); ``False`` on an X error."""
        from Xlib import X, error
        from Xlib.protocol import event

        with self._lock:
            catcher = error.CatchError()
            try:
                target = self.display.create_resource_object("window", window)
                if self.wm_present():
                    message = event.ClientMessage(
                        window=target,
                        client_type=self.atom("_NET_ACTIVE_WINDOW"),
                        data=(32, [PAGER_SOURCE, X.CurrentTime, 0, 0, 0]),
                    )
                    mask = X.SubstructureRedirectMask | X.SubstructureNotifyMask
                    self.root.send_event(message, event_mask=mask, onerror=catcher)
                else:
                    target.configure(stack_mode=X.Above, onerror=catcher)
                    target.set_input_focus(X.RevertToParent, X.CurrentTime, onerror=catcher)
                self.display.sync()
            except Exception:
                log.debug("activating 0x%x failed", window, exc_info=True)
                return False
            return catcher.get_error() is None

    def wait_focus(self, accept: Callable[[int], bool], timeout: float = 1.0) -> int | None:
        """Wait until the focus window satisfies ``accept``; returns it, or ``None``."""
        deadline = time.monotonic() + timeout
        while True:
            window = self.focus_window()
            if window is not None and accept(window):
                return window
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def focus_directly(self, window: int) -> bool:
        """``XSetInputFocus`` (the fallback when the WM ignores an activation request)."""
        from Xlib import X, error

        with self._lock:
            catcher = error.CatchError()
            try:
                target = self.display.create_resource_object("window", window)
                target.set_input_focus(X.RevertToParent, X.CurrentTime, onerror=catcher)
                self.display.sync()
            except Exception:
                return False
            return catcher.get_error() is None

    # ------------------------------------------------------------------ picking

    def pick_window(self, cancelled: Callable[[], bool], timeout: float = 120.0) -> int | None:
        """Grab the pointer (crosshair) until the human clicks a window; its client window,
        or ``None`` (timeout, cancelled, grab refused, clicked the bare desktop)."""
        from Xlib import X, Xcursorfont

        with self._lock:
            display = self.display
            font = display.open_font("cursor")
            cursor = font.create_glyph_cursor(
                font,
                Xcursorfont.crosshair,
                Xcursorfont.crosshair + 1,
                (65535, 65535, 65535),
                (0, 0, 0),
            )
            status = self.root.grab_pointer(
                False,
                X.ButtonPressMask | X.ButtonReleaseMask,
                X.GrabModeAsync,
                X.GrabModeAsync,
                X.NONE,
                cursor,
                X.CurrentTime,
            )
            display.sync()
        if status != X.GrabSuccess:
            log.warning("could not grab the pointer to pick a window (status %s)", status)
            return None
        picked: int | None = None
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not cancelled():
                select.select([display.fileno()], [], [], 0.1)
                with self._lock:
                    while display.pending_events():
                        ev = display.next_event()
                        if ev.type == X.ButtonPress:
                            child = getattr(ev, "child", None)
                            picked = int(child.id) if child else 0
                if picked is not None:
                    break
        finally:
            with self._lock:
                display.ungrab_pointer(X.CurrentTime)
                display.sync()
        if not picked:
            return None
        return self.client_of(picked)


CLIENT_ID_SHIFT = 21
"""X servers (Xorg, Xvfb, Xwayland) give each client ids with a 21-bit resource mask: the bits
above it name the client that created the window."""


class ActiveWindowTracker:
    """Remembers the last active window that is not one of ``own_windows`` (thread-safe)."""

    def __init__(self, windows: X11Windows, own_windows: Callable[[], Collection[int]]) -> None:
        self.windows = windows
        self._own = own_windows
        self._lock = threading.Lock()
        self._last: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.on_change: Callable[[int | None], None] | None = None
        from Xlib.display import Display

        self._events: Any = Display()  # its own connection: events only

    @property
    def last(self) -> int | None:
        with self._lock:
            last = self._last
        if last is not None and not self.windows.exists(last):
            with self._lock:
                if self._last == last:
                    self._last = None
            return None
        return last

    def set_last(self, window: int | None) -> None:
        with self._lock:
            changed = self._last != window
            self._last = window
        if changed:
            log.info("keyboard target: %s", hex(window) if window else "none")
        if changed and self.on_change is not None:
            try:
                self.on_change(window)
            except Exception:
                log.exception("window tracker listener failed")

    def is_own(self, window: int) -> bool:
        """One of ours: in ``own_windows``, created by the same X client as one of them (X
        resource ids carry the client in their bits above ``CLIENT_ID_SHIFT``: a console popup
        or a window just created that is not in the snapshot yet), or a window of this process
        (``_NET_WM_PID``)."""
        own = set(self._own())
        if window in own or any(window >> CLIENT_ID_SHIFT == o >> CLIENT_ID_SHIFT for o in own):
            return True
        return self.windows.pid_of(window) == os.getpid()

    def poll(self) -> None:
        """Look at the current window once (the thread does this on every change)."""
        window = self.windows.current_window()
        if window is not None and not self.is_own(window):
            self.set_last(window)

    def start(self) -> None:
        from Xlib import X

        root = self._events.screen().root
        root.change_attributes(event_mask=X.PropertyChangeMask)
        self._events.sync()
        self.poll()
        self._thread = threading.Thread(target=self._listen, name="window-tracker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2.0)
        try:
            self._events.close()
        except Exception:
            log.debug("closing the tracker's connection failed", exc_info=True)

    def _listen(self) -> None:
        display = self._events
        try:
            while not self._stop.is_set():
                select.select([display.fileno()], [], [], POLL_SECONDS)
                while display.pending_events():
                    display.next_event()  # any root property change: look again
                self.poll()
        except Exception:
            if not self._stop.is_set():
                log.exception("the active-window tracker stopped")
