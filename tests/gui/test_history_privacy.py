"""The history view and privacy: size on disk, deleting a run removes its screenshots, export
without screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console_app.history.store import HistoryStore
from tests.gui.conftest import until
from tests.gui.history_support import open_history
from tests.gui.test_history_replay import store  # noqa: F401 (fixture)


def test_size_delete_and_export_without_screenshots(
    qtbot: Any,
    drive: Any,
    store: HistoryStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    shots = {s.screenshot_path for s in store.steps_of("run_replay")}
    assert shots and all(p is not None and p.exists() for p in shots)

    async def scenario() -> None:
        opened = open_history(qtbot, store)
        view, controller = opened.view, opened.controller
        view.show()
        qtbot.waitExposed(view)
        await until(lambda: view.disk_usage.text().startswith("History: "), what="size")
        assert "on disk" in view.disk_usage.text() and "2 screenshots" in view.disk_usage.text()
        await until(lambda: not controller.runs.loading and controller.runs.row_at(0) is not None)
        view.runs_table.selectRow(0)

        opened.answers.folder = tmp_path / "out"
        view.no_screenshots.setChecked(True)
        QTest.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
        assert controller.export_task is not None
        await controller.export_task
        html = (tmp_path / "out" / "run_replay.html").read_text("utf-8")
        assert "data:image" not in html and "left out" in html

        opened.answers.confirm = False
        QTest.mouseClick(view.delete_run_button, Qt.MouseButton.LeftButton)
        assert "run_replay" in opened.answers.asked[-1]
        assert store.get_run("run_replay") is not None  # "No" keeps it
        opened.answers.confirm = True
        QTest.mouseClick(view.delete_run_button, Qt.MouseButton.LeftButton)
        await until(lambda: "Deleted run_replay" in view.status.text(), what="deleted")
        await until(lambda: "0 screenshots" in view.disk_usage.text(), what="size updated")
        await until(lambda: controller.runs.rowCount() == 30)

    drive(scenario())
    assert store.get_run("run_replay") is None and store.steps_of("run_replay") == []
    assert not any(p is not None and p.exists() for p in shots)
