"""The filter bar above each history table (text, status, profile, date) and what it means.

The bar is a view: it lays out the inputs and says when they changed. `FilterBar.values` reads
them into plain values; `date_range` turns the date choice into the store's half-open
``[since, until)`` range (a pure function the controller and the tests use).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

ANY = "Any"
DATE_CHOICES = ("Any time", "Last 24 hours", "Last 7 days", "Last 30 days", "Between…")


@dataclass(frozen=True)
class FilterValues:
    text: str | None
    status: str | None
    profile: str | None
    since: datetime | None
    until: datetime | None


def date_range(
    choice: str, start: date, end: date, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """The UTC ``[since, until)`` range of a date choice (``Between…``: whole days, inclusive)."""
    now = now or datetime.now(UTC)
    if choice == "Last 24 hours":
        return now - timedelta(hours=24), None
    if choice == "Last 7 days":
        return now - timedelta(days=7), None
    if choice == "Last 30 days":
        return now - timedelta(days=30), None
    if choice == "Between…":
        first, last = min(start, end), max(start, end)
        since = datetime.combine(first, time(0), UTC)
        return since, datetime.combine(last + timedelta(days=1), time(0), UTC)
    return None, None


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class FilterBar(QWidget):
    """Text (debounced by the controller), status, profile and date inputs.

    Signals:
        textEdited(str): the filter text changed (debounced by the controller).
        changed: any other input changed.
    """

    textEdited = Signal(str)
    changed = Signal()  # any input but the text

    def __init__(self, statuses: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLineEdit()
        self.text.setObjectName("historyFilterText")
        self.text.setClearButtonEnabled(True)
        self.text.setPlaceholderText("Filter: id, task, model, profile…")
        self.status = QComboBox()
        self.status.setObjectName("historyFilterStatus")
        self.status.addItem(ANY)
        self.status.addItems(list(statuses))
        self.profile = QComboBox()
        self.profile.setObjectName("historyFilterProfile")
        self.profile.addItem(ANY)
        self.dates = QComboBox()
        self.dates.setObjectName("historyFilterDates")
        self.dates.addItems(list(DATE_CHOICES))
        today = QDate.currentDate()
        self.start = QDateEdit(today.addDays(-7))
        self.end = QDateEdit(today)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setVisible(False)
        self.count = QLabel("")
        self.count.setObjectName("historyCount")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 3)
        layout.addWidget(QLabel("Status"))
        layout.addWidget(self.status)
        layout.addWidget(QLabel("Profile"))
        layout.addWidget(self.profile)
        layout.addWidget(self.dates)
        layout.addWidget(self.start)
        layout.addWidget(self.end)
        layout.addWidget(self.count, 1)

        self.text.textChanged.connect(self.textEdited)
        for combo in (self.status, self.profile, self.dates):
            combo.currentIndexChanged.connect(lambda _n: self.changed.emit())
        self.dates.currentTextChanged.connect(self._dates_picked)
        self.start.dateChanged.connect(lambda _d: self.changed.emit())
        self.end.dateChanged.connect(lambda _d: self.changed.emit())

    def _dates_picked(self, choice: str) -> None:
        between = choice == "Between…"
        self.start.setVisible(between)
        self.end.setVisible(between)

    def set_profiles(self, names: list[str]) -> None:
        current = self.profile.currentText()
        self.profile.blockSignals(True)
        self.profile.clear()
        self.profile.addItem(ANY)
        self.profile.addItems(names)
        self.profile.setCurrentText(current if current in names else ANY)
        self.profile.blockSignals(False)

    def values(self) -> FilterValues:
        status = self.status.currentText()
        profile = self.profile.currentText()
        since, until = date_range(
            self.dates.currentText(), _day(self.start.date()), _day(self.end.date())
        )
        return FilterValues(
            text=self.text.text().strip() or None,
            status=None if status == ANY else status,
            profile=None if profile == ANY else profile,
            since=since,
            until=until,
        )
