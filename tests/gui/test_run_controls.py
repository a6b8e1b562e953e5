"""Pause / resume / stop, the busy indicator, the timeline and the live panel."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console_app.agent.decisions import Stop
from console_app.agent.events import LoopState, RunResult
from tests.gui.conftest import until
from tests.gui.fakes import Turn, proposal
from tests.gui.test_approval import key, start, waiting


def test_pause_holds_the_run_and_resume_continues(console, script, drive) -> None:
    script.turns = [
        Turn([proposal({"type": "click", "x": 1, "y": 1})], think_seconds=0.2),
        Turn([proposal({"type": "click", "x": 2, "y": 2})]),
    ]
    controls = console.window.run_controls

    async def scenario() -> None:
        start(console)
        await until(lambda: console.controller.state == LoopState.THINKING)
        assert controls.pause_button.isEnabled() and controls.stop_button.isEnabled()
        QTest.mouseClick(controls.pause_button, Qt.MouseButton.LeftButton)
        assert script.loop.paused and controls.pause_button.text() == "Resume"
        await waiting(console)
        key(console, Qt.Key.Key_Return)  # approved, but paused: it must not execute yet
        await until(lambda: console.controller.state == LoopState.PAUSED)
        await asyncio.sleep(0.1)
        assert script.loop.executed == []
        assert "Paused" in controls.state.text()
        key(console, Qt.Key.Key_F6)  # resume by key
        await until(lambda: len(script.loop.executed) == 1)
        assert not script.loop.paused and controls.pause_button.text() == "Pause"
        await waiting(console)
        key(console, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)  # pause again
        assert script.loop.paused
        key(console, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    assert len(script.loop.executed) == 2
    assert not controls.pause_button.isEnabled()  # idle again


def test_stop_while_waiting_for_approval_ends_the_run_as_stopped(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})])]

    async def scenario() -> RunResult:
        start(console)
        await waiting(console)
        QTest.mouseClick(console.window.run_controls.stop_button, Qt.MouseButton.LeftButton)
        return await console.controller.task

    result = drive(scenario())
    assert result.status == "stopped"
    assert script.loop.decisions == [Stop()] and script.loop.executed == []
    assert console.window.timeline_model.step(0).decision == "stopped"
    w = console.window
    assert not console.controller.approval.pending
    assert not w.approval.reject_button.isEnabled()
    assert w.start_button.isEnabled() and not w.task_box.isReadOnly()
    assert w.live.result.isVisibleTo(w) and "Run stopped" in w.live.result.text()


def test_stop_cancels_a_model_call_in_flight_at_once(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})], think_seconds=30)]

    async def scenario() -> float:
        start(console)
        await until(lambda: console.controller.state == LoopState.THINKING)
        await asyncio.sleep(0.25)
        busy = console.window.run_controls
        assert busy.busy.isVisibleTo(console.window)
        assert busy.elapsed.text().endswith(" s") and float(busy.elapsed.text()[:-2]) >= 0.2
        began = time.monotonic()
        key(
            console,
            Qt.Key.Key_Escape,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
        )  # the in-window emergency stop
        result = await console.controller.task
        assert result.status == "stopped"
        return time.monotonic() - began

    assert drive(scenario()) < 1.0
    assert not console.window.run_controls.busy.isVisibleTo(console.window)
    assert "Emergency stop" in console.window.message_bar.text.text()


def test_start_needs_a_task(console, script, drive) -> None:
    console.window.task_box.setPlainText("   ")
    QTest.mouseClick(console.window.start_button, Qt.MouseButton.LeftButton)
    assert script.made == 0
    assert "Type a task first" in console.window.message_bar.text.text()


def test_ctrl_enter_starts_and_the_pickers_lock_during_a_run(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})])]
    console.window.model_combo.setCurrentText("my-model")

    async def scenario() -> None:
        console.window.task_box.setPlainText("task")
        key(console, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await waiting(console)
        assert not console.window.profile_combo.isEnabled()
        assert not console.window.model_combo.isEnabled()
        assert console.window.task_box.isReadOnly()
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    assert script.loop.model == "my-model"
    assert console.window.profile_combo.isEnabled()


def test_timeline_rows_and_reviewing_an_earlier_step(console, script, drive) -> None:
    script.turns = [
        Turn([proposal({"type": "click", "x": 10, "y": 10})]),
        Turn([proposal({"type": "type", "text": "abc"})]),
        Turn([proposal({"type": "keypress", "keys": ["ctrl", "s"]})]),
    ]
    model = console.window.timeline_model

    async def scenario() -> None:
        start(console)
        await waiting(console)
        key(console, Qt.Key.Key_Return)
        await until(lambda: model.rowCount() == 1)
        await waiting(console)
        key(console, Qt.Key.Key_Escape)
        await until(lambda: model.rowCount() == 2)
        approval = await waiting(console)
        # Look back at step 1 while step 3 waits.
        console.window.timeline.selectRow(0)
        view = console.window.screenshot
        assert view.caption.text().startswith("Step 1 (review)")
        assert view.live_button.isVisibleTo(console.window)
        ((overlay, _),) = view.canvas.overlays()
        assert overlay.caption == "click at (10, 10)"
        QTest.mouseClick(view.live_button, Qt.MouseButton.LeftButton)
        assert view.caption.text().startswith("Live")
        assert view.canvas.overlays()[0][0].caption == "press Ctrl+S"
        assert approval.pending
        key(console, Qt.Key.Key_Return)
        await console.controller.task
        await until(
            lambda: model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole) is not None,
            what="a thumbnail",
        )

    drive(scenario())
    rows = [[model.data(model.index(r, c)) for c in range(1, 9)] for r in range(3)]
    assert rows[0][:3] == ["1", "click at (10, 10)", "approved"]
    assert rows[1][:3] == ["2", 'type "abc"', "rejected"]
    assert rows[2][1:3] == ["press Ctrl+S", "approved"]
    assert rows[0][3:] == ["4 ms", "812 ms", "41 ms", "149 KB", "1520+64"]
    thumb = model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole)
    assert thumb.width() <= 112 and thumb.height() <= 63


def test_thumbnails_are_decoded_off_the_gui_thread(console, script, drive, monkeypatch) -> None:
    import threading

    from console_app.ui.widgets import image_loader

    threads: list[str] = []
    real = image_loader.decode

    def spy(data: bytes, scaled_to: Any = None) -> Any:
        threads.append(threading.current_thread().name)
        return real(data, scaled_to)

    monkeypatch.setattr(image_loader, "decode", spy)
    script.turns = [Turn([proposal({"type": "click", "x": 10, "y": 10})])]

    async def scenario() -> None:
        start(console)
        await waiting(console)
        key(console, Qt.Key.Key_Return)
        await console.controller.task
        model = console.window.timeline_model
        await until(
            lambda: model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole) is not None
        )

    drive(scenario())
    assert threads and threading.main_thread().name not in threads


def test_live_panel_streams_reasoning_and_shows_the_final_answer(console, script, drive) -> None:
    script.turns = [
        Turn(
            [proposal({"type": "click", "x": 1, "y": 1})],
            reasoning="The Save button is visible",
            message="Saving the order now.",
            stream=True,
        )
    ]
    script.final = RunResult("run_fake", "succeeded", "the model answered", "Order 1042 saved.", 1)
    live = console.window.live

    async def scenario() -> None:
        start(console)
        await waiting(console)
        assert live.reasoning.toPlainText().strip() == "The Save button is visible"
        assert live.message.toPlainText() == "Saving the order now."
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    assert live.result.isVisibleTo(console.window)
    assert "Done" in live.result.text() and "Order 1042 saved." in live.result.text()
    assert console.window.run_controls.state.text() == "Finished: succeeded"
