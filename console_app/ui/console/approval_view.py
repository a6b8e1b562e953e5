"""The approval bar: what the model wants to do, and the buttons to decide in one keystroke.

A view only; ``approval_controller.py`` enables, fills and reads it. Keys (also in the
tooltips): Enter approve, Esc reject (with whatever is in the feedback line), E edit, S skip.
In edit mode Enter runs the edited action and Esc leaves edit mode.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


class ApprovalBar(QFrame):
    """The approval bar: the proposed action, safety checks, feedback line and the buttons.

    A view only; `ApprovalController` enables, fills and reads it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approvalBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._init_title()
        self._init_checks()
        self._init_edit_box()
        self._init_feedback()
        self._init_buttons()
        self._init_batch()
        self._init_layout()

    def _init_title(self) -> None:
        """The action's one-line title and a note (why it needs a human, what is wrong)."""
        self.title = QLabel("No action is waiting for approval.")
        self.title.setObjectName("approvalTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-size:12pt; font-weight:600;")
        self.note = QLabel()
        self.note.setObjectName("approvalNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setStyleSheet("color:#8a4b00;")
        self.note.setVisible(False)

    def _init_checks(self) -> None:
        """The safety checks, one box each (filled by set_checks)."""
        self.checks_box = QFrame()
        self.checks_box.setObjectName("safetyChecks")
        self.checks_box.setStyleSheet(
            "#safetyChecks { background:#fff4e0; border:1px solid #e0a040; border-radius:4px; }"
        )
        self.checks_layout = QVBoxLayout(self.checks_box)
        self.checks_layout.setContentsMargins(8, 4, 8, 4)
        self.checks_title = QLabel("Safety checks — tick each one before approving:")
        self.checks_title.setStyleSheet("font-weight:600; color:#7a4100;")
        self.checks_layout.addWidget(self.checks_title)
        self.checks_box.setVisible(False)
        self.check_boxes: list[QCheckBox] = []

    def _init_edit_box(self) -> None:
        """Edit mode: a hint, the text and keys fields and their error line."""
        self.edit_box = QFrame()
        self.edit_box.setObjectName("editBox")
        self.edit_box.setStyleSheet(
            "#editBox { background:#e9f7ec; border:1px solid #58b870; border-radius:4px; }"
        )
        grid = QGridLayout(self.edit_box)
        grid.setContentsMargins(8, 4, 8, 4)
        self.edit_hint = QLabel()
        self.edit_hint.setObjectName("editHint")
        self.edit_hint.setWordWrap(True)
        self.text_label = QLabel("Text:")
        self.text_edit = QLineEdit()
        self.text_edit.setObjectName("editText")
        self.keys_label = QLabel("Keys:")
        self.keys_edit = QLineEdit()
        self.keys_edit.setObjectName("editKeys")
        self.keys_edit.setPlaceholderText("e.g. ctrl+shift+t")
        self.edit_error = QLabel()
        self.edit_error.setObjectName("editError")
        self.edit_error.setWordWrap(True)
        self.edit_error.setStyleSheet("color:#b00020; font-weight:600;")
        grid.addWidget(self.edit_hint, 0, 0, 1, 2)
        grid.addWidget(self.text_label, 1, 0)
        grid.addWidget(self.text_edit, 1, 1)
        grid.addWidget(self.keys_label, 2, 0)
        grid.addWidget(self.keys_edit, 2, 1)
        grid.addWidget(self.edit_error, 3, 0, 1, 2)
        self.edit_box.setVisible(False)

    def _init_feedback(self) -> None:
        self.feedback = QLineEdit()
        self.feedback.setObjectName("feedbackLine")
        self.feedback.setPlaceholderText(
            "Optional feedback for the model, sent with Reject (Esc or Enter here rejects)"
        )
        self.feedback.setClearButtonEnabled(True)
        self.auto_approve = QCheckBox("Auto-approve this action type for this run")
        self.auto_approve.setObjectName("autoApprove")

    def _init_buttons(self) -> None:
        self.approve_button = QPushButton("Approve  ⏎")
        self.approve_button.setObjectName("approveButton")
        self.approve_button.setToolTip("Run the action as shown (Enter)")
        self.approve_button.setStyleSheet(
            "QPushButton:enabled { background:#1f8f3a; color:white; font-weight:600; }"
        )
        self.reject_button = QPushButton("Reject  Esc")
        self.reject_button.setObjectName("rejectButton")
        self.reject_button.setToolTip(
            "Do not run it; the feedback line (if any) is sent to the model (Esc)"
        )
        self.edit_button = QPushButton("Edit  E")
        self.edit_button.setObjectName("editButton")
        self.edit_button.setCheckable(True)
        self.edit_button.setToolTip(
            "Change the action: click on the screenshot to move the target (a drag takes two "
            "clicks: start, then end), or change the text / keys below. Enter runs the edited "
            "action, Esc leaves edit mode (E)"
        )
        self.skip_button = QPushButton("Skip  S")
        self.skip_button.setObjectName("skipButton")
        self.skip_button.setToolTip("Do not run it and tell the model it was skipped (S)")
        for button in (self.approve_button, self.reject_button, self.edit_button, self.skip_button):
            button.setMinimumHeight(34)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setAutoDefault(False)

    def _init_batch(self) -> None:
        # A batched call (several actions in one computer_call): approve ahead.
        self.batch_box = QFrame()
        self.batch_box.setObjectName("batchBox")
        batch_row = QHBoxLayout(self.batch_box)
        batch_row.setContentsMargins(0, 0, 0, 0)
        self.batch_label = QLabel("Approve runs")
        self.batch_count = QSpinBox()
        self.batch_count.setObjectName("batchCount")
        self.batch_count.setMinimum(1)
        self.batch_count.setSuffix(" action(s) from here")
        self.batch_count.setToolTip(
            "Approve this action and the next ones of the batch (the first N); the policy and "
            "safety checks still apply to each"
        )
        self.approve_all_button = QPushButton("Approve all")
        self.approve_all_button.setObjectName("approveAllButton")
        self.approve_all_button.setToolTip("Approve every remaining action of the batch, in order")
        self.approve_all_button.setAutoDefault(False)
        self.approve_all_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        batch_row.addWidget(self.batch_label)
        batch_row.addWidget(self.batch_count)
        batch_row.addWidget(self.approve_all_button)
        batch_row.addStretch(1)
        self.batch_box.setVisible(False)

    def _init_layout(self) -> None:
        feedback_row = QHBoxLayout()
        feedback_row.addWidget(self.feedback, 1)
        feedback_row.addWidget(self.auto_approve)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button, 2)
        buttons.addWidget(self.reject_button, 1)
        buttons.addWidget(self.edit_button, 1)
        buttons.addWidget(self.skip_button, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(self.checks_box)
        layout.addWidget(self.edit_box)
        layout.addWidget(self.batch_box)
        layout.addLayout(feedback_row)
        layout.addLayout(buttons)

    def set_checks(self, checks: list[tuple[str, str]]) -> list[QCheckBox]:
        """Replace the safety-check list with one box per (id, text)."""
        for box in self.check_boxes:
            self.checks_layout.removeWidget(box)
            box.deleteLater()
        self.check_boxes = []
        for check_id, text in checks:
            box = QCheckBox(text)
            box.setObjectName(f"safetyCheck_{check_id}")
            box.setProperty("check_id", check_id)
            self.checks_layout.addWidget(box)
            self.check_boxes.append(box)
        self.checks_box.setVisible(bool(checks))
        return self.check_boxes

    def set_edit_fields(
        self, hint: str, text: str | None, keys: str | None, text_name: str
    ) -> None:
        self.edit_hint.setText(hint)
        self.text_label.setText(f"{text_name}:")
        for label, field, value in (
            (self.text_label, self.text_edit, text),
            (self.keys_label, self.keys_edit, keys),
        ):
            label.setVisible(value is not None)
            field.setVisible(value is not None)
            if value is not None:
                field.setText(value)
        self.edit_error.clear()
