"""The history window's controller: tables, filters, sorting, the details pane, replay and
export — and `attach_history`, which connects it to the console window's "History…" action.

Filters become the store's `RunFilter` / `ResponseFilter` and every change re-runs the query
in SQL on the query thread (`history_table.PagedTableModel`); typing in a text filter is
debounced (`TEXT_DEBOUNCE_MS`) so a word typed fast costs one query, not one per letter.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer
from PySide6.QtWidgets import QTableView

from console_app.agent.history_backend import BackendPool, ClientFactory
from console_app.core.settings import Profile, Settings
from console_app.history.models import ResponseFilter, RunFilter, RunSummary
from console_app.history.retention import disk_usage
from console_app.history.store import HistoryStore
from console_app.ui.history.columns import RESPONSE_COLUMNS, RUN_COLUMNS
from console_app.ui.history.filters import FilterBar, FilterValues
from console_app.ui.history.history_view import HistoryWindow
from console_app.ui.history.replay_controller import (
    ChooseFolder,
    ReplayController,
    export_to_folder,
    folder_dialog,
)
from console_app.ui.history.replay_view import ReplayWindow
from console_app.ui.history.responses_controller import (
    AskId,
    Confirm,
    ResponsesController,
    ask_id_dialog,
    confirm_dialog,
)
from console_app.ui.history.table import PagedTableModel, QueryRunner

log = logging.getLogger(__name__)

TEXT_DEBOUNCE_MS = 200


def run_filter(values: FilterValues) -> RunFilter:
    return RunFilter(
        text=values.text, status=values.status, profile=values.profile,
        since=values.since, until=values.until,
    )  # fmt: skip


def response_filter(values: FilterValues) -> ResponseFilter:
    return ResponseFilter(
        text=values.text, status=values.status, profile=values.profile,
        since=values.since, until=values.until,
    )  # fmt: skip


class HistoryController(QObject):
    """Fills the history window from the store: paged, filtered, sorted tables off the GUI
    thread, the selected run's or response's details, replay, export and deletion.
    """

    def __init__(
        self,
        view: HistoryWindow,
        store: HistoryStore,
        *,
        settings: Callable[[], Settings],
        active_profile: Callable[[], Profile],
        pool: BackendPool,
        confirm: Confirm | None = None,
        ask_id: AskId | None = None,
        choose_folder: ChooseFolder | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.store = store
        self.pool = pool
        self.choose_folder = choose_folder or folder_dialog(view)
        self.runner = QueryRunner(self)
        self.runs = PagedTableModel(
            self.runner, RUN_COLUMNS, store.list_runs, store.count_runs, sort="started_at",
            parent=self,
        )  # fmt: skip
        self.responses = PagedTableModel(
            self.runner, RESPONSE_COLUMNS, store.list_responses, store.count_responses,
            sort="last_seen", parent=self,
        )  # fmt: skip
        self.details = ResponsesController(
            view.details, store, pool, settings, active_profile,
            confirm=confirm or confirm_dialog(view), ask_id=ask_id or ask_id_dialog(view),
            parent=self,
        )  # fmt: skip
        self.replays: list[ReplayController] = []
        self.export_task: asyncio.Task[str] | None = None
        self.close_task: asyncio.Future[None] | None = None
        self._timers: dict[int, QTimer] = {}

        self.runs.set_query(RunFilter())
        self.responses.set_query(ResponseFilter())
        self._table(view.runs_table, self.runs, "runs")
        self._table(view.responses_table, self.responses, "responses")
        self._filters(view.run_filters, self._apply_run_filter)
        self._filters(view.response_filters, self._apply_response_filter)
        view.responses_table.selectionModel().currentRowChanged.connect(self._response_picked)
        self.responses.dataChanged.connect(self._maybe_fill_details)
        self.responses.counted.connect(lambda *_: self._reselect())
        view.runs_table.doubleClicked.connect(lambda index: self.replay(index.row()))
        view.replay_button.clicked.connect(lambda: self.replay())
        view.export_button.clicked.connect(self.export_selected)
        view.delete_run_button.clicked.connect(self.delete_selected_run)
        self.confirm = confirm or confirm_dialog(view)
        view.open_button.clicked.connect(self.details.open_by_id)
        self.details.statusText.connect(view.status.setText)
        self.details.ledgerChanged.connect(self._ledger_changed)
        for model in (self.runs, self.responses):
            model.failed.connect(view.status.setText)
        view.closed.connect(self._closed)
        self.load_profiles()

    # ------------------------------------------------------------------ wiring

    def _table(self, table: QTableView, model: PagedTableModel, noun: str) -> None:
        table.setModel(model)
        table.horizontalHeader().setSortIndicator(
            model.column_of(model.sort_key),
            Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder,
        )
        table.setSortingEnabled(True)  # header clicks → model.sort → SQL ORDER BY
        header = table.horizontalHeader()
        header.sortIndicatorChanged.connect(
            lambda column, _order: self._keep_indicator(table, model, column)
        )
        bar = self.view.run_filters if model is self.runs else self.view.response_filters
        model.counted.connect(lambda total, _ms: bar.count.setText(f"{total:,} {noun}"))

    @staticmethod
    def _keep_indicator(table: QTableView, model: PagedTableModel, column: int) -> None:
        """A column the store cannot sort by keeps the arrow on the order actually shown."""
        if 0 <= column < len(model.columns) and model.columns[column].sort_key is None:
            header = table.horizontalHeader()
            header.blockSignals(True)
            order = (
                Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder
            )
            header.setSortIndicator(model.column_of(model.sort_key), order)
            header.blockSignals(False)

    def _filters(self, bar: FilterBar, apply: Callable[[], None]) -> None:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(TEXT_DEBOUNCE_MS)
        timer.timeout.connect(apply)
        self._timers[id(bar)] = timer
        bar.textEdited.connect(lambda _text: timer.start())
        bar.changed.connect(apply)

    def _apply_run_filter(self) -> None:
        self._timers[id(self.view.run_filters)].stop()
        self.runs.set_query(run_filter(self.view.run_filters.values()))

    def _apply_response_filter(self) -> None:
        self._timers[id(self.view.response_filters)].stop()
        self.responses.set_query(response_filter(self.view.response_filters.values()))

    def load_profiles(self) -> None:
        """Fill the profile filters with every profile the history has seen."""

        def fill(names: list[str]) -> None:
            self.view.run_filters.set_profiles(names)
            self.view.response_filters.set_profiles(names)

        self.runner.submit(self.store.profiles_used, fill)
        self.runner.submit(
            lambda: "History: " + disk_usage(self.store).describe(), self.view.disk_usage.setText
        )

    def reload(self) -> None:
        self.runs.reload()
        self.responses.reload()
        self.load_profiles()

    # ------------------------------------------------------------------ responses

    def _response_picked(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.details.show_entry(self.responses.row_at(current.row()))

    def _maybe_fill_details(self, *_args: Any) -> None:
        """A row selected while its page was loading: show it once the page is there."""
        index = self.view.responses_table.currentIndex()
        if index.isValid() and self.details.response_id is None:
            self.details.show_entry(self.responses.row_at(index.row()))

    def _reselect(self) -> None:
        """After a reload, select the shown response again if its row is loaded."""
        rid = self.details.response_id
        if rid is None:
            return
        row = self.responses.row_of(lambda r: r.response_id == rid)
        if row is not None:
            self.view.responses_table.selectRow(row)
            self.details.show_entry(self.responses.row_at(row))

    def _ledger_changed(self) -> None:
        self.responses.reload()
        self.load_profiles()

    def select_response(self, row: int) -> None:
        self.view.responses_table.selectRow(row)
        entry = self.responses.row_at(row)
        if entry is not None:
            self.details.show_entry(entry)

    # ------------------------------------------------------------------ runs

    def selected_run(self, row: int | None = None) -> RunSummary | None:
        if row is None:
            index = self.view.runs_table.currentIndex()
            if not index.isValid():
                return None
            row = index.row()
        run: RunSummary | None = self.runs.row_at(row)
        return run

    def replay(self, row: int | None = None) -> ReplayController | None:
        run = self.selected_run(row)
        if run is None:
            self.view.status.setText("Select a run to replay.")
            return None
        window = ReplayWindow()
        controller = ReplayController(
            window, self.store, run.run_id, self.runner, self.choose_folder, parent=window
        )
        self.replays.append(controller)
        window.destroyed.connect(lambda *_: self._forget(controller))
        window.show()
        return controller

    def _forget(self, controller: ReplayController) -> None:
        if controller in self.replays:
            self.replays.remove(controller)

    def export_selected(self) -> None:
        run = self.selected_run()
        if run is None:
            self.view.status.setText("Select a run to export.")
            return
        folder = self.choose_folder()
        if folder is not None:
            self.export_task = asyncio.ensure_future(self._export(run.run_id, folder))

    def delete_selected_run(self) -> None:
        """Delete the selected run, its steps and its screenshots (after asking)."""
        run = self.selected_run()
        if run is None:
            self.view.status.setText("Select a run to delete.")
            return
        question = (
            f"Delete run {run.run_id} ({run.task[:60]!r}) with its steps and screenshots? "
            "Its responses stay in the ledger."
        )
        if not self.confirm("Delete run", question):
            return

        def done(deleted: object) -> None:
            self.view.status.setText(
                f"Deleted {run.run_id} and its screenshots." if deleted else "Already gone."
            )
            self.reload()

        self.runner.submit(
            lambda: self.store.delete_run(run.run_id),
            done,
            lambda exc: self.view.status.setText(f"Could not delete {run.run_id}: {exc}"),
        )

    async def _export(self, run_id: str, folder: Path) -> str:
        self.view.status.setText(f"Exporting {run_id}…")
        text = await export_to_folder(
            self.store, run_id, folder, include_screenshots=not self.view.no_screenshots.isChecked()
        )
        self.view.status.setText(text)
        return text

    # ------------------------------------------------------------------ lifetime

    def _closed(self) -> None:
        for controller in list(self.replays):
            controller.view.close()
        self.close_task = asyncio.ensure_future(self.pool.aclose())

    def shutdown(self) -> None:
        """Stop the filter timers and the query thread (tests, and the console's exit)."""
        for timer in self._timers.values():
            timer.stop()
        self.runner.close()

    async def aclose(self) -> None:
        """Close the clients (and any engine) opened for the view, then the query thread."""
        await self.pool.aclose()
        self.shutdown()


class HistoryLauncher(QObject):
    """Opens the history window from the console's "History…" action (created on first use)."""

    def __init__(
        self,
        window: Any,
        sessions: Any,
        profiles: Any,
        *,
        store: HistoryStore | None = None,
        factory: ClientFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.sessions = sessions
        self.profiles = profiles
        self.store = store
        self.factory = factory
        self.view: HistoryWindow | None = None
        self.controller: HistoryController | None = None

    def _store(self) -> HistoryStore | None:
        if self.store is None:
            recorder = getattr(self.sessions, "recorder", None)
            if isinstance(recorder, HistoryStore):
                self.store = recorder
            else:
                try:
                    self.store = HistoryStore()
                except Exception as exc:
                    from console_app.core import messages

                    messages.error("The history database could not be opened.", str(exc),
                                   source="history")  # fmt: skip
                    return None
        return self.store

    def show(self) -> HistoryWindow | None:
        store = self._store()
        if store is None:
            return None
        if self.view is None:
            self.view = HistoryWindow()
            self.controller = HistoryController(
                self.view,
                store,
                settings=lambda: self.profiles.settings,
                active_profile=lambda: self.profiles.profile,
                pool=BackendPool(sessions=self.sessions, factory=self.factory),
                parent=self.view,
            )
        else:
            assert self.controller is not None
            self.controller.reload()
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        return self.view


def attach_history(window: Any, sessions: Any, profiles: Any) -> HistoryLauncher:
    """Connect the console window's "History…" action; the launcher lives as long as it."""
    launcher = HistoryLauncher(window, sessions, profiles, parent=window)
    window.history_action.triggered.connect(launcher.show)
    return launcher
