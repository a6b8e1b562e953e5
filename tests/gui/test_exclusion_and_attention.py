"""Self-exclusion rectangles, asking for attention, the hotkey's fallback, the session lifecycle."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QWidget

from console_app.core.records import MemoryRecorder
from console_app.core.settings import Profile
from console_app.ui.console.engine_lifecycle import SessionManager
from console_app.ui.desktop.exclusion import physical_rect, window_rects
from console_app.ui.desktop.hotkey import GlobalHotkey
from tests.gui.conftest import until
from tests.gui.fakes import Turn, proposal
from tests.gui.test_approval import key, start, waiting


def test_physical_rect_scales_around_the_screen_origin_and_rounds_outwards() -> None:
    assert physical_rect(QRect(10, 20, 300, 200), 0, 0, 1.0) == (10, 20, 300, 200)
    assert physical_rect(QRect(10, 20, 300, 200), 0, 0, 2.0) == (20, 40, 600, 400)
    assert physical_rect(QRect(1930, 5, 10, 10), 1920, 0, 1.5) == (2895, 7, 15, 16)


def test_the_console_window_is_masked_before_every_capture_and_execution(
    console, script, drive
) -> None:
    script.turns = [
        Turn([proposal({"type": "click", "x": 1, "y": 1})]),
        Turn([proposal({"type": "click", "x": 2, "y": 2})]),
    ]
    window = console.window
    window.move(300, 40)

    async def scenario() -> None:
        start(console)
        await waiting(console)
        key(console, Qt.Key.Key_Return)
        await until(lambda: len(script.loop.executed) == 1)
        window.move(500, 60)  # the mask follows the window
        await waiting(console)
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    frame = window.frameGeometry()
    expected_last = (frame.x(), frame.y(), frame.width(), frame.height())
    captures_and_runs = script.loop.exclusions
    assert len(captures_and_runs) == 4  # capture, execute, capture, execute
    assert all(len(rects) >= 1 for rects in captures_and_runs)
    assert expected_last in captures_and_runs[-1]
    assert window_rects([window]) == [expected_last]


def test_hidden_windows_are_not_masked(qtbot) -> None:
    shown, hidden = QWidget(), QWidget()
    qtbot.addWidget(shown)
    qtbot.addWidget(hidden)
    shown.setGeometry(10, 10, 100, 80)
    shown.show()
    qtbot.waitExposed(shown)
    frame = shown.frameGeometry()
    assert (frame.x(), frame.y(), frame.width(), frame.height()) in window_rects()
    assert window_rects([hidden]) == []


def test_attention_is_requested_when_an_action_waits_and_the_console_is_not_active(
    console, script, drive, qtbot
) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})])]
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: other.isActiveWindow())
    assert not console.window.isActiveWindow()

    async def scenario() -> None:
        console.window.task_box.setPlainText("task")
        console.controller.start()
        await waiting(console)
        console.controller.approval.approve()
        await console.controller.task

    drive(scenario())
    assert console.controller.attention.alerts == 1


def test_no_attention_request_while_the_console_is_focused(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})])]
    assert console.window.isActiveWindow()

    async def scenario() -> None:
        start(console)
        await waiting(console)
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    assert console.controller.attention.alerts == 0


def test_the_global_hotkey_degrades_with_a_clear_status_off_x11(qapp) -> None:
    hotkey = GlobalHotkey()
    assert hotkey.start() is False  # the GUI suite runs on the offscreen platform
    assert "unavailable" in hotkey.status and "Ctrl+Alt+Escape" in hotkey.status
    hotkey.stop()


class FakeSession:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.backend = "http://127.0.0.1:4567"
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


def test_the_session_opens_once_per_profile_and_closes_on_change(qapp, drive) -> None:
    opened: list[FakeSession] = []
    statuses: list[str] = []

    async def opener(profile: Profile, recorder: Any) -> FakeSession:
        opened.append(FakeSession(profile))
        return opened[-1]

    manager = SessionManager(MemoryRecorder(), opener)
    manager.statusChanged.connect(statuses.append)
    local, remote = Profile(name="local"), Profile(name="work", kind="lightcone")

    async def scenario() -> None:
        first, again = await manager.ensure(local), await manager.ensure(local)
        assert first is again and len(opened) == 1
        await manager.ensure(remote)
        assert opened[0].closed and len(opened) == 2
        await manager.close()
        assert opened[1].closed and manager.session is None

    drive(scenario())
    assert statuses[0] == "Starting the local engine…"
    assert statuses[1] == "Local engine ready (http://127.0.0.1:4567)"
    assert "Connecting to work…" in statuses


def test_a_failed_engine_start_is_reported(qapp, drive) -> None:
    failures: list[tuple[str, str]] = []

    async def opener(profile: Profile, recorder: Any) -> Any:
        raise RuntimeError("the local engine exited with code 1")

    manager = SessionManager(MemoryRecorder(), opener)
    manager.failed.connect(lambda text, detail: failures.append((text, detail)))

    async def scenario() -> None:
        try:
            await manager.ensure(Profile(name="local"))
        except RuntimeError:
            return
        raise AssertionError("ensure should have raised")

    drive(scenario())
    assert failures == [
        (
            "The local engine could not be started.",
            "RuntimeError: the local engine exited with code 1",
        )
    ]
