"""The timeline over a long run: bounded memory, older screenshots read back from the history,
thumbnails drawn without Qt's icon machinery (which cached a new pixmap at every repaint)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QImage

from console_app.core.records import RunInfo, StepRecord
from console_app.history.store import HistoryStore
from console_app.ui.console import timeline
from console_app.ui.console.timeline import RECENT_SCREENSHOTS, TimelineModel, TimelineView
from tests.gui.fakes import encode


def colored(color: QColor) -> bytes:
    image = QImage(320, 180, QImage.Format.Format_RGB32)
    image.fill(color)
    return encode(image)


def record(run_id: str, index: int, data: bytes | None) -> StepRecord:
    return StepRecord(
        run_id=run_id,
        index=index,
        action_type="keypress",
        summary=f"press shift ({index})",
        decision="auto_approved",
        execution="done",
        screenshot=data,
        screenshot_mime="image/jpeg" if data else None,
        viewport=(320, 180),
    )


def test_only_the_newest_screenshots_stay_in_memory_older_ones_come_from_the_history(
    qtbot: Any, tmp_path: Any
) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3")
    run = RunInfo(task="t", profile="local", backend="http://127.0.0.1:1")
    store.begin_run(run)
    model = TimelineModel()
    count = RECENT_SCREENSHOTS + 20
    shots = [colored(QColor(n * 4 % 256, 90, 160)) for n in range(count)]
    try:
        for n, data in enumerate(shots):
            step = record(run.run_id, n, data)
            store.record_step(step)  # the loop records before it reports the step
            model.upsert(step)
        assert len(model._bytes) == RECENT_SCREENSHOTS
        assert model.step(0) is not None and model.step(0).screenshot is None
        newest = model.step(count - 1)
        assert newest is not None and model.screenshot_of(newest) == shots[-1]
        oldest = model.step(0)
        assert model.screenshot_of(oldest) is None  # no history plugged in: not available

        model.older_screenshots = store.step_screenshot
        assert model.screenshot_of(oldest) == shots[0]  # read back from the history
        assert all(model.screenshot_of(model.step(n)) == shots[n] for n in range(count))
    finally:
        store.close()


def test_a_broken_history_means_not_available_not_a_crash(qtbot: Any) -> None:
    model = TimelineModel()
    for n in range(RECENT_SCREENSHOTS + 1):
        model.upsert(record("run_x", n, colored(QColor(10, 10, 10))))

    def broken(run_id: str, index: int) -> bytes | None:
        raise OSError("disk gone")

    model.older_screenshots = broken
    assert model.screenshot_of(model.step(0)) is None


def test_thumbnails_are_painted_by_the_delegate_not_as_icons(qtbot: Any) -> None:
    model = TimelineModel()
    view = TimelineView(model)
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    model.upsert(record("run_x", 0, colored(QColor(220, 30, 30))))
    qtbot.waitUntil(lambda: model.thumbnails.cached(("run_x", 0)) is not None, timeout=5000)

    delegate = view.itemDelegateForColumn(0)
    assert isinstance(delegate, timeline.ThumbnailDelegate)
    option = timeline.QStyleOptionViewItem()
    delegate.initStyleOption(option, model.index(0, 0))
    assert option.icon.isNull()  # no QIcon: nothing goes into the global QPixmapCache

    shot = view.viewport().grab().toImage()
    cell = view.visualRect(model.index(0, 0))
    center = shot.pixelColor(cell.center())
    assert center.red() > 180 and center.green() < 80, center.name()  # the red screenshot
    assert cell.size().width() >= timeline.THUMB_SIZE.width()
