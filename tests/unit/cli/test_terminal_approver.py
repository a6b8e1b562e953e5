"""The terminal prompt: every answer maps to the right decision; edits are validated."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from console_app.agent.decisions import ApprovalRequest, Approve, Edit, Reject, Skip, Stop
from console_app.api.calls import normalize_call
from console_app.api.types.items import ComputerCallItem
from console_app.cli.terminal_approver import TerminalApprover, edit_action
from console_app.core.action_fields import Point
from console_app.core.actions import Click, Drag, Keypress, TypeText


def request(action: dict, checks: list[dict] | None = None) -> ApprovalRequest:
    item = ComputerCallItem(call_id="c1", action=action, pending_safety_checks=checks)
    return ApprovalRequest(run_id="r", step_index=0, proposal=normalize_call(item), screenshot=None)


def approver(*answers: str, auto: bool = False, interactive: bool = True) -> TerminalApprover:
    feed: Iterator[str] = iter(answers)
    return TerminalApprover(
        auto=auto, interactive=interactive, out=io.StringIO(), reader=lambda prompt: next(feed)
    )


CLICK = {"type": "click", "x": 10, "y": 20}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["y"], Approve()),
        (["n"], Reject(None)),
        (["n use the Submit button"], Reject("use the Submit button")),
        (["s"], Skip()),
        (["q"], Stop()),
        (["?", "bogus", "y"], Approve()),  # help and unknown input ask again
        (["e 5 6"], Edit(Click(x=5, y=6))),
        (['e {"type": "type", "text": "hi"}'], Edit(TypeText(text="hi"))),
        (["e", "e nope", "y"], Approve()),  # an unusable edit asks again
    ],
)
async def test_answers_map_to_decisions(answers: list[str], expected: object) -> None:
    assert await approver(*answers)(request(CLICK)) == expected


async def test_eof_at_the_prompt_stops_the_run() -> None:
    def closed(prompt: str) -> str:
        raise EOFError

    quiet = TerminalApprover(interactive=True, out=io.StringIO(), reader=closed)
    assert await quiet(request(CLICK)) == Stop()


async def test_an_action_that_cannot_run_cannot_be_approved() -> None:
    decision = await approver("y", "n")(request({"type": "teleport"}))
    assert decision == Reject(None)


async def test_safety_checks_need_an_explicit_yes() -> None:
    checks = [{"id": "sc1", "message": "looks like a bank"}]
    assert await approver("", "y")(request(CLICK, checks)) == Reject(
        "The supervisor did not acknowledge the safety checks."
    )
    assert await approver("y", "y")(request(CLICK, checks)) == Approve(acknowledged=("sc1",))


async def test_auto_mode_approves_but_never_acknowledges_safety_checks_alone() -> None:
    assert await approver(auto=True, interactive=False)(request(CLICK)) == Approve()
    decision = await approver(auto=True, interactive=False)(request(CLICK, [{"id": "s"}]))
    assert isinstance(decision, Reject)


async def test_without_a_terminal_nothing_is_approved() -> None:
    assert isinstance(await approver(interactive=False)(request(CLICK)), Reject)


def test_edit_shorthands() -> None:
    drag = request({"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]})
    assert edit_action(drag, "30 40") == Drag(path=[Point(x=1, y=2), Point(x=30, y=40)])
    keys = request({"type": "keypress", "keys": ["ctrl", "c"]})
    assert edit_action(keys, "ctrl+shift+v") == Keypress(keys=["ctrl", "shift", "v"])
    typed = request({"type": "type", "text": "a"})
    assert edit_action(typed, '"hello world"') == TypeText(text="hello world")
    nav = request({"type": "navigate", "url": "a.com"})
    assert edit_action(nav, "b.org").url == "https://b.org"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="unknown key"):
        edit_action(keys, "ctrl+nosuchkey")
