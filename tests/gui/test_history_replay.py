"""Runs in the history: filter, replay step by step (screenshot + the console's overlay, the
decision, feedback and timings), and export (HTML + JSON through ``history.report``)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from console_app.core.records import RunInfo, StepRecord, Timings
from console_app.history.store import HistoryStore
from console_app.ui.history.replay_controller import ReplayController
from tests.gui.conftest import until
from tests.gui.history_support import open_history

SIZE = (640, 400)
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def flat_jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", SIZE, color).save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore(tmp_path / "data" / "history.sqlite3")
    for n in range(30):  # other runs, so the filter has something to filter out
        run = RunInfo(run_id=f"run_other_{n:02d}", task=f"other task {n}", profile="local",
                      backend="http://x", started_at=START + timedelta(minutes=n))  # fmt: skip
        opened.begin_run(run)
        opened.end_run(run.run_id, "succeeded", "done")
    run = RunInfo(run_id="run_replay", task="Save the invoice as PDF", profile="local",
                  backend="http://127.0.0.1:1", model="tzafon.northstar-cua-fast",
                  started_at=START + timedelta(hours=2))  # fmt: skip
    opened.begin_run(run)
    common = {"run_id": run.run_id, "screenshot_mime": "image/jpeg", "viewport": SIZE}
    opened.record_step(StepRecord(
        index=0, action_type="click", action={"type": "click", "x": 100, "y": 80},
        summary="click at (100, 80)", decision="approved", execution="done",
        screenshot=flat_jpeg((90, 90, 90)), response_id="resp_step0",
        timings=Timings(capture_ms=12, model_ms=850, decision_ms=2300, execute_ms=40), **common,
    ))  # fmt: skip
    opened.record_step(StepRecord(
        index=1, action_type="click", action={"type": "click", "x": 500, "y": 300},
        edited_action={"type": "click", "x": 320, "y": 200}, summary="click at (500, 300)",
        decision="edited", feedback="the Save button is further left", execution="done",
        screenshot=flat_jpeg((60, 60, 60)), **common,
    ))  # fmt: skip
    opened.record_step(StepRecord(
        index=2, action_type="frobnicate", raw_action={"type": "frobnicate"},
        action_error="unknown action type 'frobnicate'", decision="invalid",
        screenshot=flat_jpeg((60, 60, 60)), **common,
    ))  # fmt: skip
    opened.end_run(run.run_id, "succeeded", "Saved invoice.pdf")
    yield opened
    opened.close()


def close_to(color: QColor, rgb: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(color.getRgb()[:3], rgb, strict=True))


def pixel_at(replay: ReplayController, x: float, y: float) -> QColor:
    canvas = replay.view.screenshot.canvas
    point = canvas.image_to_view(x + 0.5, y + 0.5)
    assert point is not None
    return canvas.grab().toImage().pixelColor(round(point.x()), round(point.y()))


def test_replay_and_export(qtbot: Any, drive: Any, store: HistoryStore, tmp_path: Path) -> None:
    async def scenario() -> None:
        opened = open_history(qtbot, store)
        view, controller = opened.view, opened.controller
        view.show()
        qtbot.waitExposed(view)
        await until(lambda: not controller.runs.loading)
        assert controller.runs.rowCount() == 31
        assert view.run_filters.count.text() == "31 runs"
        assert controller.runs.row_at(0).run_id == "run_replay"  # newest first

        view.run_filters.text.setText("invoice")
        await until(lambda: controller.runs.rowCount() == 1 and not controller.runs.loading)
        await until(lambda: controller.runs.row_at(0) is not None)
        view.runs_table.selectRow(0)

        QTest.mouseClick(view.replay_button, Qt.MouseButton.LeftButton)
        assert controller.replays, "a replay window opened"
        replay = controller.replays[-1]
        qtbot.addWidget(replay.view)
        replay.view.resize(1300, 850)
        qtbot.waitExposed(replay.view)
        await until(lambda: replay.loaded and replay.view.steps.count() == 3, what="steps")
        assert replay.view.task.text() == "Save the invoice as PDF"
        assert "Saved invoice.pdf" in replay.view.meta.text()
        titles = [replay.view.steps.item(n).text() for n in range(3)]
        assert titles[0] == "1. click at (100, 80) — approved"
        assert titles[1].endswith("— edited") and titles[2].endswith("— invalid")

        # Step 1: the screenshot, the crosshair where the click went, the timings.
        canvas = replay.view.screenshot.canvas
        await until(lambda: canvas.image_size() is not None, what="screenshot 1")
        assert (canvas.image_size().width(), canvas.image_size().height()) == SIZE
        assert close_to(pixel_at(replay, 100, 80), (255, 64, 32)), "proposed crosshair"
        facts = replay.view.facts.text()
        assert "Decision: approved" in facts and "model 850 ms" in facts
        assert "decision 2300 ms" in facts

        # Step 2: edited — what ran in green, the proposal as a grey ghost; the feedback.
        QTest.mouseClick(replay.view.next_button, Qt.MouseButton.LeftButton)
        await until(lambda: [s for _o, s in canvas.overlays()] == ["ghost", "edited"])
        await until(lambda: close_to(pixel_at(replay, 320, 200), (40, 220, 90)), what="green")
        assert "Feedback: the Save button is further left" in replay.view.facts.text()
        assert "Edited to: click at (320, 200)" in replay.view.facts.text()

        # Step 3: not executable — a banner saying why, no crosshair.
        QTest.mouseClick(replay.view.next_button, Qt.MouseButton.LeftButton)
        await until(lambda: replay.current == 2 and canvas.overlays()
                    and "frobnicate" in str(canvas.overlays()[0][0]))  # fmt: skip
        assert not replay.view.next_button.isEnabled()

        # Export from the replay window and from the runs tab (the folder dialog answered).
        out = tmp_path / "reports"
        opened.answers.folder = out
        replay.choose_folder = lambda: out
        QTest.mouseClick(replay.view.export_button, Qt.MouseButton.LeftButton)
        assert replay.export_task is not None
        text = await replay.export_task
        assert "Exported run_replay" in text and replay.view.status.text() == text
        html = (out / "run_replay.html").read_text(encoding="utf-8")
        assert "Save the invoice as PDF" in html and "<svg" in html
        data = json.loads((out / "run_replay.json").read_text(encoding="utf-8"))
        assert [s["decision"] for s in data["steps"]] == ["approved", "edited", "invalid"]

        (out / "run_replay.html").unlink()
        QTest.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
        assert controller.export_task is not None
        assert "Exported" in await controller.export_task
        assert (out / "run_replay.html").is_file()
        await controller.aclose()

    drive(scenario(), timeout=30)
