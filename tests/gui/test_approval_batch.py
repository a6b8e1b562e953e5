"""The approval bar for a batched call and for held keys: every action listed and numbered on
the screenshot, approve all / the first N, held keys as chips with the crosshair."""

from __future__ import annotations

import asyncio
from typing import Any

from console_app.agent.decisions import ApprovalRequest, Approve
from console_app.api.calls import normalize_calls
from console_app.api.types.items import ComputerCallItem
from console_app.core.overlay import Banner, Crosshair, KeyChips
from console_app.ui.console.approval_controller import ApprovalController
from console_app.ui.console.approval_view import ApprovalBar
from tests.gui.conftest import until
from tests.gui.fakes import make_shot

ACTIONS = [
    {"type": "click", "x": 100, "y": 200, "button": "left", "keys": ["SHIFT"]},
    {"type": "type", "text": "hello"},
    {"type": "wait"},
]


def batch_request(index: int = 0) -> ApprovalRequest:
    batch = tuple(normalize_calls(ComputerCallItem(call_id="c1", actions=ACTIONS)))
    return ApprovalRequest("r", index, batch[index], make_shot(), batch=batch)


def controller(qtbot: Any) -> ApprovalController:
    bar = ApprovalBar()
    qtbot.addWidget(bar)
    bar.show()
    return ApprovalController(bar)


def test_a_batch_is_listed_numbered_and_approve_all_covers_the_rest(qtbot, drive) -> None:
    approval = controller(qtbot)

    async def scenario() -> Any:
        task = asyncio.ensure_future(approval.ask(batch_request()))
        await until(lambda: approval.pending, what="the request")
        bar = approval.bar
        assert bar.batch_box.isVisible() and bar.batch_count.maximum() == 3
        note = bar.note.text()
        assert "3 actions" in note
        assert "▶ 1. click at (100, 200) holding Shift" in note
        assert '2. type "hello"' in note and "3. wait" in note
        overlays = approval.overlays()
        assert [style for _, style in overlays] == ["ghost", "ghost", "proposed"]
        current = overlays[-1][0]
        (cross,) = current.of_type(Crosshair)
        assert cross.label == "1. Shift+click"
        assert current.of_type(KeyChips) == [KeyChips("hold", ("Shift",))]
        wait_banner = overlays[1][0].of_type(Banner)[0]
        assert wait_banner.text.startswith("3. wait")
        bar.approve_all_button.click()
        return await task

    assert drive(scenario()) == Approve(acknowledged=(), remember_type=False, count=3)


def test_approve_the_first_n(qtbot, drive) -> None:
    approval = controller(qtbot)

    async def scenario() -> Any:
        task = asyncio.ensure_future(approval.ask(batch_request(1)))
        await until(lambda: approval.pending, what="the request")
        assert approval.bar.batch_count.maximum() == 2
        approval.bar.batch_count.setValue(2)
        approval.approve()
        return await task

    assert drive(scenario()) == Approve(acknowledged=(), remember_type=False, count=2)


def test_a_single_action_has_no_batch_controls(qtbot, drive) -> None:
    approval = controller(qtbot)
    (single,) = normalize_calls(
        ComputerCallItem(call_id="c", action={"type": "click", "x": 1, "y": 2, "keys": ["ctrl"]})
    )

    async def scenario() -> Any:
        task = asyncio.ensure_future(approval.ask(ApprovalRequest("r", 0, single, make_shot())))
        await until(lambda: approval.pending, what="the request")
        assert not approval.bar.batch_box.isVisible()
        assert approval.bar.title.text() == "Step 1: click at (1, 2) holding Ctrl"
        approval.approve()
        return await task

    assert drive(scenario()) == Approve(acknowledged=(), remember_type=False, count=None)


def test_the_history_lists_every_action_of_a_batched_call() -> None:
    from console_app.agent.history_describe import item_summary

    kind, text = item_summary(ComputerCallItem(call_id="c1", actions=ACTIONS))
    assert kind == "computer_call"
    assert text == 'batch of 3: 1. click at (100, 200) holding Shift; 2. type "hello"; 3. wait'


def test_edit_one_action_can_drop_or_change_held_keys(qtbot, drive) -> None:
    from console_app.agent.decisions import Edit
    from console_app.core.actions import Click

    approval = controller(qtbot)

    async def scenario() -> Any:
        task = asyncio.ensure_future(approval.ask(batch_request()))
        await until(lambda: approval.pending, what="the request")
        approval.toggle_edit()
        assert approval.bar.keys_edit.text() == "shift"
        approval.bar.keys_edit.setText("ctrl+alt")
        assert approval.build_edit() == Click(x=100, y=200, keys=["ctrl", "alt"])
        approval.bar.keys_edit.setText("")
        approval.confirm_edit()
        return await task

    decision = drive(scenario())
    assert isinstance(decision, Edit) and decision.action == Click(x=100, y=200)


def test_the_profile_form_edits_the_api_field(qtbot) -> None:
    from console_app.core.settings import Profile
    from console_app.ui.settings.form import ProfileForm

    form = ProfileForm()
    qtbot.addWidget(form)
    profile = Profile(name="p", kind="openai", base_url="http://x", model="m", api="openai")
    form.set_values(profile.model_dump(), "")
    assert form.values()["api"] == "openai"
    form.api.setCurrentIndex(form.api.findData(""))
    assert form.values()["api"] is None
    assert Profile.model_validate({**profile.model_dump(), **form.values()}).api is None


def test_a_long_batch_lists_a_window_around_the_current_action() -> None:
    from console_app.ui.console.approval_controller import BATCH_LINES, batch_listing

    actions = [{"type": "wait", "seconds": n} for n in range(30)]
    batch = tuple(normalize_calls(ComputerCallItem(call_id="c1", actions=actions)))
    text = batch_listing(ApprovalRequest("r", 10, batch[10], None, batch=batch))
    lines = text.splitlines()
    assert lines[1] == "   … 8 earlier"
    assert "▶ 11. wait 10 s" in text and len(lines) == 2 + BATCH_LINES + 1
    assert lines[-1] == f"   … and {30 - 8 - BATCH_LINES} more (all numbered on the image)"
    last = batch_listing(ApprovalRequest("r", 29, batch[29], None, batch=batch))
    assert last.splitlines()[-1] == "▶ 30. wait 29 s"
