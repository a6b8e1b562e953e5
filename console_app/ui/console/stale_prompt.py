"""The stale-screen prompt: an approved action's target changed while it waited.

Shows the area around the target as the model saw it and as it is now, side by side, with three
answers: **Send the new screen to the model** (default: Enter or Esc), **Run anyway** (R),
**Stop** (S). Nothing runs until one is chosen; closing the dialog resends.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console_app.agent.screen_truth import StaleChoice, StaleScreen
from console_app.ui.widgets.image_loader import decode_here

CROP = 200
"""Viewport pixels shown around the target (the compared box is smaller, and outlined)."""
ZOOM = 1.5


def crop_around(shot: object, point: tuple[float, float], box: int) -> QPixmap:
    """The ``CROP``-sized area around ``point`` (viewport px) of a screenshot, zoomed, with
    the compared box outlined and the target marked."""
    image = decode_here(getattr(shot, "data", b""))
    if image.isNull():
        empty = QPixmap(int(CROP * ZOOM), int(CROP * ZOOM))
        empty.fill(QColor("#444"))
        return empty
    cx, cy = int(point[0]), int(point[1])
    left = max(0, min(image.width() - CROP, cx - CROP // 2))
    top = max(0, min(image.height() - CROP, cy - CROP // 2))
    part = image.copy(QRect(left, top, CROP, CROP)).scaled(
        int(CROP * ZOOM),
        int(CROP * ZOOM),
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    pixmap = QPixmap.fromImage(part)
    painter = QPainter(pixmap)
    painter.setPen(QPen(QColor("#e53935"), 2))
    tx, ty = int((cx - left) * ZOOM), int((cy - top) * ZOOM)
    half = int(box * ZOOM / 2)
    painter.drawRect(QRect(tx - half, ty - half, 2 * half, 2 * half))
    painter.drawLine(QPoint(tx - 6, ty), QPoint(tx + 6, ty))
    painter.drawLine(QPoint(tx, ty - 6), QPoint(tx, ty + 6))
    painter.end()
    return pixmap


class StalePrompt(QDialog):
    """Asks what to do with an approved action whose target changed (see the module doc).

    Call `ask` (awaitable); the answer is one of ``"run"``, ``"resend"``, ``"stop"``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stalePrompt")
        self.setWindowTitle("The screen changed — Operator Console")
        self._future: asyncio.Future[StaleChoice] | None = None
        self._build()
        self._connect()

    def _build(self) -> None:
        self.heading = QLabel()
        self.heading.setObjectName("staleHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setStyleSheet("font-size:12pt; font-weight:600;")
        self.before = QLabel()
        self.before.setObjectName("staleBefore")
        self.after = QLabel()
        self.after.setObjectName("staleAfter")
        crops = QGridLayout()
        crops.addWidget(QLabel("What the model saw"), 0, 0)
        crops.addWidget(QLabel("The screen now"), 0, 1)
        crops.addWidget(self.before, 1, 0)
        crops.addWidget(self.after, 1, 1)
        self.resend = QPushButton("Send the new screen to the model (Enter)")
        self.resend.setObjectName("staleResend")
        self.resend.setDefault(True)
        self.run_anyway = QPushButton("Run anyway (R)")
        self.run_anyway.setObjectName("staleRun")
        self.stop = QPushButton("Stop (S)")
        self.stop.setObjectName("staleStop")
        buttons = QHBoxLayout()
        buttons.addWidget(self.resend)
        buttons.addWidget(self.run_anyway)
        buttons.addWidget(self.stop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(crops)
        layout.addLayout(buttons)

    def _connect(self) -> None:
        self.resend.clicked.connect(lambda: self._answer("resend"))
        self.run_anyway.clicked.connect(lambda: self._answer("run"))
        self.stop.clicked.connect(lambda: self._answer("stop"))
        for key, choice in (("R", "run"), ("S", "stop")):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setAutoRepeat(False)
            shortcut.activated.connect(lambda c=choice: self._answer(c))

    def show_stale(self, stale: StaleScreen) -> None:
        self.heading.setText(
            f"Not run yet: {stale.describe()}. The action ({stale.action.type}) was planned "
            "on the screen on the left."
        )
        point = stale.points[0]
        self.before.setPixmap(crop_around(stale.before, point, stale.box))
        self.after.setPixmap(crop_around(stale.after, point, stale.box))

    async def ask(self, stale: StaleScreen) -> StaleChoice:
        if self._future is not None and not self._future.done():
            self._future.cancel()
        self._future = asyncio.get_running_loop().create_future()
        self.show_stale(stale)
        self.show()
        self.raise_()
        self.activateWindow()
        try:
            return await self._future
        finally:
            self._future = None
            self.hide()

    def _answer(self, choice: StaleChoice) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(choice)

    def reject(self) -> None:  # Esc or the close button: the safe answer
        self._answer("resend")
        super().reject()
