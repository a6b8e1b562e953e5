"""Where the screenshot is black because it is the console, say so: "console — hidden from the
model" on the live view (`MaskMarks`, over the screenshot canvas) and on the compact panel's
thumbnail (`paint_mask_labels`). The rectangles are the ones the capture masked (physical
pixels), mapped into the image through the capture's mapping."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from console_app.core.geometry import RectTuple

MASK_LABEL = "console — hidden from the model"


def mask_rects_in_image(
    rects: list[RectTuple], mapping: Any, size: tuple[int, int]
) -> list[QRectF]:
    """Masked physical rectangles → image pixels of a capture through ``mapping``."""
    source = mapping.source
    sx, sy = size[0] / source.width, size[1] / source.height
    out = []
    for x, y, w, h in rects:
        left, top = max(x, source.left), max(y, source.top)
        right = min(x + w, source.left + source.width)
        bottom = min(y + h, source.top + source.height)
        if right > left and bottom > top:
            out.append(
                QRectF(
                    (left - source.left) * sx,
                    (top - source.top) * sy,
                    (right - left) * sx,
                    (bottom - top) * sy,
                )
            )
    return out


def paint_mask_labels(painter: QPainter, rects: list[QRectF]) -> None:
    """A dashed outline and the words "console — hidden from the model" on each rect."""
    painter.save()
    for rect in rects:
        painter.setPen(QPen(QColor(250, 200, 60), 2, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.setPen(QColor(250, 200, 60))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, MASK_LABEL)
    painter.restore()


def labelled_capture(image: QImage, size: tuple[int, int], rects: list[QRectF]) -> QImage:
    """A decoded capture at its sent ``size``, with the masked ``rects`` (image pixels) labelled:
    what the compact panel's thumbnail shows."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    if image.width() != size[0]:
        image = image.scaled(size[0], size[1])
    if rects:
        painter = QPainter(image)
        font = painter.font()
        font.setPointSizeF(max(10.0, size[0] / 80))
        painter.setFont(font)
        paint_mask_labels(painter, rects)
        painter.end()
    return image


class MaskMarks(QWidget):
    """Drawn over the screenshot view's canvas: where the image is black because it is the
    console, it says so."""

    def __init__(self, canvas: QWidget) -> None:
        super().__init__(canvas)
        self.setObjectName("maskMarks")
        self.canvas = canvas
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.image_rects: list[QRectF] = []
        canvas.installEventFilter(self)
        self.setGeometry(canvas.rect())

    def set_rects(self, rects: list[QRectF]) -> None:
        self.image_rects = rects
        self.setGeometry(self.canvas.rect())
        self.raise_()
        self.setVisible(bool(rects))
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.canvas and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.canvas.rect())
        return False

    def paintEvent(self, event: Any) -> None:
        to_view = getattr(self.canvas, "image_to_view", None)
        if to_view is None:
            return
        view_rects = []
        for r in self.image_rects:
            a, b = to_view(r.left(), r.top()), to_view(r.right(), r.bottom())
            if a is not None and b is not None:
                view_rects.append(QRectF(a, b))
        painter = QPainter(self)
        paint_mask_labels(painter, view_rects)
        painter.end()
