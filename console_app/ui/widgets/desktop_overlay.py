"""The proposed action drawn on the real desktop, at its real physical position.

While an action waits for approval the supervisor sees it where it will happen — the crosshair
on the real button, the arrow along the real drag — not only on the screenshot in the console.
The shapes are the same ones the screenshot view draws (``overlay.py`` geometry, painted by
``overlay_painter.py``); only the transform differs: image pixel → physical screen pixel (the
capture's `ViewportMapping`) → Qt logical pixel of the screen that holds it.

The window:

* never takes input: ``Qt.WindowTransparentForInput`` (on X11 an empty input shape) and
  override-redirect (no window manager focus, never in a task list) — a click at the crosshair
  reaches the application underneath;
* is transparent without a compositor: the window's X shape (`setMask`) is exactly the painted
  pixels, so nothing else of the desktop is covered;
* is never in a screenshot sent to the model: it is shown only while an approval is pending,
  and `hide_now` (called by the supervision layer before every capture and every execution)
  unmaps it and flushes the X connection before the capture or the input happens.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QBitmap, QGuiApplication, QImage, QPainter, QPaintEvent, QRegion
from PySide6.QtWidgets import QApplication, QWidget

from console_app.core.overlay import Overlay, TextBubble
from console_app.ui.widgets.overlay_painter import OverlayPainter, Style, ViewTransform

log = logging.getLogger(__name__)

OVERLAY_TITLE = "Operator Console — proposed action"


ScreenInfo = tuple[QRect, float]
"""A screen's logical geometry and its device pixel ratio."""


def qt_screens() -> list[ScreenInfo]:
    return [(s.geometry(), s.devicePixelRatio()) for s in QGuiApplication.screens()]


def screen_for_physical(x: float, y: float, screens: list[ScreenInfo]) -> ScreenInfo | None:
    """The screen whose physical rectangle (logical origin × ratio) holds the point."""
    for geometry, ratio in screens:
        left, top = geometry.x() * ratio, geometry.y() * ratio
        if (
            left <= x < left + geometry.width() * ratio
            and top <= y < top + geometry.height() * ratio
        ):
            return geometry, ratio
    return screens[0] if screens else None


def desktop_transform(
    mapping: Any, image_w: int, image_h: int, screens: list[ScreenInfo] | None = None
) -> tuple[QRect, ViewTransform]:
    """Where the overlay window goes (logical rect of the captured source on its screen) and
    the image-pixel → window-pixel transform. Follows the monitor mapping: several monitors,
    negative offsets, a device pixel ratio per screen."""
    source = mapping.source
    found = screen_for_physical(
        source.left + source.width / 2,
        source.top + source.height / 2,
        qt_screens() if screens is None else screens,
    )
    geometry, ratio = found if found is not None else (QRect(0, 0, 0, 0), 1.0)
    origin = geometry.topLeft()
    left = origin.x() + (source.left - origin.x() * ratio) / ratio
    top = origin.y() + (source.top - origin.y() * ratio) / ratio
    rect = QRect(
        math.floor(left),
        math.floor(top),
        math.ceil(source.width / ratio),
        math.ceil(source.height / ratio),
    )
    scale = source.width / image_w / ratio
    return rect, ViewTransform(scale, left - rect.x(), top - rect.y())


class DesktopOverlay(QWidget):
    def __init__(self) -> None:
        super().__init__(
            None,
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.X11BypassWindowManagerHint
            | Qt.WindowType.WindowTransparentForInput
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setObjectName("desktopOverlay")
        self.setWindowTitle(OVERLAY_TITLE)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._items: list[tuple[Overlay, Style]] = []
        self._transform = ViewTransform(1.0)
        self._image: QImage | None = None
        self._drawn: Any = None
        self.enabled = True

    # ------------------------------------------------------------------ content

    def show_action(
        self,
        overlays: list[tuple[Overlay, Style]],
        mapping: Any,
        image_size: tuple[int, int],
        focus_rect: tuple[int, int, int, int] | None = None,
    ) -> None:
        """Draw ``overlays`` (image-pixel shapes of a screenshot of ``image_size`` taken
        through ``mapping``); ``focus_rect`` (physical) anchors a bubble for typed text."""
        if not self.enabled or not overlays or mapping is None:
            self.hide_now()
            return
        rect, transform = desktop_transform(mapping, *image_size)
        if focus_rect is not None:
            overlays = [
                (_anchor_bubbles(o, focus_rect, mapping, image_size), s) for o, s in overlays
            ]
        key = (repr(overlays), rect.getRect(), transform)
        if key == self._drawn and self.isVisible():
            return  # the same picture: nothing to repaint
        self._drawn = key
        self._items = overlays
        self._transform = transform
        self.setGeometry(rect)
        self._render()
        if not self.isVisible():
            self.show()
        self.raise_()
        self.update()

    def _render(self) -> None:
        """Paint into an ARGB image; the window's shape is its opaque pixels."""
        size = self.size()
        if size.isEmpty():
            return
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        try:
            draw = OverlayPainter(
                painter, self._transform, QRectF(0, 0, size.width(), size.height())
            )
            for overlay, style in self._items:
                draw.paint(overlay, style)
        finally:
            painter.end()
        self._image = image
        mask = QBitmap.fromImage(image.createAlphaMask())
        region = QRegion(mask)
        if region.isEmpty():
            region = QRegion(0, 0, 1, 1)
        self.setMask(region)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._image is None:
            return
        painter = QPainter(self)
        painter.drawImage(0, 0, self._image)
        painter.end()

    def hide_now(self) -> None:
        """Unmap the window and make sure the X server has done it (before a capture or an
        action: neither may see the overlay)."""
        self._items = []
        self._drawn = None
        if not self.isVisible():
            return
        self.hide()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            # Flush the unmap to the X server now (sync round trip through the platform).
            native = app.platformName()
            if native == "xcb":
                QApplication.sync()
        log.debug("desktop overlay hidden")


def _anchor_bubbles(
    overlay: Overlay,
    focus_rect: tuple[int, int, int, int],
    mapping: Any,
    image_size: tuple[int, int],
) -> Overlay:
    """A "type" bubble without a point goes to the window that will get the keys."""
    if not any(isinstance(s, TextBubble) and s.anchor is None for s in overlay.shapes):
        return overlay
    source = mapping.source
    x, y, w, h = focus_rect
    ix = (x + min(w / 2, 160) - source.left) * image_size[0] / source.width
    iy = (y + min(h / 3, 80) - source.top) * image_size[1] / source.height
    if not (0 <= ix < image_size[0] and 0 <= iy < image_size[1]):
        return overlay
    shapes = tuple(
        TextBubble(s.text, (ix, iy)) if isinstance(s, TextBubble) and s.anchor is None else s
        for s in overlay.shapes
    )
    return Overlay(shapes, overlay.caption, overlay.outside)
