"""The console supervising a real run: real window, real local engine, real input, one screen.

Layout on the 1920×1080 Xvfb screen: the target app on the left, the console on the right
(x ≥ 1152). The console starts the local engine itself (the local profile) and records to a
real history database. The test decides every step *through the console's UI* — keyboard
shortcuts on the window, the Approve button, clicks on the screenshot view — never by calling
the loop:

1. ``click OK``: first edited onto the console's own window → refused with a message; then the
   engine proposes it again → approved with Enter.
2. ``type "Ada" into Name`` expands to a click on the Name field → edited onto the Address
   field (a click on the screenshot), and the typing → approved with the Approve button.
3. ``click Submit`` → rejected with Esc and feedback (a command, so the engine re-plans).

Then the target app's event log must show exactly the approved and edited actions, and every
screenshot the engine received (the history stores the bytes that were sent) must be black
where the console is.
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import qasync
from PIL import Image
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest

from console_app.agent.events import LoopState
from console_app.core.settings import Settings, Supervision
from console_app.history.store import HistoryStore
from console_app.ui.console.screenshot_controller import shot_key
from console_app.ui.desktop.hotkey import GlobalHotkey
from console_app.ui.main import build_console

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CONSOLE_GEOMETRY = (1152, 0, 768, 1040)
TARGET_GEOMETRY = (20, 60, 1080, 760)
TASK = 'click OK; type "Ada" into Name; click Submit'


async def until(predicate: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


class StallMeter:
    """Measures the GUI thread's responsiveness: the longest gap between 10 ms timer ticks."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0
        self.stalls: list[tuple[int, str]] = []
        self.label: Callable[[], str] = lambda: ""

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self.last
        self.worst = max(self.worst, gap)
        if gap > 0.04:
            self.stalls.append((round(gap * 1000), self.label()))
        self.last = now

    def stop(self) -> float:
        self.timer.stop()
        return self.worst


@pytest.fixture
def aloop(qapp: Any) -> Any:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()  # joins the default executor's threads (the engine was started in one)
    asyncio.set_event_loop(None)


