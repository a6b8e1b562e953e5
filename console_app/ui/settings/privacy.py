"""Privacy in Settings: a profile's window rules, and the history's retention and secret patterns.

Views plus the little logic that turns typed text into rules (``core.privacy.parse_rule``). A
window can be added three ways: typing a regular expression (``class:…`` / ``title:…`` / either),
clicking "Pick a window…" and then the window itself (``capture.windows.pick_window``, in a
worker thread so the dialog keeps painting), or accepting the suggested password managers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console_app.core.privacy import (
    SUGGESTED_MASK_RULES,
    WindowInfo,
    WindowRule,
    parse_rule,
    window_for_rule,
)

log = logging.getLogger(__name__)

Picker = Callable[[], WindowInfo | None]


def _default_picker() -> WindowInfo | None:
    from console_app.capture.windows import pick_window

    return pick_window()


class WindowRulesEditor(QWidget):
    """A list of window rules with Add (typed), Pick a window…, Remove (and, for masks, the
    suggested password managers)."""

    changed = Signal()

    def __init__(
        self,
        name: str,
        placeholder: str,
        *,
        suggestions: tuple[WindowRule, ...] = (),
        picker: Picker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.rules: list[WindowRule] = []
        self.picker: Picker = picker or _default_picker
        self.pick_task: asyncio.Future[WindowInfo | None] | None = None
        self.list = QListWidget()
        self.list.setObjectName(f"{name}List")
        self.list.setMaximumHeight(90)
        self.entry = QLineEdit()
        self.entry.setObjectName(f"{name}Entry")
        self.entry.setPlaceholderText(placeholder)
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName(f"{name}Add")
        self.pick_button = QPushButton("Pick a window…")
        self.pick_button.setObjectName(f"{name}Pick")
        self.pick_button.setToolTip("Then click the window (Esc or right click cancels)")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName(f"{name}Remove")
        self.suggest_button = QPushButton("Add password managers")
        self.suggest_button.setObjectName(f"{name}Suggest")
        self.suggest_button.setToolTip(", ".join(r.describe() for r in suggestions))
        self.suggest_button.setVisible(bool(suggestions))
        self.suggestions = suggestions
        self.message = QLabel("")
        self.message.setObjectName(f"{name}Message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)

        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        for button in (self.add_button, self.pick_button, self.remove_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(row)
        layout.addWidget(self.suggest_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)

        self.add_button.clicked.connect(self.add_typed)
        self.entry.returnPressed.connect(self.add_typed)
        self.remove_button.clicked.connect(self.remove_selected)
        self.suggest_button.clicked.connect(self.add_suggested)
        self.pick_button.clicked.connect(self.pick)

    # ------------------------------------------------------------------ values

    def set_rules(self, rules: list[Any]) -> None:
        self.rules = [r if isinstance(r, WindowRule) else WindowRule.model_validate(r)
                      for r in rules]  # fmt: skip
        self._render()

    def values(self) -> list[dict[str, Any]]:
        return [r.model_dump(exclude_defaults=True) for r in self.rules]

    def _render(self) -> None:
        self.list.clear()
        self.list.addItems([r.describe() for r in self.rules])

    def _add(self, rule: WindowRule) -> bool:
        if rule in self.rules:
            self.message.setText(f"Already in the list: {rule.describe()}")
            return False
        self.rules.append(rule)
        self._render()
        self.changed.emit()
        return True

    # ------------------------------------------------------------------ actions

    def add_typed(self) -> None:
        text = self.entry.text().strip()
        if not text:
            return
        try:
            rule = parse_rule(text)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
            self.message.setText(f"Not added: {reason}")
            return
        if self._add(rule):
            self.entry.clear()
            self.message.setText("")

    def add_suggested(self) -> None:
        added = [r.describe() for r in self.suggestions if r not in self.rules and self._add(r)]
        self.message.setText(f"Added: {', '.join(added)}" if added else "Already in the list.")

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.rules):
            del self.rules[row]
            self._render()
            self.changed.emit()

    def pick(self) -> None:
        """Wait (in a worker thread) for a click on a window; add a rule for it."""
        if self.pick_task is not None and not self.pick_task.done():
            return
        self.message.setText("Click the window to add (Esc or right click cancels)…")
        self.pick_button.setEnabled(False)
        self.pick_task = asyncio.ensure_future(asyncio.to_thread(self.picker))
        self.pick_task.add_done_callback(self._picked)

    def _picked(self, task: asyncio.Future[WindowInfo | None]) -> None:
        self.pick_button.setEnabled(True)
        try:
            window = task.result()
        except Exception as exc:  # the picker failed: say so, never crash the dialog
            log.warning("picking a window failed: %s", exc)
            window = None
        if window is None:
            self.message.setText("No window picked.")
            return
        rule = window_for_rule(window)
        if self._add(rule):
            self.message.setText(f"Added {window.describe()}")


class PrivacyBox(QGroupBox):
    """A profile's window rules: masked windows and "only this app"."""

    changed = Signal()

    def __init__(self, picker: Picker | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Privacy: windows", parent)
        self.masked = WindowRulesEditor(
            "maskWindows",
            "class:KeePassXC · title:Bank · or a pattern for either",
            suggestions=SUGGESTED_MASK_RULES,
            picker=picker,
        )
        self.only = WindowRulesEditor(
            "onlyWindows", "the app the agent may work in, e.g. class:gedit", picker=picker
        )
        help_text = QLabel(
            "Masked windows are painted black in every screenshot sent to any backend and are "
            "never a target. With “only this app”, everything except these windows is masked "
            "and actions outside them are refused."
        )
        help_text.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(help_text)
        form.addRow("Always masked", self.masked)
        form.addRow("Only this app", self.only)
        self.masked.changed.connect(self.changed.emit)
        self.only.changed.connect(self.changed.emit)

    def set_values(self, values: dict[str, Any]) -> None:
        self.masked.set_rules(list(values.get("mask_windows") or []))
        self.only.set_rules(list(values.get("only_windows") or []))

    def values(self) -> dict[str, Any]:
        return {"mask_windows": self.masked.values(), "only_windows": self.only.values()}


class HistoryPrivacyBox(QGroupBox):
    """Settings for every profile: how long the history keeps runs, and secret patterns."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("History and exports (all profiles)", parent)
        self.keep_days = QDoubleSpinBox()
        self.keep_days.setObjectName("keepDays")
        self.keep_days.setRange(0, 36_500)
        self.keep_days.setDecimals(0)
        self.keep_days.setSpecialValueText("forever")
        self.keep_days.setSuffix(" days")
        self.max_mb = QDoubleSpinBox()
        self.max_mb.setObjectName("maxHistoryMb")
        self.max_mb.setRange(0, 10_000_000)
        self.max_mb.setDecimals(0)
        self.max_mb.setSpecialValueText("no limit")
        self.max_mb.setSuffix(" MB")
        self.patterns = QPlainTextEdit()
        self.patterns.setObjectName("secretPatterns")
        self.patterns.setPlaceholderText(
            "one regular expression per line, e.g. \\bEMP-\\d{6}\\b (API-key shapes and card "
            "numbers are built in)"
        )
        self.patterns.setMaximumHeight(70)
        self.error = QLabel("")
        self.error.setObjectName("secretPatternsError")
        self.error.setStyleSheet("color:#c62828;")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout(self)
        form.addRow("Keep runs", self.keep_days)
        form.addRow("History at most", self.max_mb)
        form.addRow("Secret patterns", self.patterns)
        form.addRow("", self.error)
        self.keep_days.valueChanged.connect(lambda _v: self.changed.emit())
        self.max_mb.valueChanged.connect(lambda _v: self.changed.emit())
        self.patterns.textChanged.connect(self.changed.emit)

    def set_values(self, privacy: dict[str, Any]) -> None:
        for widget in (self.keep_days, self.max_mb, self.patterns):
            widget.blockSignals(True)
        self.keep_days.setValue(float(privacy.get("keep_days") or 0))
        self.max_mb.setValue(float(privacy.get("max_history_mb") or 0))
        self.patterns.setPlainText("\n".join(privacy.get("secret_patterns") or []))
        for widget in (self.keep_days, self.max_mb, self.patterns):
            widget.blockSignals(False)
        self._extra = {k: v for k, v in privacy.items()
                       if k not in ("keep_days", "max_history_mb", "secret_patterns")}  # fmt: skip

    def values(self) -> dict[str, Any]:
        lines = [line.strip() for line in self.patterns.toPlainText().splitlines()]
        return {
            **getattr(self, "_extra", {}),
            "keep_days": self.keep_days.value() or None,
            "max_history_mb": self.max_mb.value() or None,
            "secret_patterns": [line for line in lines if line],
        }
