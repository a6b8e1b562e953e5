"""A virtualised table over the history store: a row count and the pages in view, nothing more.

Why not load the rows: the ledger holds tens of thousands of entries and the view must open at
once. The model keeps a *windowed cache*: a query (filter + sort) is answered by one ``count``
and the first page; any other page is fetched when the view first asks for one of its rows
(the view only asks for visible rows) and the least recently used pages are dropped. Sorting and
filtering are the store's SQL (``history.queries``), never Python over all rows.

Every query runs on one worker thread (`QueryRunner`): a filtered page plus count over 20,000
rows takes 13–40 ms, far too long for the GUI thread. Results come back through a queued
signal, tagged with the query's generation, so an answer to a superseded filter is dropped.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

log = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_PAGES = 30  # 6,000 rows cached at most
LOADING = "…"

_STATUS_COLORS = {
    "completed": QColor(30, 130, 60), "succeeded": QColor(30, 130, 60),
    "in_progress": QColor(40, 90, 200), "queued": QColor(40, 90, 200),
    "running": QColor(40, 90, 200), "failed": QColor(190, 40, 40),
    "error": QColor(190, 40, 40), "cancelled": QColor(150, 100, 20),
    "stopped": QColor(150, 100, 20), "interrupted": QColor(150, 100, 20),
    "incomplete": QColor(150, 100, 20),
}  # fmt: skip


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    sort_key: str | None = None  # the store's sort key; None: not sortable
    status: bool = False  # colour the text by status


class _Relay(QObject):
    """Delivers a finished query to the GUI thread.

    Signals:
        finished(object, object, object): the callback, its result and the error (or None).
    """

    finished = Signal(object, object, object)  # callback, result, error


class QueryRunner(QObject):
    """Runs store queries on one worker thread; results are delivered on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-query")
        self._relay = _Relay()
        self._relay.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    def submit(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if self._closed:
            return

        def work() -> None:
            try:
                result, error = job(), None
            except Exception as exc:  # shown by the caller; a worker must never die
                result, error = None, exc
            with contextlib.suppress(RuntimeError):  # the relay is gone: the window closed
                self._relay.finished.emit((on_done, on_error), result, error)

        self._pool.submit(work)

    def _deliver(self, callbacks: Any, result: Any, error: BaseException | None) -> None:
        on_done, on_error = callbacks
        if error is None:
            on_done(result)
        elif on_error is not None:
            on_error(error)
        else:
            log.warning("a history query failed: %s", error)

    def close(self, wait: bool = True) -> None:
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


PageFetch = Callable[..., list[Any]]  # (filter, sort, descending, limit, offset) → rows
CountFetch = Callable[..., int]  # (filter) → rows matching


class PagedTableModel(QAbstractTableModel):
    """Rows of one query; `set_query` starts a new one, `reload` re-runs the current one.

    Signals:
        counted(int, float): the total rows and the milliseconds the query took.
        failed(str): the query failed.
    """

    counted = Signal(int, float)  # total rows, milliseconds from the query to the answer
    failed = Signal(str)

    def __init__(
        self,
        runner: QueryRunner,
        columns: Sequence[Column],
        fetch_page: PageFetch,
        count: CountFetch,
        *,
        sort: str,
        descending: bool = True,
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.columns = list(columns)
        self._fetch_page = fetch_page
        self._count_rows = count
        self.page_size = page_size
        self.filter: Any = None
        self.sort_key = sort
        self.descending = descending
        self._generation = 0
        self._total = 0
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        self._pending: set[int] = set()
        self._loaded_generation = -1

    # ------------------------------------------------------------------ queries

    @property
    def loading(self) -> bool:
        """True until the current query's count has arrived."""
        return self._loaded_generation != self._generation

    @property
    def total(self) -> int:
        return self._total

    def set_query(
        self, filter: Any = None, sort: str | None = None, descending: bool | None = None
    ) -> None:
        self.filter = filter
        if sort is not None:
            self.sort_key = sort
        if descending is not None:
            self.descending = descending
        self.reload()

    def reload(self) -> None:
        """Run the current query again (after a change in the store); rows stay until the
        new count arrives."""
        self._generation += 1
        generation = self._generation
        query = (self.filter, self.sort_key, self.descending)
        started = time.perf_counter()

        def job() -> tuple[int, list[Any]]:
            total = self._count_rows(query[0])
            rows = self._fetch_page(*query, self.page_size, 0) if total else []
            return total, rows

        self.runner.submit(
            job,
            lambda result: self._counted(generation, result, started),
            lambda error: self._failed(generation, error),
        )

    def _counted(self, generation: int, result: tuple[int, list[Any]], started: float) -> None:
        if generation != self._generation:
            return
        total, rows = result
        self.beginResetModel()
        self._total = total
        self._pages = OrderedDict({0: rows}) if rows else OrderedDict()
        self._pending = set()
        self._loaded_generation = generation
        self.endResetModel()
        self.counted.emit(total, (time.perf_counter() - started) * 1000)

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._loaded_generation = generation
            self.failed.emit(f"The history could not be read: {error}")

    def _request_page(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        generation = self._generation
        query = (self.filter, self.sort_key, self.descending)
        offset = page * self.page_size

        def job() -> list[Any]:
            return self._fetch_page(*query, self.page_size, offset)

        self.runner.submit(
            job,
            lambda rows: self._page_arrived(generation, page, rows),
            lambda error: self._failed(generation, error),
        )

    def _page_arrived(self, generation: int, page: int, rows: list[Any]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = page * self.page_size
        last = min(first + len(rows), self._total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    # ------------------------------------------------------------------ rows

    def row_at(self, row: int) -> Any:
        """The record at ``row`` if its page is loaded (``None`` otherwise: it is requested)."""
        if not 0 <= row < self._total:
            return None
        page, offset = divmod(row, self.page_size)
        rows = self._pages.get(page)
        if rows is None:
            self._request_page(page)
            return None
        self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    def loaded_rows(self) -> list[Any]:
        """Every cached record in row order (tests and "select by id")."""
        return [row for page in sorted(self._pages) for row in self._pages[page]]

    def row_of(self, match: Callable[[Any], bool]) -> int | None:
        """The row of the first cached record that matches, if any."""
        for page in sorted(self._pages):
            for n, record in enumerate(self._pages[page]):
                if match(record):
                    return page * self.page_size + n
        return None

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].title
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            return None
        record = self.row_at(index.row())
        column = self.columns[index.column()]
        if record is None:
            return LOADING if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        text = column.text(record)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _STATUS_COLORS.get(text) if column.status else None
        return text

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].sort_key
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self.sort_key and descending == self.descending and self._generation:
            return  # already this order (the view calls sort() when sorting is switched on)
        self.set_query(self.filter, key, descending)

    def column_of(self, sort_key: str) -> int:
        return next((n for n, c in enumerate(self.columns) if c.sort_key == sort_key), 0)
