"""The console's own windows, in physical screen pixels: masked in every capture, never a target.

Why masking and not hiding: hiding the console during each capture flickers, steals focus and
makes supervision impossible (the human would watch a blinking window). Instead the loop paints
these rectangles black in the image *before* it is scaled, encoded and sent, so no pixel of the
console reaches the model; the executor refuses any action whose target lands in them.

Every visible top-level window of the application counts (the main window, dialogs, menus,
tooltips). Qt reports geometry in device-independent pixels; X11 capture works in physical
pixels, so each rectangle is scaled by its screen's device pixel ratio around the screen's
origin and rounded *outwards* (a half-covered pixel is masked too).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget

from console_app.core.geometry import Rect, RectTuple


def physical_rect(rect: QRect, origin_x: int, origin_y: int, ratio: float) -> RectTuple:
    """Logical ``rect`` on a screen whose logical origin is ``origin`` → physical (x, y, w, h).

    The screen's physical origin is taken as ``origin · ratio`` (true for a uniform scale
    factor, the common X11 set-up)."""
    left = origin_x * ratio + (rect.x() - origin_x) * ratio
    top = origin_y * ratio + (rect.y() - origin_y) * ratio
    right = left + rect.width() * ratio
    bottom = top + rect.height() * ratio
    x0, y0 = math.floor(left), math.floor(top)
    return x0, y0, math.ceil(right) - x0, math.ceil(bottom) - y0


def window_rects(windows: list[QWidget] | None = None, margin: int = 0) -> list[RectTuple]:
    """Physical rectangles of every visible top-level window (or of ``windows``)."""
    app = QApplication.instance()
    if windows is None:
        if not isinstance(app, QApplication):
            return []
        windows = [w for w in app.topLevelWidgets() if w.isVisible()]
    rects: list[RectTuple] = []
    for widget in windows:
        if not widget.isVisible() or widget.isMinimized():
            continue
        rect = frame_rect(widget, margin)
        if rect is not None:
            rects.append(rect)
    return rects


def frame_rect(widget: QWidget, margin: int = 0) -> RectTuple | None:
    """The physical rectangle of ``widget``'s frame (where it is, or was last, on screen)."""
    frame = widget.frameGeometry()
    if frame.isEmpty():
        return None
    screen = widget.screen()
    if screen is not None:
        origin = screen.geometry().topLeft()
        ratio = screen.devicePixelRatio()
    else:
        origin, ratio = frame.topLeft() * 0, widget.devicePixelRatioF()
    x, y, w, h = physical_rect(frame, origin.x(), origin.y(), ratio)
    return x - margin, y - margin, w + 2 * margin, h + 2 * margin


def exclusion_source(margin: int = 0) -> Callable[[], list[RectTuple]]:
    """The loop's ``exclusion`` callback: evaluated on the GUI thread before each capture and
    each execution, so a moved or resized console is always where the mask is."""
    return lambda: window_rects(margin=margin)


def wait_until_off_screen(
    on_screen: Callable[[], bool], widget: QWidget, timeout_s: float
) -> list[RectTuple]:
    """Wait (up to ``timeout_s``) for a window Qt has already hidden to leave the screen; its
    frame's rectangle, to mask, if it is still there then.

    Qt hides a window at once, but the screen shows it until the window manager unmaps its
    frame, later on a busy machine: a capture taken in between saw it. ``on_screen`` asks the
    X server (``X11Windows.on_screen``)."""
    deadline = time.monotonic() + timeout_s
    while on_screen():
        if time.monotonic() > deadline:
            rect = frame_rect(widget)
            return [rect] if rect is not None else []
        time.sleep(0.01)
    return []


def on_monitor(widget: QWidget, monitor: Rect) -> bool:
    """Whether the centre of ``widget``'s frame (in physical pixels) lies in ``monitor``."""
    frame = widget.frameGeometry()
    ratio = widget.devicePixelRatioF()
    return monitor.contains(frame.center().x() * ratio, frame.center().y() * ratio)
