"""The model's reasoning and message as they stream in, and the run's final result, plainly.

A view only: the console controller feeds it text. Appending goes through the document's
cursor (not ``setPlainText``), so a long streamed answer costs one small insert per delta.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

_RESULT_STYLES = {
    "succeeded": "background:#e3f4e6; color:#12451e; border:1px solid #7cc48a;",
    "failed": "background:#fdf0dc; color:#5a3a00; border:1px solid #e0b060;",
    "stopped": "background:#ececec; color:#333; border:1px solid #b0b0b0;",
    "error": "background:#fbe3e3; color:#6b1111; border:1px solid #e08a8a;",
    "interrupted": "background:#ececec; color:#333; border:1px solid #b0b0b0;",
}


class LivePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = QLabel()
        self.result.setObjectName("finalResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setVisible(False)
        self.result.setContentsMargins(8, 6, 8, 6)

        self.reasoning_title = QLabel("Reasoning")
        self.reasoning = QPlainTextEdit()
        self.reasoning.setObjectName("reasoningText")
        self.reasoning.setReadOnly(True)
        self.reasoning.setPlaceholderText("The model's reasoning appears here as it streams.")
        self.message_title = QLabel("Message")
        self.message = QPlainTextEdit()
        self.message.setObjectName("messageText")
        self.message.setReadOnly(True)
        self.message.setPlaceholderText("What the model says to you appears here.")
        for title in (self.reasoning_title, self.message_title):
            title.setStyleSheet("font-weight:600; color:#555;")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.result)
        layout.addWidget(self.reasoning_title)
        layout.addWidget(self.reasoning, 3)
        layout.addWidget(self.message_title)
        layout.addWidget(self.message, 2)
        self.result.setFrameShape(QFrame.Shape.StyledPanel)

    def clear(self) -> None:
        self.reasoning.clear()
        self.message.clear()
        self.result.clear()
        self.result.setVisible(False)

    def append(self, kind: str, text: str) -> None:
        box = self.reasoning if kind == "reasoning" else self.message
        cursor = box.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        box.setTextCursor(cursor)
        box.ensureCursorVisible()

    def replace(self, kind: str, text: str) -> None:
        """A whole answer arrived (non-streaming): show it, unless streaming already did."""
        box = self.reasoning if kind == "reasoning" else self.message
        if text and box.toPlainText().strip() != text.strip():
            box.setPlainText(text)

    def show_result(self, status: str, headline: str, answer: str | None) -> None:
        text = headline if not answer else f"{headline}\n\n{answer}"
        self.result.setText(text)
        self.result.setStyleSheet(
            _RESULT_STYLES.get(status, _RESULT_STYLES["stopped"])
            + " border-radius:4px; font-size:11pt; padding:4px;"
        )
        self.result.setVisible(True)
