"""Supervising on one screen, offscreen: the compact panel, the overlay's hiding, the smaller
fixes (a failure said once, the local profile's model box, focus in the task box)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from console_app.agent.events import RunResult
from console_app.core.overlay import ImageSpace, overlay_for
from console_app.core.settings import Settings, Supervision
from console_app.ui.console.compact_panel import MAX_WIDTH_FRACTION, dock_rect
from console_app.ui.console.supervision import FULL_WINDOW_GONE_S
from console_app.ui.desktop.exclusion import frame_rect
from console_app.ui.main import build_console
from console_app.ui.widgets.desktop_overlay import desktop_transform
from console_app.ui.widgets.mask_marks import MASK_LABEL, mask_rects_in_image
from tests.gui.conftest import Script, until
from tests.gui.fakes import FakeLoop, Turn, make_shot, proposal

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def compact_console(qtbot: Any, aloop: Any, script: Script) -> Any:
    async def make_loop(*, model: str | None = None, **hooks: Any) -> FakeLoop:
        script.made += 1
        script.loop = FakeLoop(
            script.turns, shot=script.shot or make_shot(), final=script.final, model=model, **hooks
        )
        return script.loop

    settings = Settings(supervision=Supervision(compact="always"))
    built = build_console(make_loop=make_loop, settings=settings, global_hotkey=False)
    window = built.window
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    yield built
    aloop.run_until_complete(built.aclose())
    aloop.run_until_complete(asyncio.sleep(0.02))
    window.allow_close = True


def test_the_dock_is_a_narrow_full_height_column_on_the_chosen_edge() -> None:
    screen = QRect(0, 0, 1920, 1080)
    right = dock_rect(screen, "right")
    assert right.width() <= 0.25 * 1920 and right.width() >= 300
    assert right.right() == 1919 and right.top() == 0 and right.height() == 1080
    left = dock_rect(screen, "left")
    assert left.left() == 0 and left.width() == right.width()
    # A second monitor at a negative offset: the dock stays on that monitor.
    other = dock_rect(QRect(-1280, 0, 1280, 1024), "right")
    assert other.right() == -1 and other.width() == max(int(1280 * MAX_WIDTH_FRACTION), 300)


def test_a_run_collapses_to_the_panel_and_enter_there_approves(
    compact_console: Any, script: Script, drive: Any
) -> None:
    console = compact_console
    sup = console.supervision
    panel = sup.panel
    script.turns = [
        Turn(
            [proposal({"type": "click", "x": 100, "y": 200})],
            reasoning="The OK button is at the bottom.",
            message="Clicking OK.",
        )
    ]

    async def scenario() -> Any:
        console.window.task_box.setPlainText("click OK")
        QTest.mouseClick(console.window.start_button, Qt.MouseButton.LeftButton)
        await until(lambda: console.controller.approval.pending, what="an approval")
        assert sup.compact and panel.isVisible() and not console.window.isVisible()
        assert "Step 1: click at (100, 200)" in panel.step.text()
        assert "waiting for your approval" in panel.windowTitle()
        assert panel.approve_button.isEnabled()
        assert "OK button" in panel.details.toPlainText()
        assert "Clicking OK." in panel.details.toPlainText()
        pixmap = panel.thumbnail.pixmap()
        assert pixmap is not None and not pixmap.isNull()
        # The panel itself was masked in the capture: the live view and the thumbnail say so.
        assert sup.last_mask and sup.mask_marks.image_rects
        assert panel.mask_hint.isVisibleTo(panel)
        # Reasoning / message collapse and come back.
        panel.details_toggle.click()
        assert not panel.details.isVisible()
        panel.details_toggle.click()
        assert panel.details.isVisible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        panel.grab().save(str(ARTIFACTS / "compact-panel-offscreen.png"))
        panel.activateWindow()
        await until(panel.isActiveWindow, what="the panel to be active")
        QTest.keyClick(panel, Qt.Key.Key_Return)
        return await console.controller.task

    result = drive(scenario())
    assert result.status == "succeeded"
    assert script.loop.executed == [{"type": "click", "x": 100, "y": 200, "button": "left"}]
    # The full window is back when the run ends.
    assert console.window.isVisible() and not panel.isVisible() and not sup.compact


def test_full_window_on_demand_and_back(compact_console: Any, script: Script, drive: Any) -> None:
    console = compact_console
    sup = console.supervision
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})])]

    async def scenario() -> Any:
        console.window.task_box.setPlainText("go")
        QTest.mouseClick(console.window.start_button, Qt.MouseButton.LeftButton)
        await until(lambda: console.controller.approval.pending, what="an approval")
        sup.panel.full_button.click()
        assert console.window.isVisible() and not sup.panel.isVisible()
        sup.show_compact()
        assert sup.panel.isVisible() and not console.window.isVisible()
        sup.panel.skip_button.click()
        return await console.controller.task

    drive(scenario())


class ServerView:
    """What the X server says of a window: still mapped (``shown``) or not."""

    def __init__(self) -> None:
        self.shown: set[int] = set()

    def on_screen(self, window: int) -> bool:
        return window in self.shown


def test_the_first_capture_waits_for_the_full_window_to_leave_the_screen(
    compact_console: Any,
) -> None:
    """Qt hides the full window at once, the screen later: the capture waits for it to go (the
    first screenshot of a run once carried the task box, and the engine clicked a word in it)
    and masks it if it does not."""
    console = compact_console
    sup = console.supervision
    server = ServerView()
    own = int(console.window.winId())
    server.shown.add(own)
    sup.focus.x11 = server
    try:
        sup.show_compact()
        assert not console.window.isVisible()
        frame = frame_rect(console.window)
        assert frame is not None
        started = time.monotonic()
        assert frame in console.controller.exclusion()  # never went: masked after the wait
        assert time.monotonic() - started >= FULL_WINDOW_GONE_S
        threading.Timer(0.1, server.shown.discard, (own,)).start()  # the WM catches up
        started = time.monotonic()
        assert frame not in console.controller.exclusion()  # gone: the app beneath is seen
        assert time.monotonic() - started < FULL_WINDOW_GONE_S
        sup.show_full()
        server.shown.add(own)
        assert console.controller.exclusion().count(frame) == 1  # shown: masked once
    finally:
        sup.focus.x11 = None


def test_masked_areas_are_labelled_in_the_thumbnail() -> None:
    shot = make_shot(1280, 720)
    # The monitor is 1920×1080 physical; the console column on its right edge.
    rects = mask_rects_in_image(
        [(1500, 0, 420, 1080), (5000, 0, 10, 10)], shot.mapping, (1280, 720)
    )
    assert len(rects) == 1  # the one off the monitor is dropped
    r = rects[0]
    assert (round(r.left()), round(r.top()), round(r.width()), round(r.height())) == (
        1000,
        0,
        280,
        720,
    )
    assert "hidden from the model" in MASK_LABEL


def test_desktop_overlay_geometry_matches_the_capture() -> None:
    shot = make_shot(1280, 720)
    rect, transform = desktop_transform(shot.mapping, 1280, 720)
    source = shot.mapping.source
    assert (rect.width(), rect.height()) == (source.width, source.height)  # ratio 1 offscreen
    # A click at model pixel (100, 200) is drawn where the input will land.
    space = ImageSpace.of(shot)
    overlay = overlay_for(proposal({"type": "click", "x": 100, "y": 200}), space)
    cross = overlay.shapes[0]
    point = transform.map(cross.x, cross.y)
    landed = shot.mapping.to_screen(100, 200)
    assert abs(rect.x() + point.x() - landed[0]) <= 1.5
    assert abs(rect.y() + point.y() - landed[1]) <= 1.5


def test_the_overlay_is_hidden_before_every_capture_and_execution(
    compact_console: Any, script: Script, drive: Any
) -> None:
    console = compact_console
    sup = console.supervision
    overlay = sup.overlay
    overlay.enabled = True  # offscreen keeps it off; here only its hiding is under test
    shot = make_shot()
    item = overlay_for(proposal({"type": "click", "x": 10, "y": 10}), ImageSpace.of(shot))
    overlay.show_action([(item, "proposed")], shot.mapping, (shot.width, shot.height))
    assert overlay.isVisible()
    g = overlay.frameGeometry()
    rects = console.controller.exclusion()  # what the loop calls before capture / execution
    assert not overlay.isVisible()
    assert (g.x(), g.y(), g.width(), g.height()) not in rects  # never masks the desktop


def test_a_failure_is_said_once(console: Any, script: Script, drive: Any) -> None:
    reason = "Could not find the text 'Frobnicate' on the screen."
    script.turns = [Turn([], message=reason)]
    script.final = RunResult("run_fake", "failed", reason, reason, 1)

    async def scenario() -> Any:
        console.window.task_box.setPlainText('check "Frobnicate"')
        QTest.mouseClick(console.window.start_button, Qt.MouseButton.LeftButton)
        return await console.controller.task

    drive(scenario())
    live = console.window.live
    shown = [
        live.result.text(),
        live.message.toPlainText(),
        console.window.message_bar.text.text() if console.window.message_bar.isVisible() else "",
        console.window.message_bar.detail.toPlainText(),
    ]
    assert sum(text.count("Frobnicate") for text in shown) == 1, shown
    assert "without success" in live.result.text()


def test_the_local_profile_shows_no_lightcone_model(console: Any) -> None:
    combo = console.window.model_combo
    assert combo.currentText() == "local engine"
    assert all("tzafon" not in combo.itemText(i) for i in range(combo.count()))


def test_an_activated_idle_console_types_into_the_task_box(console: Any) -> None:
    window = console.window
    window.start_button.setFocus()
    console.supervision._focus_window_changed(window.windowHandle())
    assert QApplication.focusWidget() is window.task_box


def test_the_overlay_follows_a_monitor_left_of_the_primary_with_scale_2() -> None:
    from console_app.capture.mapping import ViewportMapping
    from console_app.capture.monitors import Monitor

    monitor = Monitor(index=2, left=-2560, top=0, width=2560, height=1440, scale=2.0)
    mapping = ViewportMapping(viewport_width=1280, viewport_height=720, monitor=monitor)
    screens = [(QRect(0, 0, 1920, 1080), 1.0), (QRect(-1280, 0, 1280, 720), 2.0)]
    rect, transform = desktop_transform(mapping, 1280, 720, screens)
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (-1280, 0, 1280, 720)
    space = ImageSpace(1280, 720)
    cross = overlay_for(proposal({"type": "click", "x": 100, "y": 200}), space).shapes[0]
    point = transform.map(cross.x, cross.y)
    physical = ((rect.x() + point.x()) * 2.0, (rect.y() + point.y()) * 2.0)
    landed = mapping.to_screen(100, 200)
    assert abs(physical[0] - landed[0]) <= 2 and abs(physical[1] - landed[1]) <= 2


def test_a_console_on_another_monitor_stays_full_and_masks_nothing_there(
    console: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console_app.capture import monitors
    from console_app.capture.monitors import Monitor
    from console_app.ui.console import supervision

    monkeypatch.setattr(supervision, "REAL_DESKTOPS", ("offscreen",))  # pretend a desktop
    sup = console.supervision
    window = console.window
    window.setGeometry(100, 100, 800, 600)  # the console on monitor 1 (0..1920)
    two = [
        Monitor(index=1, left=0, top=0, width=1920, height=1080, is_primary=True),
        Monitor(index=2, left=1920, top=0, width=1920, height=1080),
    ]
    monkeypatch.setattr(monitors, "list_monitors", lambda: two)
    profile = console.profiles.profile
    console.profiles.settings = console.profiles.settings.with_profile(
        profile.model_copy(update={"monitor": 2})
    )
    assert not sup.agent_on_console_monitor()  # the agent works on monitor 2
    shot_on_2 = make_shot(1280, 720)
    from console_app.capture.mapping import ViewportMapping

    mapping = ViewportMapping(viewport_width=1280, viewport_height=720, monitor=two[1])
    masked = mask_rects_in_image(console.controller.exclusion(), mapping, (1280, 720))
    assert masked == []  # nothing of the agent's monitor is hidden
    assert shot_on_2.width == 1280
    console.profiles.settings = console.profiles.settings.with_profile(profile)
    assert sup.agent_on_console_monitor()


def test_the_view_menu_turns_the_overlay_and_the_panel_off(console: Any) -> None:
    sup = console.supervision
    sup.overlay_setting.setChecked(False)
    assert not sup.overlay.enabled
    assert console.profiles.settings.supervision.desktop_overlay is False
    sup.compact_setting.setChecked(False)
    assert console.profiles.settings.supervision.compact == "never"
    sup.dock_left_setting.setChecked(True)
    assert sup.options.dock_edge == "left"


def test_supervision_settings_survive_the_settings_file(tmp_path: Path) -> None:
    from console_app.core.settings_store import SettingsStore

    store = SettingsStore(tmp_path / "settings.json")
    chosen = Supervision(compact="never", dock_edge="left", desktop_overlay=False)
    store.save(Settings(supervision=chosen))
    loaded = SettingsStore(tmp_path / "settings.json").load()
    assert loaded.supervision == chosen
    assert loaded.with_profile(loaded.profiles[0]).supervision == chosen


def test_offscreen_there_is_no_desktop_to_dock_on(console: Any) -> None:
    # The GUI suite runs offscreen even when an X display exists (CI): no compact panel.
    assert not console.supervision.agent_on_console_monitor()


def test_a_report_from_a_thread_after_the_focus_object_is_gone_is_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The tracker and key-grab threads report through `SupervisorFocus`; a console torn down
    while one reported raised "Signal source has been deleted" in that thread (logged as a
    failed listener). Now the report is dropped, and close() detaches the tracker first."""
    import shiboken6

    from console_app.executor.x11_windows import ActiveWindowTracker
    from console_app.ui.desktop.focus_guard import ConsoleWindows
    from console_app.ui.desktop.window_tracker import SupervisorFocus

    focus = SupervisorFocus(ConsoleWindows())
    seen: list[object] = []
    focus.targetChanged.connect(seen.append)
    focus._target_changed(0x400001)
    assert seen == [0x400001]  # alive: reported

    tracker: Any = ActiveWindowTracker.__new__(ActiveWindowTracker)
    tracker._lock, tracker._last = threading.Lock(), None
    tracker.on_change = focus._target_changed
    shiboken6.delete(focus)  # the console and its QObjects are gone, the thread is not
    with caplog.at_level("DEBUG"):
        tracker.set_last(0x400002)  # what the tracker's thread does on a change
        focus._approval_key("enter")
    assert "listener failed" not in caplog.text
    assert seen == [0x400001]

    live = SupervisorFocus(ConsoleWindows())
    live.tracker = tracker
    tracker.on_change = live._target_changed
    tracker.stop = lambda: None
    live.close()
    assert tracker.on_change is None
