"""Paint an `Overlay` (image-pixel shapes) onto the screenshot view at its current zoom.

Markers keep a fixed on-screen size whatever the zoom, so a crosshair stays readable on a
shrunken 4K capture; every mark has a dark halo under a bright stroke so it shows on light and
dark desktops alike. Labels sit on dark rounded plates and are nudged back inside the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

from console_app.core.overlay import (
    Arrow,
    Banner,
    ClickMarks,
    Crosshair,
    KeyChips,
    Overlay,
    ScrollArrow,
    TextBubble,
)
from console_app.core.overlay_marks import (
    ARROW_HEAD,
    CENTRE_DOT,
    CLICK_MARK_RADIUS,
    CROSSHAIR_ARM,
    CROSSHAIR_LABEL,
    CROSSHAIR_RADIUS,
    DRAG_END_LABEL,
    DRAG_END_TEXT,
    DRAG_START_LABEL,
    DRAG_START_RADIUS,
    DRAG_START_TEXT,
    FOCUSED_FIELD_LABEL,
    FOCUSED_FIELD_TEXT,
    SCROLL_ARROW_HEAD,
    SCROLL_LABEL,
    SCROLL_RING_RADIUS,
    arrow_head,
    banner_text,
    bubble_text,
    chip_verb,
    crosshair_label,
    mark_centres,
    scroll_label,
    scroll_tip,
)

Style = Literal["proposed", "edited", "ghost"]

_ACCENT = {
    "proposed": QColor(255, 64, 32),
    "edited": QColor(40, 220, 90),
    "ghost": QColor(170, 170, 170, 170),
}
_HALO = QColor(0, 0, 0, 200)
_PLATE = QColor(20, 20, 24, 225)
_BANNER_TONES = {
    "info": QColor(40, 70, 140, 235),
    "url": QColor(30, 100, 170, 235),
    "final": QColor(30, 120, 60, 235),
    "error": QColor(170, 30, 30, 240),
}


@dataclass(frozen=True)
class ViewTransform:
    """Image pixel → view pixel: ``view = offset + image · scale``."""

    scale: float
    dx: float = 0.0
    dy: float = 0.0

    def map(self, x: float, y: float) -> QPointF:
        return QPointF(self.dx + x * self.scale, self.dy + y * self.scale)

    def unmap(self, vx: float, vy: float) -> tuple[float, float]:
        return (vx - self.dx) / self.scale, (vy - self.dy) / self.scale


class OverlayPainter:
    """Paints `core.overlay` shapes onto a `QPainter` at the view's current zoom."""

    def __init__(self, painter: QPainter, transform: ViewTransform, bounds: QRectF) -> None:
        self.p = painter
        self.t = transform
        self.bounds = bounds
        self.font = QFont(painter.font())
        self.font.setPointSizeF(max(self.font.pointSizeF(), 10.0))
        self.font.setBold(True)

    def paint(self, overlay: Overlay, style: Style = "proposed") -> None:
        self.p.save()
        self.p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.p.setFont(self.font)
        color = _ACCENT[style]
        for shape in overlay.shapes:
            if isinstance(shape, Crosshair):
                self._crosshair(shape, color)
            elif isinstance(shape, ClickMarks):
                self._marks(shape, color)
            elif isinstance(shape, Arrow):
                self._drag(shape, color)
            elif isinstance(shape, ScrollArrow):
                self._scroll(shape, color)
            elif isinstance(shape, TextBubble):
                self._bubble(shape, color)
            elif isinstance(shape, KeyChips):
                self._chips(shape)
            elif isinstance(shape, Banner):
                self._banner(shape)
        self.p.restore()

    # ------------------------------------------------------------------ primitives

    def _stroke(self, path: QPainterPath, color: QColor, width: float = 2.5) -> None:
        self.p.setBrush(Qt.BrushStyle.NoBrush)
        self.p.setPen(QPen(_HALO, width + 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        self.p.drawPath(path)
        self.p.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        self.p.drawPath(path)

    def _label(self, text: str, anchor: QPointF, color: QColor | None = None) -> QRectF:
        """A plate with ``text`` whose top-left is near ``anchor``, kept inside the view."""
        metrics = QFontMetricsF(self.p.font())
        width = min(metrics.horizontalAdvance(text) + 12, self.bounds.width() - 8)
        rect = QRectF(anchor.x(), anchor.y(), width, metrics.height() + 6)
        rect = self._inside(rect)
        self.p.setPen(QPen(color or QColor(255, 255, 255, 90), 1))
        self.p.setBrush(QBrush(_PLATE))
        self.p.drawRoundedRect(rect, 5, 5)
        self.p.setPen(QColor(255, 255, 255))
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 12)
        self.p.drawText(rect.adjusted(6, 3, -6, -3), Qt.AlignmentFlag.AlignVCenter, shown)
        return rect

    def _inside(self, rect: QRectF) -> QRectF:
        b = self.bounds.adjusted(4, 4, -4, -4)
        dx = max(b.left() - rect.left(), 0) - max(rect.right() - b.right(), 0)
        dy = max(b.top() - rect.top(), 0) - max(rect.bottom() - b.bottom(), 0)
        return rect.translated(dx, dy)

    # ------------------------------------------------------------------ shapes

    def _crosshair(self, shape: Crosshair, color: QColor) -> None:
        c = self.t.map(shape.x, shape.y)
        path = QPainterPath()
        path.addEllipse(c, CROSSHAIR_RADIUS, CROSSHAIR_RADIUS)
        near, far = CROSSHAIR_ARM
        for sx, sy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            path.moveTo(c + QPointF(sx * near, sy * near))
            path.lineTo(c + QPointF(sx * far, sy * far))
        self._stroke(path, color)
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.setBrush(QBrush(color))
        self.p.drawEllipse(c, CENTRE_DOT, CENTRE_DOT)
        self._label(crosshair_label(shape), c + QPointF(*CROSSHAIR_LABEL), color)

    def _marks(self, shape: ClickMarks, color: QColor) -> None:
        metrics = QFontMetricsF(self.p.font())
        for mx, my, number in mark_centres(shape, self.t.scale):
            c = self.t.map(mx, my)
            self.p.setPen(QPen(_HALO, 2))
            self.p.setBrush(QBrush(color))
            self.p.drawEllipse(c, CLICK_MARK_RADIUS, CLICK_MARK_RADIUS)
            self.p.setPen(QColor(255, 255, 255))
            text = str(number)
            self.p.drawText(
                QPointF(
                    c.x() - metrics.horizontalAdvance(text) / 2,
                    c.y() + metrics.ascent() / 2 - 1,
                ),
                text,
            )

    def _drag(self, shape: Arrow, color: QColor) -> None:
        points = [self.t.map(x, y) for x, y in shape.points]
        path = QPainterPath(points[0])
        for point in points[1:]:
            path.lineTo(point)
        self._stroke(path, color, 3.0)
        self._arrow_head(points[-2], points[-1], color)
        start = QPainterPath()
        start.addEllipse(points[0], DRAG_START_RADIUS, DRAG_START_RADIUS)
        self._stroke(start, color)
        self._label(DRAG_START_TEXT, points[0] + QPointF(*DRAG_START_LABEL), color)
        self._label(DRAG_END_TEXT, points[-1] + QPointF(*DRAG_END_LABEL), color)

    def _arrow_head(
        self, tail: QPointF, tip: QPointF, color: QColor, size: float = ARROW_HEAD
    ) -> None:
        head = QPainterPath(tip)
        for end in arrow_head((tail.x(), tail.y()), (tip.x(), tip.y()), size):
            head.lineTo(QPointF(*end))
            head.moveTo(tip)
        self._stroke(head, color, 3.0)

    def _scroll(self, shape: ScrollArrow, color: QColor) -> None:
        origin = self.t.map(shape.x, shape.y)
        tip = self.t.map(*scroll_tip(shape, self.t.scale))  # fixed on-screen length
        path = QPainterPath(origin)
        path.lineTo(tip)
        self._stroke(path, color, 4.0)
        self._arrow_head(origin, tip, color, SCROLL_ARROW_HEAD)
        ring = QPainterPath()
        ring.addEllipse(origin, SCROLL_RING_RADIUS, SCROLL_RING_RADIUS)
        self._stroke(ring, color)
        self._label(scroll_label(shape), origin + QPointF(*SCROLL_LABEL), color)

    def _bubble(self, shape: TextBubble, color: QColor) -> None:
        metrics = QFontMetricsF(self.p.font())
        text = bubble_text(shape)
        width = min(metrics.horizontalAdvance(text) + 24, self.bounds.width() * 0.8)
        height = metrics.height() + 14
        if shape.anchor is None:
            rect = QRectF(
                self.bounds.center().x() - width / 2,
                self.bounds.bottom() - height - 28,
                width,
                height,
            )
        else:
            anchor = self.t.map(*shape.anchor)
            rect = QRectF(anchor.x() + 22, anchor.y() - height - 22, width, height)
        rect = self._inside(rect)
        self.p.setPen(QPen(color, 2))
        self.p.setBrush(QBrush(QColor(255, 255, 240, 240)))
        self.p.drawRoundedRect(rect, 8, 8)
        self.p.setPen(QColor(10, 10, 10))
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, rect.width() - 20)
        self.p.drawText(rect.adjusted(10, 0, -10, 0), Qt.AlignmentFlag.AlignVCenter, shown)
        if shape.anchor is None:
            self._label(FOCUSED_FIELD_TEXT, rect.topLeft() + QPointF(*FOCUSED_FIELD_LABEL))

    def _chips(self, shape: KeyChips) -> None:
        font = QFont(self.font)
        font.setPointSizeF(self.font.pointSizeF() * 1.3)
        self.p.setFont(font)
        metrics = QFontMetricsF(font)
        verb = chip_verb(shape)
        widths = [metrics.horizontalAdvance(k) + 26 for k in shape.keys]
        verb_width = metrics.horizontalAdvance(verb) + 12
        total = verb_width + sum(widths) + 10 * len(widths)
        x = self.bounds.center().x() - total / 2
        y = self.bounds.top() + 56
        plate = self._inside(QRectF(x - 12, y - 10, total + 24, metrics.height() + 36))
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.setBrush(QBrush(_PLATE))
        self.p.drawRoundedRect(plate, 10, 10)
        x, y = plate.left() + 12, plate.top() + 10
        self.p.setPen(QColor(255, 255, 255))
        self.p.drawText(
            QRectF(x, y, verb_width, metrics.height() + 16), Qt.AlignmentFlag.AlignVCenter, verb
        )
        x += verb_width
        for key, width in zip(shape.keys, widths, strict=True):
            chip = QRectF(x, y, width, metrics.height() + 16)
            self.p.setPen(QPen(QColor(60, 60, 60), 1))
            self.p.setBrush(QBrush(QColor(245, 245, 245)))
            self.p.drawRoundedRect(chip, 6, 6)
            self.p.setPen(QColor(10, 10, 10))
            self.p.drawText(chip, Qt.AlignmentFlag.AlignCenter, key)
            x += width + 10
        self.p.setFont(self.font)

    def _banner(self, shape: Banner) -> None:
        metrics = QFontMetricsF(self.p.font())
        text = banner_text(shape)
        width = min(metrics.horizontalAdvance(text) + 32, self.bounds.width() - 16)
        rect = QRectF(
            self.bounds.center().x() - width / 2,
            self.bounds.top() + 12,
            width,
            metrics.height() + 18,
        )
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.setBrush(QBrush(_BANNER_TONES[shape.tone]))
        self.p.drawRoundedRect(rect, 8, 8)
        self.p.setPen(QColor(255, 255, 255))
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 24)
        self.p.drawText(rect, Qt.AlignmentFlag.AlignCenter, shown)
