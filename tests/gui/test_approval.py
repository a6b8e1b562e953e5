"""The approval bar through the real window: keys, gating, edit mode, auto-approve."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from console_app.agent.decisions import Approve, Edit, Reject, Skip
from console_app.core.actions import Click, Drag, Keypress, TypeText
from tests.gui.conftest import until
from tests.gui.fakes import Turn, make_shot, proposal


def start(console: Any, task: str = "File the order") -> None:
    console.window.task_box.setPlainText(task)
    QTest.mouseClick(console.window.start_button, Qt.MouseButton.LeftButton)


async def waiting(console: Any) -> Any:
    await until(lambda: console.controller.approval.pending, what="an approval request")
    await until(lambda: console.window.screenshot.canvas.image_size() is not None, what="image")
    return console.controller.approval


def key(console: Any, k: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(console.window, k, modifier)


def click_image(console: Any, ix: float, iy: float) -> None:
    canvas = console.window.screenshot.canvas
    point = canvas.image_to_view(ix, iy)
    QTest.mouseClick(
        canvas,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(round(point.x()), round(point.y())),
    )


def test_enter_approves_and_the_overlay_shows_the_proposal(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 100, "y": 200})])]

    async def scenario() -> Any:
        start(console)
        await waiting(console)
        ((overlay, style),) = console.window.screenshot.canvas.overlays()
        assert style == "proposed" and overlay.caption == "click at (100, 200)"
        assert "click at (100, 200)" in console.window.approval.title.text()
        assert console.window.approval.approve_button.isEnabled()
        key(console, Qt.Key.Key_Return)
        return await console.controller.task

    result = drive(scenario())
    assert result.status == "succeeded"
    assert script.loop.decisions == [Approve(acknowledged=(), remember_type=False)]
    assert script.loop.executed == [{"type": "click", "x": 100, "y": 200, "button": "left"}]
    assert not console.window.approval.approve_button.isEnabled()  # idle again


def test_escape_rejects_with_the_feedback_line_and_s_skips(console, script, drive) -> None:
    script.turns = [
        Turn([proposal({"type": "click", "x": 1, "y": 2}), proposal({"type": "type", "text": "x"})])
    ]

    async def scenario() -> None:
        start(console)
        await waiting(console)
        console.window.approval.feedback.setText("wrong button, use Save")
        console.window.activateWindow()
        key(console, Qt.Key.Key_Escape)
        await until(lambda: len(script.loop.decisions) == 1)
        await waiting(console)
        assert console.window.approval.feedback.text() == ""  # cleared for the next action
        key(console, Qt.Key.Key_S)
        await console.controller.task

    drive(scenario())
    assert script.loop.decisions == [Reject("wrong button, use Save"), Skip()]
    assert script.loop.executed == []
    steps = [console.window.timeline_model.step(r) for r in range(2)]
    assert [s.decision for s in steps] == ["rejected", "skipped"]


def test_enter_in_the_feedback_line_rejects_instead_of_approving(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 2})])]

    async def scenario() -> None:
        start(console)
        await waiting(console)
        line = console.window.approval.feedback
        line.setFocus()
        QTest.keyClicks(line, "not there")
        QTest.keyClick(line, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    assert script.loop.decisions == [Reject("not there")]


def test_edit_moves_a_click_target_to_where_the_screenshot_is_clicked(console, script, drive):
    script.turns = [Turn([proposal({"type": "click", "x": 100, "y": 200})])]

    async def scenario() -> None:
        start(console)
        approval = await waiting(console)
        key(console, Qt.Key.Key_E)
        assert approval.editing and console.window.screenshot.canvas.editing
        click_image(console, 640.4, 300.6)
        styles = [style for _, style in console.window.screenshot.canvas.overlays()]
        assert styles == ["ghost", "edited"]  # the original stays visible, faded
        assert console.window.approval.approve_button.text().startswith("Run edited")
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    (decision,) = script.loop.decisions
    assert isinstance(decision, Edit)
    assert isinstance(decision.action, Click)
    assert (abs(decision.action.x - 640) <= 1, abs(decision.action.y - 300) <= 1) == (True, True)
    assert script.loop.executed[0]["x"] == decision.action.x
    assert console.window.timeline_model.step(0).decision == "edited"


def test_edit_in_a_normalized_profile_gives_thousandths(console, script, drive) -> None:
    script.shot = make_shot(normalized=True)
    script.turns = [Turn([proposal({"type": "double_click", "x": 10, "y": 10})])]

    async def scenario() -> None:
        start(console)
        await waiting(console)
        key(console, Qt.Key.Key_E)
        click_image(console, 640, 360)
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    action = script.loop.decisions[0].action
    assert action.type == "double_click"
    assert abs(action.x - 500) <= 2 and abs(action.y - 500) <= 2


def test_edit_a_drag_takes_two_clicks_start_then_end(console, script, drive) -> None:
    script.turns = [
        Turn([proposal({"type": "drag", "path": [{"x": 1, "y": 1}, {"x": 5, "y": 5}]})])
    ]

    async def scenario() -> None:
        start(console)
        await waiting(console)
        key(console, Qt.Key.Key_E)
        click_image(console, 100, 100)
        assert "end point" in console.window.approval.edit_hint.text()
        click_image(console, 400, 250)
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    action = script.loop.decisions[0].action
    assert isinstance(action, Drag)
    (a, b) = action.path
    assert (
        abs(a.x - 100) <= 1 and abs(a.y - 100) <= 1 and abs(b.x - 400) <= 1 and abs(b.y - 250) <= 1
    )


def test_edit_text_and_keys_and_invalid_edits_are_shown_inline(console, script, drive) -> None:
    script.turns = [
        Turn(
            [
                proposal({"type": "type", "text": "helo"}),
                proposal({"type": "keypress", "keys": ["ctrl", "a"]}),
            ]
        )
    ]

    async def scenario() -> None:
        start(console)
        await waiting(console)
        bar = console.window.approval
        key(console, Qt.Key.Key_E)
        assert bar.text_edit.isVisible() and not bar.keys_edit.isVisible()
        assert bar.text_edit.text() == "helo"
        bar.text_edit.selectAll()
        QTest.keyClicks(bar.text_edit, "hello")
        QTest.keyClick(bar.text_edit, Qt.Key.Key_Return)
        await until(lambda: len(script.loop.decisions) == 1)
        await waiting(console)
        key(console, Qt.Key.Key_E)
        assert bar.keys_edit.isVisible() and bar.keys_edit.text() == "ctrl+a"
        bar.keys_edit.setText("ctrl+nosuchkey")
        QTest.keyClick(bar.keys_edit, Qt.Key.Key_Return)
        assert "unknown key" in bar.edit_error.text()
        assert console.controller.approval.pending  # nothing was decided
        bar.keys_edit.setText("ctrl+shift+c")
        QTest.keyClick(bar.keys_edit, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    first, second = script.loop.decisions
    assert first == Edit(TypeText(text="hello"))
    assert isinstance(second.action, Keypress) and second.action.keys == ["ctrl", "shift", "c"]


def test_escape_in_edit_mode_leaves_edit_mode_without_deciding(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 9, "y": 9})])]

    async def scenario() -> None:
        start(console)
        approval = await waiting(console)
        key(console, Qt.Key.Key_E)
        click_image(console, 500, 500)
        console.window.activateWindow()
        key(console, Qt.Key.Key_Escape)
        assert not approval.editing and approval.pending
        assert [s for _, s in console.window.screenshot.canvas.overlays()] == ["proposed"]
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    assert script.loop.decisions == [Approve()]
    assert script.loop.executed[0]["x"] == 9  # the abandoned edit did not leak


def test_approve_waits_for_every_safety_check(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 3, "y": 4}, checks=("sc_1", "sc_2"))])]

    async def scenario() -> None:
        start(console)
        await waiting(console)
        bar = console.window.approval
        assert bar.checks_box.isVisible() and len(bar.check_boxes) == 2
        assert not bar.approve_button.isEnabled()
        assert "tick the safety checks first" in bar.approve_button.text()
        key(console, Qt.Key.Key_Return)  # ignored: checks not ticked
        await until(lambda: True)
        assert console.controller.approval.pending and script.loop.decisions == []
        bar.check_boxes[0].setChecked(True)
        assert not bar.approve_button.isEnabled()
        bar.check_boxes[1].setChecked(True)
        assert bar.approve_button.isEnabled()
        QTest.mouseClick(bar.approve_button, Qt.MouseButton.LeftButton)
        await console.controller.task

    drive(scenario())
    assert script.loop.decisions == [Approve(acknowledged=("sc_1", "sc_2"))]


def test_a_non_executable_proposal_cannot_be_approved_but_can_be_repaired(console, script, drive):
    broken = proposal(
        None,
        error="click action is missing the field 'y'",
        raw_type="click",
        raw={"type": "click", "x": 20},
    )
    script.turns = [Turn([broken, proposal(None)])]

    async def scenario() -> None:
        start(console)
        approval = await waiting(console)
        bar = console.window.approval
        assert not bar.approve_button.isEnabled()
        assert bar.reject_button.isEnabled() and bar.skip_button.isEnabled()
        assert bar.edit_button.isEnabled() and not bar.auto_approve.isEnabled()
        ((overlay, _),) = console.window.screenshot.canvas.overlays()
        assert overlay.shapes[0].tone == "error"
        key(console, Qt.Key.Key_Return)
        assert approval.pending  # Enter does not approve what cannot run
        key(console, Qt.Key.Key_E)
        click_image(console, 200, 300)
        assert bar.approve_button.isEnabled()
        key(console, Qt.Key.Key_Return)
        await until(lambda: len(script.loop.decisions) == 1)
        await waiting(console)
        key(console, Qt.Key.Key_E)  # an unknown type has nothing to repair
        key(console, Qt.Key.Key_Return)
        assert "unknown action type" in bar.edit_error.text()
        key(console, Qt.Key.Key_Escape)
        key(console, Qt.Key.Key_Escape)
        await console.controller.task

    drive(scenario())
    repaired, rejected = script.loop.decisions
    assert isinstance(repaired, Edit) and repaired.action.type == "click"
    assert abs(repaired.action.x - 200) <= 1 and abs(repaired.action.y - 300) <= 1
    assert rejected == Reject(None)


def test_auto_approve_this_type_is_passed_to_the_loop_and_shown(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "scroll", "x": 5, "y": 5, "scroll_y": 3})])]

    async def scenario() -> None:
        start(console)
        await waiting(console)
        bar = console.window.approval
        assert "scroll" in bar.auto_approve.text()
        bar.auto_approve.setChecked(True)
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    assert script.loop.decisions == [Approve(acknowledged=(), remember_type=True)]
    label = console.window.run_controls.auto_types
    assert label.isVisibleTo(console.window) and "scroll" in label.text()


def test_approval_keys_are_off_while_nothing_waits(console, script, drive) -> None:
    """Enter must type a newline in the task box when idle, not trigger an approval."""
    box = console.window.task_box
    box.setFocus()
    QTest.keyClicks(box, "line one")
    QTest.keyClick(box, Qt.Key.Key_Return)
    QTest.keyClicks(box, "line two")
    assert box.toPlainText() == "line one\nline two"
    assert script.made == 0


def test_zoomed_view_maps_edit_clicks_to_the_same_model_pixels(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 10, "y": 10})])]
    view = console.window.screenshot

    async def scenario() -> None:
        start(console)
        await waiting(console)
        key(console, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        assert view.canvas.zoom is not None and view.zoom_label.text().endswith("%")
        view.set_zoom(2.0)
        assert view.canvas.size().width() == 2560  # 1280 px at 200 %
        view.scroll_area.ensureVisible(1400, 900)
        key(console, Qt.Key.Key_E)
        click_image(console, 700.5, 450.5)
        key(console, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # back to fit
        assert view.canvas.zoom is None and view.fit_button.isChecked()
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    action = script.loop.decisions[0].action
    assert (action.x, action.y) == (700, 450)
