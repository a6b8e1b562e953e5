"""The history view over 10,000 responses: opens at once, pages, filters and sorts in SQL.

Times are printed (run with ``-s``), not asserted: they depend on the machine. What is asserted
is correctness — every row the view shows is the row the store returns for the same query —
and that the work happens off the GUI thread (the view answers while a filter runs).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from console_app.history.models import ResponseFilter
from console_app.history.store import HistoryStore
from tests.gui.conftest import until
from tests.gui.history_support import (
    StallMeter,
    column_texts,
    open_history,
    seeded_records,
    wait_rows,
)

COUNT = 10_000
ID_COLUMN = 1


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HistoryStore]:
    store = HistoryStore(tmp_path_factory.mktemp("history") / "history.sqlite3")
    started = time.perf_counter()
    store.record_responses(seeded_records(COUNT))
    print(f"\nseeded {COUNT:,} responses in {(time.perf_counter() - started) * 1000:.0f} ms")
    yield store
    store.close()


def ids(records: list[Any]) -> list[str]:
    return [r.response_id for r in records]


def shown_ids(model: Any, rows: range) -> list[str]:
    return column_texts(model, ID_COLUMN, rows)


def test_ten_thousand_responses_open_page_filter_and_sort(
    qtbot: Any, drive: Any, seeded: HistoryStore
) -> None:
    async def scenario() -> None:
        started = time.perf_counter()
        opened = open_history(qtbot, seeded)
        view, controller = opened.view, opened.controller
        model, table = controller.responses, view.responses_table
        view.tabs.setCurrentIndex(1)
        view.resize(1400, 800)
        view.show()
        qtbot.waitExposed(view)
        await until(lambda: not model.loading, what="the first count")
        table.viewport().repaint()  # the first page painted, synchronously
        first_paint_ms = (time.perf_counter() - started) * 1000
        assert model.rowCount() == COUNT
        assert view.response_filters.count.text() == f"{COUNT:,} responses"
        expected = seeded.list_responses(None, "last_seen", True, 200, 0)
        assert shown_ids(model, range(200)) == ids(expected)

        # Jump to the end: only the pages in view are fetched, and they are the right rows.
        scroll_started = time.perf_counter()
        with StallMeter() as scroll_stall:
            table.scrollToBottom()
            await until(wait_rows(model, range(COUNT - 30, COUNT)), what="the last page")
        scroll_ms = (time.perf_counter() - scroll_started) * 1000
        tail = seeded.list_responses(None, "last_seen", True, 30, COUNT - 30)
        assert shown_ids(model, range(COUNT - 30, COUNT)) == ids(tail)
        assert len(model._pages) <= 3, "only the pages in view are loaded"

        # A text filter, straight (no debounce): time to the filtered count.
        filter_started = time.perf_counter()
        with StallMeter() as filter_stall:
            model.set_query(ResponseFilter(text="sm-1"))
            await until(lambda: not model.loading, what="the filtered count")
        filter_ms = (time.perf_counter() - filter_started) * 1000
        wanted = ResponseFilter(text="sm-1")
        assert model.rowCount() == seeded.count_responses(wanted) > 0
        await until(wait_rows(model, range(50)))
        assert shown_ids(model, range(50)) == ids(
            seeded.list_responses(wanted, "last_seen", True, 50, 0)
        )

        # Typing into the filter box: debounced, then one query.
        bar = view.response_filters
        typed_started = time.perf_counter()
        QTest.keyClicks(bar.text, "resp_0012")
        await until(lambda: bar.count.text() == "100 responses", what="the typed filter")
        typed_ms = (time.perf_counter() - typed_started) * 1000
        await until(wait_rows(model, range(100)))
        assert all(rid.startswith("resp_0012") for rid in shown_ids(model, range(100)))

        # Status + profile + text combined; the combo boxes apply at once.
        bar.text.clear()
        await until(lambda: bar.count.text() == f"{COUNT:,} responses", what="cleared")
        bar.status.setCurrentText("failed")
        await until(lambda: bar.profile.findText("vllm") >= 0, what="profiles used")
        bar.profile.setCurrentText("vllm")
        combined = ResponseFilter(status="failed", profile="vllm")
        await until(lambda: model.rowCount() == seeded.count_responses(combined))
        await until(wait_rows(model, range(min(200, model.rowCount()))))
        rows = model.loaded_rows()
        assert rows and all(r.status == "failed" and r.profile == "vllm" for r in rows)

        # Sorting by clicking the Status header: SQL order, ascending then descending.
        bar.status.setCurrentIndex(0)
        bar.profile.setCurrentIndex(0)
        await until(lambda: bar.count.text() == f"{COUNT:,} responses")
        header = table.horizontalHeader()
        status_column = model.column_of("status")
        sort_started = time.perf_counter()
        x = header.sectionViewportPosition(status_column) + header.sectionSize(status_column) // 2
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
        await until(lambda: model.sort_key == "status" and not model.loading, what="sorted")
        sort_ms = (time.perf_counter() - sort_started) * 1000
        table.scrollToTop()
        await until(wait_rows(model, range(200)))
        expected = seeded.list_responses(None, "status", model.descending, 200, 0)
        assert shown_ids(model, range(200)) == ids(expected)
        statuses = column_texts(model, 2, range(200))
        assert statuses == sorted(statuses, reverse=model.descending)
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
        await until(lambda: not model.loading)
        await until(wait_rows(model, range(COUNT - 5, COUNT)))
        last = seeded.list_responses(None, "status", model.descending, 5, COUNT - 5)
        assert shown_ids(model, range(COUNT - 5, COUNT)) == ids(last)
        # The Run column is not sortable: the arrow stays on the order actually shown.
        run_column = [c.title for c in model.columns].index("Run")
        x = header.sectionViewportPosition(run_column) + header.sectionSize(run_column) // 2
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
        assert header.sortIndicatorSection() == status_column and model.sort_key == "status"

        print(
            f"\nhistory view, {COUNT:,} responses: window shown + first page painted "
            f"{first_paint_ms:.0f} ms; jump to the last rows {scroll_ms:.0f} ms "
            f"(longest GUI stall {scroll_stall.longest_ms:.0f} ms); text filter → count + page "
            f"{filter_ms:.0f} ms (longest GUI stall {filter_stall.longest_ms:.0f} ms); typed "
            f"filter incl. {200} ms debounce {typed_ms:.0f} ms; header sort {sort_ms:.0f} ms"
        )
        controller.shutdown()

    drive(scenario(), timeout=60)


def test_date_filter_uses_the_store_range(qtbot: Any, drive: Any, seeded: HistoryStore) -> None:
    async def scenario() -> None:
        opened = open_history(qtbot, seeded)
        model, bar = opened.controller.responses, opened.view.response_filters
        await until(lambda: not model.loading)
        bar.dates.setCurrentText("Between…")
        assert bar.start.isVisibleTo(opened.view) or not opened.view.isVisible()
        bar.start.setDate(bar.start.date().fromString("2025-01-10", "yyyy-MM-dd"))
        bar.end.setDate(bar.end.date().fromString("2025-01-12", "yyyy-MM-dd"))
        values = bar.values()
        wanted = ResponseFilter(since=values.since, until=values.until)
        expected = seeded.count_responses(wanted)
        assert 0 < expected < COUNT
        await until(lambda: model.rowCount() == expected and not model.loading)
        await until(wait_rows(model, range(min(expected, 100))))
        assert all(
            values.since <= r.last_seen < values.until  # type: ignore[operator]
            for r in model.loaded_rows()
        )
        opened.controller.shutdown()

    drive(scenario(), timeout=30)
