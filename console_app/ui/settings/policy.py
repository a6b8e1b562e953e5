"""The approval policy editor: a default choice, a choice per action type, blocked chords.

A view only. Each action type (``core.actions.ACTION_TYPES``, in that order) is "as default"
or an explicit auto / ask / block — exactly `core.settings.Policy`'s ``per_type`` overrides, so
changing the default moves every type that has no explicit choice. Blocked chords are one key
combination per line (``ctrl+alt+delete``); the controller checks them with ``core.keys``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console_app.core.actions import ACTION_TYPES
from console_app.core.settings import Policy

CHOICES = ("auto", "ask", "block")
AS_DEFAULT = "as default"
CHOICE_HELP = "auto: run without asking · ask: wait for approval · block: never run"


class PolicyEditor(QWidget):
    """The approval policy: a default choice and a choice per action type.

    Signals:
        changed: the default or any row changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.default = QComboBox()
        self.default.setObjectName("policyDefault")
        self.default.addItems(list(CHOICES))
        self.default.setToolTip(CHOICE_HELP)
        self.table = QTableWidget(len(ACTION_TYPES), 2)
        self.table.setObjectName("policyTable")
        self.table.setHorizontalHeaderLabels(["Action type", "Choice"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.choices: dict[str, QComboBox] = {}
        for row, kind in enumerate(ACTION_TYPES):
            item = QTableWidgetItem(kind)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, item)
            combo = QComboBox()
            combo.addItems([AS_DEFAULT, *CHOICES])
            combo.setToolTip(CHOICE_HELP)
            combo.currentIndexChanged.connect(lambda _n: self.changed.emit())
            self.table.setCellWidget(row, 1, combo)
            self.choices[kind] = combo
        self.table.setMinimumHeight(220)
        self.chords = QPlainTextEdit()
        self.chords.setObjectName("blockedChords")
        self.chords.setPlaceholderText("one key combination per line, e.g. ctrl+alt+delete")
        self.chords.setMaximumHeight(90)
        self.chords_error = QLabel("")
        self.chords_error.setObjectName("error_blocked_chords")
        self.chords_error.setStyleSheet("color:#c62828;")
        self.chords_error.setWordWrap(True)
        self.chords_error.setVisible(False)

        form = QFormLayout()
        form.addRow("Default for every type", self.default)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("Blocked key combinations (never pressed, whatever the choice):"))
        layout.addWidget(self.chords)
        layout.addWidget(self.chords_error)
        self.default.currentIndexChanged.connect(lambda _n: self.changed.emit())
        self.chords.textChanged.connect(self.changed.emit)

    def set_policy(self, policy: dict[str, Any], chords: str) -> None:
        """Show a policy (``Policy`` as a dict) and its chords as text, without signalling."""
        widgets = [self.default, self.chords, *self.choices.values()]
        for widget in widgets:
            widget.blockSignals(True)
        self.default.setCurrentText(str(policy.get("default", "ask")))
        per_type = policy.get("per_type") or {}
        for kind, combo in self.choices.items():
            combo.setCurrentText(per_type.get(kind, AS_DEFAULT))
        self.chords.setPlainText(chords)
        for widget in widgets:
            widget.blockSignals(False)

    def policy_values(self) -> dict[str, Any]:
        """The policy without its chords (the controller adds the parsed chords)."""
        per_type = {
            kind: combo.currentText()
            for kind, combo in self.choices.items()
            if combo.currentText() != AS_DEFAULT
        }
        return {"default": self.default.currentText(), "per_type": per_type}

    def set_choice(self, kind: str, choice: str) -> None:
        self.choices[kind].setCurrentText(choice)

    def show_error(self, messages: list[str]) -> None:
        self.chords_error.setText("\n".join(messages))
        self.chords_error.setVisible(bool(messages))


def default_policy() -> dict[str, Any]:
    return Policy().model_dump(mode="json")