def test_supervising_a_run_through_the_console(qapp, qtbot, aloop, start_target_app, tmp_path):
    target = start_target_app(geometry=TARGET_GEOMETRY)
    history = HistoryStore(tmp_path / "history.db")
    # This test drives the full window (edits on its screenshot view): no compact panel.
    full_window = Settings(supervision=Supervision(compact="never"))
    console = build_console(recorder=history, settings=full_window, global_hotkey=False)
    window = console.window
    qtbot.addWidget(window)
    window.setGeometry(*CONSOLE_GEOMETRY)
    window.show()
    qtbot.waitExposed(window)
    controller = console.controller
    approval = controller.approval
    canvas = window.screenshot.canvas
    meter = StallMeter()
    meter.label = lambda: f"{controller.state.value}/{len(requests)}"
    requests: list[Any] = []
    real_ask = approval.ask

    async def recording_ask(request: Any) -> Any:
        requests.append(request)
        return await real_ask(request)

    approval.ask = recording_ask  # type: ignore[method-assign]  # observe, not decide

    def focus_console() -> None:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=3000)

    async def next_request(summary_start: str) -> Any:
        count = len(requests)
        await until(lambda: len(requests) > count and approval.pending, 30, summary_start)
        request = requests[-1]
        assert request.proposal.summary().startswith(summary_start), request.proposal.summary()
        key = shot_key(request.screenshot.data)
        await until(lambda: controller.screen._shown_key == key, 5, "the request's screenshot")
        return request

    def click_screenshot_at_screen(request: Any, sx: float, sy: float) -> None:
        """Click the screenshot view where the screen pixel (sx, sy) is shown."""
        mapping = request.screenshot.mapping
        ix = (sx + 0.5) * request.screenshot.width / mapping.source.width
        iy = (sy + 0.5) * request.screenshot.height / mapping.source.height
        view = canvas.image_to_view(ix, iy)
        QTest.mouseClick(
            canvas,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            QPoint(round(view.x()), round(view.y())),
        )

    async def scenario() -> Any:
        meter.start()  # from here on the GUI thread must never stall
        console.profiles.open_current()  # the local profile: the console starts the engine
        await until(lambda: console.sessions.session is not None, 60, "the local engine")
        assert "Local engine ready" in window.engine_status.text()
        window.task_box.setPlainText(TASK)
        QTest.mouseClick(window.start_button, Qt.MouseButton.LeftButton)

        # 1. click OK — first moved onto the console itself: refused.
        request = await next_request("click at")
        focus_console()
        QTest.keyClick(window, Qt.Key.Key_E)
        click_screenshot_at_screen(request, 1500, 500)  # inside the console window
        QTest.keyClick(window, Qt.Key.Key_Return)
        await until(lambda: "Refused" in window.message_bar.text.text(), 15, "the refusal")
        # The engine proposes the same click again; approve it with Enter.
        await next_request("click at")
        focus_console()
        QTest.keyClick(window, Qt.Key.Key_Return)

        # 2a. the click on the Name field → moved onto the Address field.
        request = await next_request("click at")
        focus_console()
        QTest.keyClick(window, Qt.Key.Key_E)
        click_screenshot_at_screen(request, *target.center("address_bar"))
        QTest.keyClick(window, Qt.Key.Key_Return)
        # 2b. typing "Ada" → approved with the Approve button.
        await next_request('type "Ada"')
        QTest.mouseClick(window.approval.approve_button, Qt.MouseButton.LeftButton)

        # 3. click Submit → rejected with feedback that re-plans the rest.
        await next_request("click at")
        focus_console()
        window.approval.feedback.setText('check "Target App"')
        window.activateWindow()
        QTest.keyClick(window, Qt.Key.Key_Escape)
        first = await asyncio.wait_for(controller.task, 30)
        await until(lambda: window.start_button.isEnabled(), 5, "idle")

        # A second run, stopped at its first approval with the Stop button.
        window.task_box.setPlainText("click Submit")
        QTest.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
        await next_request("click at")
        QTest.mouseClick(window.run_controls.stop_button, Qt.MouseButton.LeftButton)
        second = await asyncio.wait_for(controller.task, 15)
        return first, second

    try:
        result, stopped = aloop.run_until_complete(asyncio.wait_for(scenario(), 100))
        worst_stall = meter.stop()
        target.sync()
    finally:
        aloop.run_until_complete(console.aclose())
        window.allow_close = True
    assert console.sessions.session is None  # the engine was stopped with the console

    # The run, as the console saw it.
    assert result.status == "succeeded", result
    steps = history.steps_of(result.run_id)
    decisions = [(s.decision, s.execution) for s in steps]
    assert decisions == [
        ("edited", "refused"),
        ("approved", "done"),
        ("edited", "done"),
        ("approved", "done"),
        ("rejected", "none"),
        ("final", "none"),
    ], decisions

    # Stop: the run is in the history as stopped, its action never ran.
    assert stopped.status == "stopped"
    summary = history.get_run(stopped.run_id)
    assert summary is not None and summary.status == "stopped"
    assert [s.decision for s in history.steps_of(stopped.run_id)] == ["stopped"]

    # The target app saw exactly the approved and edited actions.
    events = target.all_events()
    clicked = [e["widget"] for e in events if e["event"] == "clicked"]
    assert clicked == ["ok_button"]
    texts = [(e["widget"], e["text"]) for e in events if e["event"] == "text"]
    assert texts and texts[-1] == ("address_bar", "Ada")
    assert all(widget == "address_bar" for widget, _ in texts)  # never typed into Name
    presses = [e.get("widget") for e in events if e["event"] == "press"]
    assert "submit_button" not in presses
    assert presses == ["ok_button", "address_bar"], presses
    # Deciding with the keyboard focused the console; before each action the focus guard
    # handed the keyboard back to the target app (else "Ada" would have gone to the console).
    assert controller.focus_guard.restored >= 1

    # No pixel of the console reached the engine: its rectangle is black in every image sent.
    left, top, width, height = CONSOLE_GEOMETRY
    for step in steps:
        data = history.load_screenshot(step)
        assert data, f"step {step.index} has no stored screenshot"
        image = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
        scale_x, scale_y = image.shape[1] / 1920, image.shape[0] / 1080
        x0, x1 = int((left + 3) * scale_x) + 1, int((left + width - 3) * scale_x) - 1
        y0, y1 = int((top + 3) * scale_y) + 1, int((top + height - 3) * scale_y) - 1
        region = image[y0:y1, x0:x1]
        assert region.size > 0
        assert int(region.max()) <= 24, f"step {step.index}: console pixels in the image"
        outside = image[:, : int(left * scale_x) - 2]
        assert float(outside.mean()) > 60  # the target app is visible, not blacked out too

    print(
        f"\nlargest GUI stall during the run: {worst_stall * 1000:.0f} ms; over 40 ms: "
        f"{meter.stalls}"
    )
    assert worst_stall < 0.3, f"the GUI thread stalled for {worst_stall * 1000:.0f} ms"


def test_the_global_emergency_hotkey_fires_while_another_app_has_focus(
    qapp, qtbot, start_target_app
):
    target = start_target_app(geometry=TARGET_GEOMETRY)
    target.focus("line_edit")
    hotkey = GlobalHotkey()
    try:
        assert hotkey.start(), hotkey.status
        with qtbot.waitSignal(hotkey.triggered, timeout=5000):
            subprocess.run(["xdotool", "key", "ctrl+alt+Escape"], check=True, timeout=10)
    finally:
        hotkey.stop()
    # The grab took the chord: the focused app never saw Escape.
    target.sync()
    escapes = [e for e in target.input_events() if e.get("key_enum") == "Key_Escape"]
    assert escapes == []
    # Control: without the grab the same chord reaches the app (so the check above can fail).
    mark = target.mark()
    subprocess.run(["xdotool", "key", "ctrl+alt+Escape"], check=True, timeout=10)
    target.sync()
    seen = [e for e in target.input_events(since=mark) if e.get("key_enum") == "Key_Escape"]
    assert seen, "the target app should see Ctrl+Alt+Escape once the hotkey is released"


