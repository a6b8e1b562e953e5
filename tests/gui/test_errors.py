"""The message bar: problems the run waits on (Retry / Stop), notices, core.messages, details."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console_app.agent.events import LoopState, Problem
from console_app.core import messages
from tests.gui.conftest import until
from tests.gui.fakes import Turn, proposal
from tests.gui.test_approval import key, start, waiting

NETWORK = Problem(
    "network",
    "Could not reach the API: connection refused",
    "ConnectError: [Errno 111] Connection refused (request id req_42)",
)


def bar_state(console: Any) -> dict[str, Any]:
    bar = console.window.message_bar
    w = console.window
    return {
        "visible": bar.isVisibleTo(w),
        "level": bar.property("level"),
        "text": bar.text.text(),
        "retry": bar.retry_button.isVisibleTo(w),
        "stop": bar.stop_button.isVisibleTo(w),
        "dismiss": bar.dismiss_button.isVisibleTo(w),
        "details": bar.details_button.isVisibleTo(w),
        "detail_shown": bar.detail.isVisibleTo(w),
    }


def test_a_network_error_pauses_the_run_until_retry(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})], problem=NETWORK)]

    async def scenario() -> None:
        start(console)
        await until(lambda: console.controller.problems.waiting, what="the problem")
        state = bar_state(console)
        assert state == {
            "visible": True,
            "level": "error",
            "text": "Network error: Could not reach the API: connection refused",
            "retry": True,
            "stop": True,
            "dismiss": False,
            "details": True,
            "detail_shown": False,
        }
        assert console.controller.state == LoopState.WAITING_ON_ERROR
        assert "Paused on an error" in console.window.run_controls.state.text()
        bar = console.window.message_bar
        QTest.mouseClick(bar.details_button, Qt.MouseButton.LeftButton)
        assert bar.detail.isVisibleTo(console.window)
        assert "Connection refused (request id req_42)" in bar.detail.toPlainText()
        QTest.mouseClick(bar.retry_button, Qt.MouseButton.LeftButton)
        await waiting(console)
        assert not bar.isVisibleTo(console.window)  # a retried problem goes away
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    assert script.loop.problem_choices == ["retry"]
    assert len(script.loop.executed) == 1


def test_stop_on_the_message_bar_stops_the_run(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})], problem=NETWORK)]

    async def scenario() -> Any:
        start(console)
        await until(lambda: console.controller.problems.waiting)
        QTest.mouseClick(console.window.message_bar.stop_button, Qt.MouseButton.LeftButton)
        return await console.controller.task

    result = drive(scenario())
    assert result.status == "stopped" and script.loop.problem_choices == ["stop"]
    state = bar_state(console)
    assert state["visible"] and not state["retry"] and not state["stop"] and state["dismiss"]


def test_a_problem_that_cannot_be_retried_only_offers_stop(console, script, drive) -> None:
    auth = Problem("api", "The API key was refused (401).", "invalid_api_key", can_retry=False)
    script.turns = [Turn([], problem=auth)]

    async def scenario() -> None:
        start(console)
        await until(lambda: console.controller.problems.waiting)
        state = bar_state(console)
        assert state["stop"] and not state["retry"]
        assert console.window.message_bar.stop_button.text() == "OK, stop the run"
        console.controller.stop()  # the toolbar Stop also ends the wait
        await console.controller.task

    drive(scenario())
    assert not console.controller.problems.waiting


def test_core_messages_from_any_thread_reach_the_bar(console, drive) -> None:
    worker = threading.Thread(
        target=messages.error,
        args=("The history database is locked.", "sqlite3.OperationalError: database is locked"),
    )
    worker.start()
    worker.join()

    async def scenario() -> None:
        await until(lambda: console.window.message_bar.isVisibleTo(console.window))

    drive(scenario())
    state = bar_state(console)
    assert state["text"] == "The history database is locked." and state["level"] == "error"
    assert state["details"] and state["dismiss"] and not state["retry"]
    QTest.mouseClick(console.window.message_bar.dismiss_button, Qt.MouseButton.LeftButton)
    assert not console.window.message_bar.isVisibleTo(console.window)


def test_a_notice_does_not_cover_the_problem_the_run_waits_on(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})], problem=NETWORK)]

    async def scenario() -> None:
        start(console)
        await until(lambda: console.controller.problems.waiting)
        messages.info("Settings saved.")
        await until(lambda: len(console.controller.problems.entries) >= 2)
        assert "Network error" in console.window.message_bar.text.text()
        assert console.window.message_bar.retry_button.isVisibleTo(console.window)
        console.controller.stop()
        await console.controller.task

    drive(scenario())


def test_refused_actions_are_shown_as_a_warning(console, drive) -> None:
    console.controller.on_event(
        Problem(
            "refused",
            "The console refused the action: the target is on the console window",
            can_retry=False,
        )
    )
    state = bar_state(console)
    assert state["level"] == "warning" and state["text"].startswith("Refused: The console refused")
    assert state["dismiss"] and not state["stop"]


def test_a_run_that_cannot_start_says_why(console, drive) -> None:
    async def failing(**_: Any) -> Any:
        raise RuntimeError("the local engine did not start within 60 s")

    console.controller.make_loop = failing

    async def scenario() -> None:
        start(console)
        await console.controller.task

    drive(scenario())
    state = bar_state(console)
    assert state["text"] == "The run could not start."
    assert "did not start within 60 s" in console.window.message_bar.detail.toPlainText()
    assert console.window.start_button.isEnabled()


def test_the_corner_fail_safe_stops_the_run_without_asking(console, script, drive) -> None:
    failsafe = Problem(
        "failsafe",
        "Stopped by the fail-safe: the pointer is in a screen corner.",
        "FailSafeTriggered: click at (5, 5): pyautogui's fail-safe fired (the pointer is in a "
        "screen corner)",
        can_retry=False,
    )
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})], problem=failsafe)]

    async def scenario() -> Any:
        start(console)
        return await console.controller.task

    result = drive(scenario())
    assert result.status == "stopped" and script.loop.problem_choices == ["stop"]
    state = bar_state(console)
    assert state["text"].startswith("Emergency stop: the mouse was moved into a screen corner")
    assert not state["retry"]
