"""The large screenshot with the proposed action drawn on it; fit-to-window or zoomed.

The view shows an already decoded `QImage` (decoding happens off the GUI thread, see
``image_loader.py``); the scaled pixmap is cached per size so repaints (label hover, overlay
changes) never rescale the capture. In edit mode a click on the image is reported in *image*
pixels through `ScreenshotCanvas.clicked`; the controller turns that into model coordinates.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console_app.core.overlay import Overlay
from console_app.ui.widgets.overlay_painter import OverlayPainter, Style, ViewTransform

ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)


class ScreenshotCanvas(QWidget):
    """Draws the screenshot scaled to fit (or zoomed) with the overlays on top.

    Signals:
        clicked(float, float): image pixels of a click, only while editing.
    """

    clicked = Signal(float, float)  # image pixels, only while editing

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screenshotCanvas")
        self.setMouseTracking(False)
        self._image: QImage | None = None
        self._pixmap: QPixmap | None = None
        self._scaled: QPixmap | None = None
        self._overlays: list[tuple[Overlay, Style]] = []
        self._zoom: float | None = None  # None: fit to the window
        self._placeholder = "No screenshot yet: type a task and press Start."
        self._editing = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 120)

    # ------------------------------------------------------------------ state

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self._pixmap = None if image is None or image.isNull() else QPixmap.fromImage(image)
        self._scaled = None
        self._apply_size()
        self.update()

    def image_size(self) -> QSize | None:
        return None if self._image is None else self._image.size()

    def set_overlays(self, overlays: list[tuple[Overlay, Style]]) -> None:
        self._overlays = list(overlays)
        self.update()

    def overlays(self) -> list[tuple[Overlay, Style]]:
        return list(self._overlays)

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def set_editing(self, editing: bool) -> None:
        self._editing = editing
        cursor = Qt.CursorShape.CrossCursor if editing else Qt.CursorShape.ArrowCursor
        self.setCursor(cursor)
        self.update()

    @property
    def editing(self) -> bool:
        return self._editing

    def set_zoom(self, zoom: float | None) -> None:
        self._zoom = zoom
        self._scaled = None
        self._apply_size()
        self.update()

    @property
    def zoom(self) -> float | None:
        return self._zoom

    def _apply_size(self) -> None:
        if self._zoom is None or self._image is None:
            self.setMinimumSize(200, 120)
            self.setMaximumSize(16777215, 16777215)
        else:
            size = QSize(
                round(self._image.width() * self._zoom), round(self._image.height() * self._zoom)
            )
            self.setFixedSize(size)

    # ------------------------------------------------------------------ geometry

    def transform(self) -> ViewTransform | None:
        """Image → widget mapping for the current size and zoom (``None`` without an image)."""
        if self._image is None or self._image.isNull():
            return None
        iw, ih = self._image.width(), self._image.height()
        if self._zoom is not None:
            return ViewTransform(self._zoom, 0.0, 0.0)
        scale = min(self.width() / iw, self.height() / ih)
        return ViewTransform(
            scale, (self.width() - iw * scale) / 2, (self.height() - ih * scale) / 2
        )

    def image_rect(self) -> QRectF:
        t = self.transform()
        if t is None or self._image is None:
            return QRectF()
        return QRectF(t.dx, t.dy, self._image.width() * t.scale, self._image.height() * t.scale)

    def view_to_image(self, vx: float, vy: float) -> tuple[float, float] | None:
        t = self.transform()
        if t is None or self._image is None:
            return None
        ix, iy = t.unmap(vx, vy)
        if not (0 <= ix < self._image.width() and 0 <= iy < self._image.height()):
            return None
        return ix, iy

    def image_to_view(self, ix: float, iy: float) -> QPointF | None:
        t = self.transform()
        return None if t is None else t.map(ix, iy)

    # ------------------------------------------------------------------ events

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._editing and event.button() == Qt.MouseButton.LeftButton:
            point = self.view_to_image(event.position().x(), event.position().y())
            if point is not None:
                self.clicked.emit(point[0], point[1])
                event.accept()
                return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(38, 40, 44))
        t = self.transform()
        if t is None or self._pixmap is None:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            painter.end()
            return
        target = self.image_rect()
        size = target.size().toSize()
        if self._scaled is None or self._scaled.size() != size:
            self._scaled = self._pixmap.scaled(
                size,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        painter.drawPixmap(target.topLeft(), self._scaled)
        if self._editing:
            painter.setPen(QColor(40, 220, 90))
            painter.drawRect(target.adjusted(1, 1, -2, -2))
        bounds = QRectF(self.visibleRegion().boundingRect()).intersected(target)
        overlay_painter = OverlayPainter(painter, t, bounds if not bounds.isEmpty() else target)
        for overlay, style in self._overlays:
            overlay_painter.paint(overlay, style)
        painter.end()


def _tool_button(text: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    return button


class ScreenshotView(QWidget):
    """The canvas in a scroll area, with a small zoom bar and a caption (live / step N)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = ScreenshotCanvas()
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("screenshotScroll")
        self.scroll_area.setWidget(self.canvas)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)

        self.caption = QLabel("Live")
        self.caption.setObjectName("screenshotCaption")
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.live_button = _tool_button("Back to live")
        self.live_button.setObjectName("backToLive")
        self.live_button.setVisible(False)
        # Privacy: the window rules' status (confinement, masked windows), and a switch to the
        # bare image exactly as it was sent (masked and scaled, no overlay drawn on it).
        self.privacy_label = QLabel("")
        self.privacy_label.setObjectName("privacyStatus")
        self.privacy_label.setTextFormat(Qt.TextFormat.PlainText)
        self.privacy_label.setStyleSheet("color: #b45309; font-weight: 600;")
        self.privacy_label.setVisible(False)
        self.model_view_button = _tool_button("What the model sees")
        self.model_view_button.setObjectName("modelView")
        self.model_view_button.setCheckable(True)
        self.model_view_button.setToolTip(
            "Show the image exactly as it was sent to the model — after masking and scaling — "
            "without anything drawn on it"
        )
        self.model_view_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.fit_button = _tool_button("Fit")
        self.fit_button.setCheckable(True)
        self.fit_button.setChecked(True)
        self.zoom_out_button = _tool_button("−")
        self.zoom_in_button = _tool_button("+")
        self.actual_button = _tool_button("100%")
        self.zoom_label = QLabel("")
        for button, tip in (
            (self.fit_button, "Fit the screenshot to the window"),
            (self.zoom_out_button, "Zoom out (Ctrl+-)"),
            (self.zoom_in_button, "Zoom in (Ctrl++)"),
            (self.actual_button, "Actual size: one image pixel per screen pixel"),
        ):
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.caption, 1)
        bar.addWidget(self.privacy_label)
        bar.addWidget(self.live_button)
        bar.addWidget(self.model_view_button)
        for widget in (
            self.fit_button,
            self.zoom_out_button,
            self.zoom_in_button,
            self.actual_button,
            self.zoom_label,
        ):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.scroll_area, 1)

        self.fit_button.clicked.connect(lambda: self.set_zoom(None))
        self.actual_button.clicked.connect(lambda: self.set_zoom(1.0))
        self.zoom_in_button.clicked.connect(lambda: self.step_zoom(+1))
        self.zoom_out_button.clicked.connect(lambda: self.step_zoom(-1))

    def set_zoom(self, zoom: float | None) -> None:
        self.scroll_area.setWidgetResizable(zoom is None)
        self.canvas.set_zoom(zoom)
        self.fit_button.setChecked(zoom is None)
        self.zoom_label.setText("" if zoom is None else f"{zoom:.0%}")

    def step_zoom(self, direction: int) -> None:
        current = self.canvas.zoom
        if current is None:
            t = self.canvas.transform()
            current = t.scale if t is not None else 1.0
        if direction > 0:
            bigger = [z for z in ZOOM_STEPS if z > current + 1e-6]
            self.set_zoom(bigger[0] if bigger else ZOOM_STEPS[-1])
        else:
            smaller = [z for z in ZOOM_STEPS if z < current - 1e-6]
            self.set_zoom(smaller[-1] if smaller else ZOOM_STEPS[0])
