"""The message bar: one plain sentence, the detail one click away, Retry / Stop when a run waits.

A view only (``problems_controller.py`` decides what it shows). It sits above the screenshot and
is hidden while there is nothing to say.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

_LEVEL_STYLES = {
    "error": ("#fbe3e3", "#8a1c1c", "✖"),
    "warning": ("#fdf3d8", "#6b4b00", "⚠"),
    "info": ("#e4eefb", "#1d3f73", "ℹ"),
}


def _tool_button(text: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    return button


class MessageBar(QFrame):
    """One sentence, its detail behind a toggle, Retry / Stop while a run waits on it.

    A view only; `ProblemController` decides what it shows.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.icon = QLabel()
        self.icon.setObjectName("messageIcon")
        self.text = QLabel()
        self.text.setObjectName("messageText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.count = QLabel()
        self.count.setObjectName("messageCount")
        self.details_button = _tool_button("Details")
        self.details_button.setObjectName("messageDetailsButton")
        self.details_button.setCheckable(True)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("problemRetry")
        self.stop_button = QPushButton("Stop the run")
        self.stop_button.setObjectName("problemStop")
        self.dismiss_button = _tool_button("✕")
        self.dismiss_button.setObjectName("messageDismiss")
        self.dismiss_button.setToolTip("Dismiss")
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("messageDetail")
        self.detail.setReadOnly(True)
        self.detail.setVisible(False)

        row = QHBoxLayout()
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.icon)
        row.addWidget(self.text, 1)
        row.addWidget(self.count)
        row.addWidget(self.details_button)
        row.addWidget(self.retry_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.detail)
        self.details_button.toggled.connect(self.detail.setVisible)
        self.setVisible(False)

    def show_message(
        self,
        level: str,
        text: str,
        detail: str = "",
        *,
        waiting: bool = False,
        can_retry: bool = True,
        more: int = 0,
    ) -> None:
        background, foreground, icon = _LEVEL_STYLES.get(level, _LEVEL_STYLES["info"])
        self.setStyleSheet(
            f"#messageBar {{ background:{background}; border:1px solid {foreground}; }}"
            f" #messageBar QLabel {{ color:{foreground}; }}"
        )
        self.setProperty("level", level)
        self.icon.setText(icon)
        self.text.setText(text)
        self.count.setText(f"+{more} more" if more else "")
        self.detail.setPlainText(detail)
        lines = max(1, min(detail.count("\n") + 1, 6))
        margins = 2 * (self.detail.frameWidth() + self.detail.document().documentMargin())
        self.detail.setFixedHeight(
            round(self.detail.fontMetrics().lineSpacing() * lines + margins + 14)
        )
        self.details_button.setVisible(bool(detail))
        if not detail:
            self.details_button.setChecked(False)
        self.retry_button.setVisible(waiting and can_retry)
        self.stop_button.setVisible(waiting)
        self.stop_button.setText("Stop the run" if can_retry else "OK, stop the run")
        self.dismiss_button.setVisible(not waiting)
        self.setVisible(True)

    def clear(self) -> None:
        self.details_button.setChecked(False)
        self.setVisible(False)
