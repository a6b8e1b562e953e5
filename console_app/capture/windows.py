"""The windows on the X11 screen: geometry, title, WM_CLASS, process, stacking order.

Used by the privacy rules (``capture/privacy.py``) before every capture and every execution,
and by Settings to pick a window by clicking it. python-xlib, one connection per `WindowLister`
guarded by a lock (it is called from the GUI thread, the capture thread and the input thread).

How windows are found: the root window's children, in stacking order (bottom to top), that are
viewable. Under a reparenting window manager each child is a *frame*; the application's own
window (the "client", which carries ``WM_STATE``, ``WM_CLASS`` and the title) is searched
below it. The rectangle is the frame's, so the title bar is masked together with the window.
Without a window manager (a bare Xvfb) the children are the application windows themselves.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

from console_app.capture.x11_props import CARDINAL, Atoms, has_wm_state, window_pid, window_title
from console_app.core.geometry import Rect
from console_app.core.privacy import WindowInfo

log = logging.getLogger(__name__)

_MAX_DEPTH = 4


class WindowListError(RuntimeError):
    """The window list could not be read (no X display, the X server went away)."""


class WindowLister:
    def __init__(self, display: str | None = None) -> None:
        self._lock = threading.Lock()
        self._display: Any = None
        self._name = display
        self._atoms: Atoms | None = None

    # ------------------------------------------------------------------ connection

    @staticmethod
    def supported() -> bool:
        return sys.platform.startswith("linux") and bool(os.environ.get("DISPLAY"))

    def _open(self) -> Any:
        if self._display is None:
            if not self.supported():
                raise WindowListError("no X11 display: windows cannot be listed")
            try:
                from Xlib.display import Display

                self._display = Display(self._name)
            except Exception as exc:
                raise WindowListError(f"cannot open the X display: {exc}") from exc
        return self._display

    def close(self) -> None:
        with self._lock:
            display, self._display = self._display, None
        if display is not None:
            try:
                display.close()
            except Exception:
                log.debug("closing the window lister's display failed", exc_info=True)

    # ------------------------------------------------------------------ queries

    def windows(self) -> list[WindowInfo]:
        """Viewable top-level windows, bottom to top. Raises `WindowListError`."""
        with self._lock:
            try:
                return self._windows()
            except WindowListError:
                raise
            except Exception as exc:
                self._drop()
                raise WindowListError(f"the window list could not be read: {exc}") from exc

    def screen_rect(self) -> Rect:
        """The whole X screen (all monitors)."""
        with self._lock:
            try:
                screen = self._open().screen()
                return Rect(0, 0, int(screen.width_in_pixels), int(screen.height_in_pixels))
            except WindowListError:
                raise
            except Exception as exc:
                self._drop()
                raise WindowListError(f"the screen size could not be read: {exc}") from exc

    def focused(self) -> list[int]:
        """The focused window and its ancestors up to the root (keys go there), or ``[]``."""
        with self._lock:
            try:
                display = self._open()
                focus = display.get_input_focus().focus
                window = focus if isinstance(focus, int) else getattr(focus, "id", 0)
                if window in (0, 1):  # None / PointerRoot: keys go to the window under the pointer
                    child = display.screen().root.query_pointer().child
                    window = getattr(child, "id", 0) or 0
                return self._ancestors(window) if window else []
            except WindowListError:
                raise
            except Exception as exc:
                self._drop()
                raise WindowListError(f"the keyboard focus could not be read: {exc}") from exc

    def _ancestors_of(self, window: int) -> list[int]:
        with self._lock:
            try:
                self._open()
                return self._ancestors(window)
            except Exception:
                return [window]

    def window_at(self, x: int, y: int) -> WindowInfo | None:
        """The topmost listed window containing the screen point (for "pick a window")."""
        for window in reversed(self.windows()):
            if window.rect.contains(x, y):
                return window
        return None

    # ------------------------------------------------------------------ internals (locked)

    def _drop(self) -> None:
        display, self._display = self._display, None
        self._atoms = None
        if display is not None:
            try:
                display.close()
            except Exception:
                log.debug("closing a broken display failed", exc_info=True)

    def _props(self) -> Atoms:
        """The atoms of the open connection (interned once per connection)."""
        if self._atoms is None or self._atoms.display is not self._display:
            self._atoms = Atoms(self._display)
        return self._atoms

    def _windows(self) -> list[WindowInfo]:
        from Xlib import X

        display = self._open()
        root = display.screen().root
        out: list[WindowInfo] = []
        for child in root.query_tree().children:
            try:
                attributes = child.get_attributes()
                if attributes.map_state != X.IsViewable:
                    continue
                geometry = child.get_geometry()
                if geometry.width <= 1 or geometry.height <= 1:
                    continue  # helper windows (1×1 focus proxies and the like)
                border = int(geometry.border_width)
                rect = Rect(
                    int(geometry.x),
                    int(geometry.y),
                    int(geometry.width) + 2 * border,
                    int(geometry.height) + 2 * border,
                )
                client = self._client(child)
                out.append(self._info(child, client, rect, bool(attributes.override_redirect)))
            except Exception:  # a window that vanished while it was being read
                log.debug("skipping window 0x%x", getattr(child, "id", 0), exc_info=True)
        return out

    def _client(self, top: Any) -> Any:
        """The application's window for a root child: itself when it carries WM_STATE (set by
        a window manager) or WM_CLASS (no window manager), else the first window below it
        carrying WM_STATE (a frame around its client), else itself."""
        atoms = self._props()
        if has_wm_state(top, atoms) or top.get_wm_class() is not None:
            return top
        found = self._below_with_state(top, atoms, 1)
        return found if found is not None else top

    def _below_with_state(self, window: Any, atoms: Atoms, depth: int) -> Any | None:
        for child in window.query_tree().children:
            if has_wm_state(child, atoms):
                return child
        if depth >= _MAX_DEPTH:
            return None
        for child in window.query_tree().children:
            found = self._below_with_state(child, atoms, depth + 1)
            if found is not None:
                return found
        return None

    def _info(self, top: Any, client: Any, rect: Rect, override: bool) -> WindowInfo:
        wm_class = client.get_wm_class() or top.get_wm_class() or ("", "")
        transient = client.get_wm_transient_for()
        return WindowInfo(
            id=int(top.id),
            rect=rect,
            title=self._title(client) or self._title(top),
            instance=str(wm_class[0] or ""),
            wm_class=str(wm_class[1] or ""),
            pid=self._pid(client) or self._pid(top),
            transient_for=self._top_of(int(transient.id)) if transient else None,
            override_redirect=override,
            client=int(client.id) if client.id != top.id else None,
        )

    def _title(self, window: Any) -> str:
        return window_title(window, self._props())

    def _pid(self, window: Any) -> int | None:
        return window_pid(window, self._props(), CARDINAL)

    def _ancestors(self, window: int) -> list[int]:
        display = self._display
        chain = [window]
        current = display.create_resource_object("window", window)
        for _ in range(32):
            tree = current.query_tree()
            parent = tree.parent
            if not parent or parent.id in (0, tree.root.id, current.id):
                break
            chain.append(int(parent.id))
            current = parent
        return chain

    def _top_of(self, window: int) -> int:
        """The root child above ``window`` (its frame under a window manager)."""
        try:
            return self._ancestors(window)[-1]
        except Exception:
            return window


def pick_window(timeout: float = 30.0, lister: WindowLister | None = None) -> WindowInfo | None:
    """Wait for the user to click a window (the pointer turns into a crosshair) and return it,
    or ``None`` (timeout, Esc/right click, no X11). Blocking: run it in a worker thread.

    Uses ``xdotool selectwindow`` (xdotool is already needed for input), which grabs the
    pointer until the click and names the window clicked."""
    import shutil
    import subprocess

    xdotool = shutil.which("xdotool")
    if xdotool is None or not WindowLister.supported():
        return None
    try:
        done = subprocess.run(
            [xdotool, "selectwindow"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return None
    try:
        picked = int(done.stdout.split()[0]) if done.returncode == 0 else None
    except (IndexError, ValueError):
        picked = None
    if picked is None:
        return None
    own = lister is None
    lister = lister or WindowLister()
    try:
        windows = lister.windows()
        by_id = [w for w in windows if picked in w.ids]
        if by_id:
            return by_id[-1]
        # a child of a listed window (the click landed on a widget's own X window)
        ancestors = set(lister._ancestors_of(picked))
        matches = [w for w in windows if w.ids & ancestors]
        return matches[-1] if matches else None
    except WindowListError:
        return None
    finally:
        if own:
            lister.close()
