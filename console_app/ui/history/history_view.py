"""The history window: runs and responses, each a filtered, sorted, virtualised table.

A view only: it lays out the widgets; ``history_controller.py`` fills and drives them.

Layout::

    [Runs | Responses]
    Runs:      [filter bar                                        ] [Replay…] [Export…]
               [table of runs                                                         ]
    Responses: [filter bar                                        ] [Open by ID…]
               [table of responses                 | details: facts, output items,   ]
               [                                   | Refresh Cancel Delete (Remove…) ]
    [status line                                                                       ]
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from console_app.ui.history.columns import RESPONSE_STATUSES, RUN_STATUSES
from console_app.ui.history.filters import FilterBar

FACT_KEYS = ("ID", "Status", "Created", "Model", "Profile", "Backend", "Run", "Last seen",
             "Error", "Text")  # fmt: skip


def make_table(name: str) -> QTableView:
    """A table for thousands of rows: fixed row height (no per-row size queries), whole-row
    selection, headers that sort."""
    table = QTableView()
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    vertical = table.verticalHeader()
    vertical.setVisible(False)
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(22)
    horizontal = table.horizontalHeader()
    horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    horizontal.setStretchLastSection(True)
    horizontal.setDefaultSectionSize(150)
    horizontal.setSortIndicatorShown(True)
    return table


class ResponseDetails(QWidget):
    """The selected response: its facts, its output items and what can be done with it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("responseDetails")
        self.title = QLabel("Select a response")
        self.title.setStyleSheet("font-weight:600;")
        self.form = QFormLayout()
        self.facts: dict[str, QLabel] = {}
        for key in FACT_KEYS:
            label = QLabel("")
            label.setObjectName(f"fact{key.replace(' ', '')}")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.facts[key] = label
            self.form.addRow(f"{key}:", label)
        self.items = QTreeWidget()
        self.items.setObjectName("responseItems")
        self.items.setHeaderLabels(["Output item", "Summary"])
        self.items.setRootIsDecorated(False)
        self.items.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.items_note = QLabel("Output items appear after Refresh (the ledger keeps none).")
        self.items_note.setWordWrap(True)

        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("refreshResponse")
        self.refresh_button.setToolTip("Retrieve this response from its backend")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelResponse")
        self.cancel_button.setToolTip("Cancel the response (only while it is in progress)")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteResponse")
        self.delete_button.setToolTip("Delete on the backend, then from the local history")
        self.remove_local_button = QPushButton("Remove from local history")
        self.remove_local_button.setObjectName("removeLocal")
        self.remove_local_button.setToolTip("Remove the entry here; the backend is not contacted")
        self.remove_local_button.setVisible(False)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setMaximumWidth(80)
        self.busy.setVisible(False)
        self.outcome = QLabel("")
        self.outcome.setObjectName("responseOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        for widget in (self.refresh_button, self.cancel_button, self.delete_button):
            buttons.addWidget(widget)
        buttons.addWidget(self.busy)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.form)
        layout.addWidget(self.items_note)
        layout.addWidget(self.items, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.outcome)
        layout.addWidget(self.remove_local_button)

    def show_facts(self, facts: list[tuple[str, str]]) -> None:
        values = dict(facts)
        for key, label in self.facts.items():
            value = values.get(key, "")
            label.setText(value)
            self.form.setRowVisible(label, bool(value))

    def show_items(self, items: list[tuple[str, str]] | None) -> None:
        from PySide6.QtWidgets import QTreeWidgetItem

        self.items.clear()
        for kind, summary in items or []:
            item = QTreeWidgetItem([kind, summary])
            item.setToolTip(1, summary)
            self.items.addTopLevelItem(item)
        if items is None:
            self.items_note.setText("Output items appear after Refresh (the ledger keeps none).")
        else:
            self.items_note.setText(f"{len(items)} output item(s):")


class HistoryWindow(QWidget):
    """The history window: the runs and responses tabs, their filters, tables and details.

    A view only; `HistoryController` fills and drives it.

    Signals:
        closed: the window was closed.
    """

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("historyWindow")
        self.setWindowTitle("History — Operator Console")
        self.resize(1400, 800)
        self.tabs = QTabWidget()

        # runs ----------------------------------------------------------------------
        self.run_filters = FilterBar(RUN_STATUSES)
        self.run_filters.text.setPlaceholderText("Filter runs: task, result or run id…")
        self.replay_button = QPushButton("Replay…")
        self.replay_button.setObjectName("replayRun")
        self.replay_button.setToolTip("Step through the run: screenshots, actions, decisions")
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("exportRun")
        self.export_button.setToolTip("Write the run as an HTML report and a JSON file")
        self.no_screenshots = QCheckBox("without screenshots")
        self.no_screenshots.setObjectName("exportNoScreenshots")
        self.no_screenshots.setToolTip("Leave every screenshot out of the exported report")
        self.delete_run_button = QPushButton("Delete…")
        self.delete_run_button.setObjectName("deleteRun")
        self.delete_run_button.setToolTip("Delete the run with its steps and screenshots")
        self.runs_table = make_table("runsTable")
        runs = QWidget()
        runs_layout = QVBoxLayout(runs)
        top = QHBoxLayout()
        top.addWidget(self.run_filters, 1)
        top.addWidget(self.replay_button)
        top.addWidget(self.export_button)
        top.addWidget(self.no_screenshots)
        top.addWidget(self.delete_run_button)
        runs_layout.addLayout(top)
        runs_layout.addWidget(self.runs_table, 1)

        # responses -----------------------------------------------------------------
        self.response_filters = FilterBar(RESPONSE_STATUSES)
        self.response_filters.text.setPlaceholderText(
            "Filter responses: id, model, profile, backend or run…"
        )
        self.open_button = QPushButton("Open by ID…")
        self.open_button.setObjectName("openById")
        self.open_button.setToolTip("Retrieve any response id from the active profile's backend")
        self.responses_table = make_table("responsesTable")
        self.details = ResponseDetails()
        responses = QWidget()
        responses_layout = QVBoxLayout(responses)
        top = QHBoxLayout()
        top.addWidget(self.response_filters, 1)
        top.addWidget(self.open_button)
        responses_layout.addLayout(top)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.responses_table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        responses_layout.addWidget(split, 1)

        self.tabs.addTab(runs, "Runs")
        self.tabs.addTab(responses, "Responses")
        self.status = QLabel("")
        self.status.setObjectName("historyStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.disk_usage = QLabel("")
        self.disk_usage.setObjectName("historySize")
        self.disk_usage.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.disk_usage)
        layout.addLayout(bottom)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)