def test_focus_is_handed_back_before_keys_are_sent(qapp, qtbot, start_target_app):
    """An approved keystroke must go to the target app, not to the console that was clicked."""
    from console_app.executor.keyboard_focus import KeyboardFocusGuard
    from console_app.ui.console.console_view import MainWindow

    target = start_target_app(geometry=TARGET_GEOMETRY)
    target.focus("line_edit")
    window = MainWindow()
    qtbot.addWidget(window)
    window.setGeometry(*CONSOLE_GEOMETRY)
    window.show()
    qtbot.waitExposed(window)
    guard = KeyboardFocusGuard(lambda: {int(window.winId())})
    try:
        assert guard.available, guard.status
        target.command("focus", name="line_edit")
        time.sleep(0.2)
        guard.note()  # at capture time the target app has the focus
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=3000)
        assert guard.check() is None
        assert guard.restored == 1
        subprocess.run(["xdotool", "type", "--delay", "20", "hey"], check=True, timeout=10)
        target.sync(0.3)
        texts = [e for e in target.events("text") if e["widget"] == "line_edit"]
        assert texts and texts[-1]["text"] == "hey"
        assert window.task_box.toPlainText() == ""
    finally:
        guard.close()
        window.allow_close = True


def test_stop_hotkey_state_is_shown(qapp, qtbot) -> None:
    """On X11 the run controls say the emergency hotkey is armed."""
    console = build_console(settings=Settings(), global_hotkey=True)
    qtbot.addWidget(console.window)
    try:
        assert console.hotkey is not None and console.hotkey.active
        assert "Ctrl+Alt+Escape" in console.window.run_controls.hotkey.text()
    finally:
        console.hotkey.stop()
        console.controller.focus_guard.close()
        console.controller.problems.close()
        console.window.allow_close = True
        assert console.controller.state == LoopState.IDLE


def test_the_console_app_starts_the_local_engine_and_stops_it_on_exit(tmp_path) -> None:
    """``console-app`` with no sub-command: window, local engine started, Ctrl+Q quits, the
    engine process is gone afterwards and the log (in the user log dir) says so."""
    import os
    import sys

    import psutil

    home = tmp_path / "home"
    token = "engine-token-that-must-never-be-logged-5f3a"
    env = dict(
        os.environ, CONSOLE_APP_HOME=str(home), QT_QPA_PLATFORM="xcb", CONSOLE_ENGINE_TOKEN=token
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "console_app", "--profile", "local"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log_file = home / "logs" / "console.log"
    try:
        deadline = time.monotonic() + 60
        while "local engine ready" not in (log_file.read_text() if log_file.exists() else ""):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the local engine did not start"
            time.sleep(0.2)
        engines = [
            child
            for child in psutil.Process(process.pid).children(recursive=True)
            if "engine" in " ".join(child.cmdline())
        ]
        assert len(engines) == 1, [c.cmdline() for c in engines]
        window_id = subprocess.run(
            ["xdotool", "search", "--pid", str(process.pid), "--name", "Operator Console"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.split()[0]
        subprocess.run(["xdotool", "windowfocus", "--sync", window_id], check=True, timeout=10)
        subprocess.run(["xdotool", "key", "ctrl+q"], check=True, timeout=10)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert not engines[0].is_running() or engines[0].status() == psutil.STATUS_ZOMBIE
    log = log_file.read_text()
    assert "starting the console" in log and "the console closed" in log
    assert token not in log and token not in (home / "logs" / "engine.log").read_text()


def test_keys_are_refused_when_focus_cannot_leave_the_console(qapp, qtbot) -> None:
    """Fail closed: with the console focused and nowhere to hand focus back to, the keyboard
    action is refused — never typed into the console."""
    from console_app.executor.keyboard_focus import KeyboardFocusGuard
    from console_app.ui.console.console_view import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.setGeometry(*CONSOLE_GEOMETRY)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    guard = KeyboardFocusGuard(lambda: {int(window.winId())}, owner="console")
    try:
        assert guard.available, guard.status
        refusal = guard.check()  # nothing noted: no window of the agent's to go back to
        assert refusal is not None and "console" in refusal
        guard.note()  # the console is focused: it is never remembered as the agent's window
        assert guard.remembered is None
    finally:
        guard.close()
        window.allow_close = True
