"""Both dialects map onto one normalised Action; anything incomplete is shown, never executed."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from console_app.api.calls import normalize_call, proposals
from console_app.api.normalize import normalize_action
from console_app.api.types import ComputerCallItem, Response
from console_app.core.action_fields import Point
from console_app.core.actions import (
    Action,
    ActionValidationError,
    Answer,
    Click,
    Done,
    DoubleClick,
    Drag,
    HScroll,
    KeyDown,
    Keypress,
    KeyUp,
    MouseDown,
    MouseUp,
    Move,
    Navigate,
    PointAndType,
    RightClick,
    Screenshot,
    Scroll,
    Terminate,
    TripleClick,
    TypeText,
    Wait,
    build_action,
)
from console_app.core.proposal import SafetyCheck
from tests.unit.api.seed_examples import realistic

# What the Lightcone backend sends for fields an action does not use: Go zero values.
GO_ZERO: dict[str, Any] = {
    "button": "",
    "end_x": 0,
    "end_y": 0,
    "keys": None,
    "result": "",
    "scroll_x": 0,
    "scroll_y": 0,
    "status": "",
    "text": "",
    "url": "",
    "x": 0,
    "y": 0,
}


def lc(kind: str, **fields: Any) -> dict[str, Any]:
    return {**GO_ZERO, "type": kind, **fields}


def call(action: Any, **extra: Any) -> ComputerCallItem:
    return ComputerCallItem.model_validate(
        {"type": "computer_call", "id": "cu_1", "call_id": "call_1", "action": action, **extra}
    )


def P(x: float, y: float) -> Point:
    return Point(x=x, y=y)


LIGHTCONE_17: list[tuple[dict[str, Any], Action]] = [
    (lc("click", x=640, y=88), Click(x=640, y=88)),
    (lc("double_click", x=100, y=200), DoubleClick(x=100, y=200)),
    (lc("triple_click", x=100, y=200), TripleClick(x=100, y=200)),
    (lc("right_click", x=5, y=6), RightClick(x=5, y=6)),
    (lc("type", text="Alan Turing"), TypeText(text="Alan Turing")),
    (lc("key", keys=["ctrl", "c"]), Keypress(keys=["ctrl", "c"])),
    (lc("keypress", keys=["Return"]), Keypress(keys=["enter"])),
    (lc("key_down", keys=["shift"]), KeyDown(keys=["shift"])),
    (lc("key_up", keys=["Shift_L"]), KeyUp(keys=["shift"])),
    (lc("scroll", x=640, y=400, scroll_y=5), Scroll(x=640, y=400, scroll_y=5)),
    (lc("hscroll", x=640, y=400, scroll_x=-3), HScroll(x=640, y=400, scroll_x=-3)),
    (
        lc("navigate", url="https://en.wikipedia.org/wiki/Alan_Turing"),
        Navigate(url="https://en.wikipedia.org/wiki/Alan_Turing"),
    ),
    (lc("drag", x=10, y=20, end_x=300, end_y=40), Drag(path=[P(10, 20), P(300, 40)])),
    (lc("wait"), Wait()),
    (
        lc("terminate", status="success", result="Found the article"),
        Terminate(status="success", result="Found the article"),
    ),
    (lc("answer", result="1912"), Answer(result="1912")),
    (lc("done", text="All set"), Done(text="All set")),
]

OPENAI: list[tuple[dict[str, Any], Action]] = [
    ({"type": "click", "button": "left", "x": 1, "y": 2}, Click(x=1, y=2)),
    ({"type": "click", "button": "right", "x": 1, "y": 2}, RightClick(x=1, y=2)),
    ({"type": "click", "button": "wheel", "x": 1, "y": 2}, Click(x=1, y=2, button="middle")),
    ({"type": "click", "button": "back", "x": 1, "y": 2}, Click(x=1, y=2, button="back")),
    ({"type": "click", "button": "forward", "x": 1, "y": 2}, Click(x=1, y=2, button="forward")),
    ({"type": "double_click", "x": 3, "y": 4}, DoubleClick(x=3, y=4)),
    (
        {"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 5, "y": 6}, {"x": 9, "y": 9}]},
        Drag(path=[P(1, 2), P(5, 6), P(9, 9)]),
    ),
    ({"type": "keypress", "keys": ["CTRL", "SHIFT", "T"]}, Keypress(keys=["ctrl", "shift", "t"])),
    ({"type": "move", "x": 7, "y": 8}, Move(x=7, y=8)),
    ({"type": "screenshot"}, Screenshot()),
    (
        {"type": "scroll", "x": 640, "y": 360, "scroll_x": 0, "scroll_y": -4},
        Scroll(x=640, y=360, scroll_y=-4),
    ),
    ({"type": "type", "text": "hello\nworld"}, TypeText(text="hello\nworld")),
    ({"type": "wait"}, Wait()),
    (
        {"type": "point_and_type", "x": 50, "y": 60, "text": "query"},
        PointAndType(x=50, y=60, text="query"),
    ),
    ({"type": "mouse_down", "x": 10, "y": 11}, MouseDown(x=10, y=11)),
    ({"type": "mouse_up", "x": 12, "y": 13}, MouseUp(x=12, y=13)),
    ({"type": "key_down", "keys": ["Alt"]}, KeyDown(keys=["alt"])),
    ({"type": "key_up", "keys": ["Alt"]}, KeyUp(keys=["alt"])),
]


def wire_id(value: Any) -> str:
    if isinstance(value, dict):
        return "-".join(str(value[k]) for k in ("type", "button") if value.get(k))
    return type(value).__name__


@pytest.mark.parametrize(("wire", "expected"), LIGHTCONE_17, ids=wire_id)
def test_every_lightcone_type_with_go_zero_values(wire: dict[str, Any], expected: Action) -> None:
    proposal = normalize_call(call(wire))
    assert proposal.executable, proposal.error
    assert proposal.action == expected
    assert proposal.raw == wire and proposal.raw_type == wire["type"]
    assert proposal.call_id == "call_1" and proposal.item_id == "cu_1"


LIGHTCONE_TYPES = [
    "click",
    "double_click",
    "triple_click",
    "right_click",
    "type",
    "key",
    "keypress",
    "key_down",
    "key_up",
    "scroll",
    "hscroll",
    "navigate",
    "drag",
    "wait",
    "terminate",
    "answer",
    "done",
]


def test_the_lightcone_table_covers_all_17_types() -> None:
    assert len(LIGHTCONE_TYPES) == 17
    assert sorted(w["type"] for w, _ in LIGHTCONE_17) == sorted(LIGHTCONE_TYPES)


@pytest.mark.parametrize(("wire", "expected"), OPENAI, ids=wire_id)
def test_every_openai_action_class(wire: dict[str, Any], expected: Action) -> None:
    proposal = normalize_call(call(wire, pending_safety_checks=[], status="completed"))
    assert proposal.executable, proposal.error
    assert proposal.action == expected


@pytest.mark.parametrize(
    "wire",
    [
        {"type": "drag", "x": 1, "y": 2, "end_x": 3, "end_y": 4},
        lc("drag", x=1, y=2, end_x=3, end_y=4),
        {"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]},
        {"type": "drag", "path": [[1, 2], [3, 4]]},
        {"type": "drag", "x": 1, "y": 2, "path": [{"x": 3, "y": 4}]},
        {"type": "drag", "x1": 1, "y1": 2, "x2": 3, "y2": 4},
        {"type": "drag", "start_x": 1, "start_y": 2, "end_x": 3, "end_y": 4},
    ],
)
def test_drag_in_every_shape(wire: dict[str, Any]) -> None:
    assert normalize_call(call(wire)).action == Drag(path=[P(1, 2), P(3, 4)])


@pytest.mark.parametrize(
    "keys", [["ctrl", "c"], "ctrl+c", '["ctrl", "c"]', ["ctrl+c"], "Control+C", ["Control_L", "C"]]
)
def test_keys_in_every_shape(keys: Any) -> None:
    assert normalize_call(call({"type": "keypress", "keys": keys})).action == Keypress(
        keys=["ctrl", "c"]
    )


def test_a_key_action_may_name_its_keys_key() -> None:
    assert normalize_action({"type": "key", "key": "ctrl++"}) == {
        "type": "keypress",
        "keys": ["ctrl", "+"],
    }


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ({"type": "left_click", "x": 1, "y": 2}, Click(x=1, y=2)),
        ({"type": "CLICK", "x": 1, "y": 2}, Click(x=1, y=2)),
        ({"type": "middle_click", "x": 1, "y": 2}, Click(x=1, y=2, button="middle")),
        ({"type": "middle-click", "x": 1, "y": 2}, Click(x=1, y=2, button="middle")),
        ({"type": "mouse_move", "x": 1, "y": 2}, Move(x=1, y=2)),
        ({"type": "goto", "url": "example.com"}, Navigate(url="https://example.com")),
        ({"type": "click", "coordinate": [5, 6]}, Click(x=5, y=6)),
        ({"type": "click", "x": 1.5, "y": 2.25}, Click(x=1.5, y=2.25)),
        ({"type": "wait", "ms": 1500}, Wait(seconds=1.5)),
        ({"type": "wait", "duration": 2}, Wait(seconds=2)),
        ({"type": "terminate", "status": "failed"}, Terminate(status="failure")),
        ({"type": "terminate", "status": True}, Terminate(status="success")),
        ({"type": "answer", "text": "Paris"}, Answer(result="Paris")),
        ({"type": "scroll", "scroll_y": 3}, Scroll(scroll_y=3)),
    ],
)
def test_spellings_seen_in_the_wild(wire: dict[str, Any], expected: Action) -> None:
    assert normalize_call(call(wire)).action == expected


BAD: list[tuple[Any, str]] = [
    ({"type": "click", "y": 5}, "x"),
    ({"type": "click", "x": None, "y": 5}, "x"),
    ({"type": "click", "x": True, "y": 5}, "x"),
    ({"type": "click", "x": "5", "y": 5}, "x"),
    ({"type": "click", "x": math.nan, "y": 5}, "x"),
    ({"type": "click", "x": math.inf, "y": 5}, "x"),
    ({"type": "click", "x": [5], "y": 5}, "x"),
    ({"type": "click", "x": 5}, "y"),
    ({"type": "click", "x": 1, "y": 2, "button": "thumb"}, "button"),
    ({"type": "double_click", "x": 1}, "y"),
    ({"type": "move", "coordinate": [1]}, "x"),
    ({"type": "mouse_down", "y": 1}, "x"),
    ({"type": "type"}, "text"),
    ({"type": "type", "text": ""}, "text"),
    ({"type": "type", "text": 5}, "text"),
    ({"type": "point_and_type", "x": 1, "y": 2}, "text"),
    ({"type": "keypress"}, "keys"),
    ({"type": "keypress", "keys": []}, "keys"),
    ({"type": "keypress", "keys": ["ctrl", "nosuchkey"]}, "keys"),
    ({"type": "keypress", "keys": "ctrl+"}, "keys"),
    ({"type": "keypress", "keys": [["ctrl"]]}, "keys"),
    ({"type": "key_down", "keys": 5}, "keys"),
    ({"type": "navigate"}, "url"),
    ({"type": "navigate", "url": "javascript:alert(1)"}, "url"),
    ({"type": "navigate", "url": "file:///etc/passwd"}, "url"),
    ({"type": "navigate", "url": "https://a b"}, "url"),
    ({"type": "drag", "x": 1, "y": 2, "end_x": 3}, "end_y"),
    ({"type": "drag", "end_x": 3, "end_y": 4}, "x"),
    ({"type": "drag", "x1": 1, "y1": 2, "x2": 3}, "y2"),
    ({"type": "drag", "path": [{"x": 1, "y": 2}]}, "path"),
    ({"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 3}]}, "path"),
    ({"type": "drag", "path": [{"x": 1, "y": 2}, {"x": "3", "y": 4}]}, "path"),
    ({"type": "drag", "path": "1,2 3,4"}, "path"),
    ({"type": "scroll", "x": 1, "y": 2}, "scroll_y"),
    ({"type": "scroll", "x": 1, "y": 2, "scroll_x": 0, "scroll_y": 0}, "scroll_y"),
    ({"type": "scroll", "x": 1, "scroll_y": 2}, "y"),
    ({"type": "scroll", "scroll_y": math.nan}, "scroll_y"),
    ({"type": "hscroll", "x": 1, "y": 2}, "scroll_x"),
    ({"type": "wait", "seconds": "5"}, "seconds"),
    ({"type": "wait", "seconds": 120}, "seconds"),
    ({"type": "answer"}, "result"),
    ({"type": "fly_to_the_moon", "x": 1, "y": 2}, "type"),
    ({"x": 1, "y": 2}, "type"),
    ({"type": 5, "x": 1, "y": 2}, "type"),
    ({"type": "", "x": 1, "y": 2}, "type"),
    (None, "action"),
    (["click", 1, 2], "action"),
    ("click 1 2", "action"),
]


@pytest.mark.parametrize(("wire", "field"), BAD, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD)])
def test_an_incomplete_action_is_an_error_naming_the_field(wire: Any, field: str) -> None:
    proposal = normalize_call(call(wire))
    assert not proposal.executable and proposal.action is None
    assert proposal.error_field == field
    assert proposal.error is not None
    assert re.search(rf"\b{field}\b", proposal.error), proposal.error  # the message names it
    assert proposal.summary().startswith("not executable")
    with pytest.raises(ActionValidationError) as caught:
        build_action(normalize_action(wire))
    assert caught.value.field == field


def test_missing_coordinates_are_never_defaulted_to_zero() -> None:
    for kind in ("click", "double_click", "triple_click", "right_click", "move", "mouse_down"):
        for present in ({}, {"x": 10}, {"y": 10}):
            proposal = normalize_call(call({"type": kind, **present}))
            assert proposal.action is None, (kind, present)
            assert proposal.error is not None and "missing the field" in proposal.error


def test_pending_safety_checks_are_carried_on_the_proposal() -> None:
    response = Response.model_validate(realistic("openai_computer_call.json"))
    [proposal] = proposals(response)
    assert proposal.executable
    assert proposal.pending_safety_checks == (
        SafetyCheck(
            id="cu_sc_67ccd2c2d4c08190",
            code="malicious_instructions",
            message=response.computer_calls()[0].pending_safety_checks[0].message,  # type: ignore[index]
        ),
    )


def test_a_safety_check_that_cannot_be_acknowledged_blocks_the_action() -> None:
    proposal = normalize_call(
        call({"type": "click", "x": 1, "y": 2}, pending_safety_checks=[{"code": "x"}])
    )
    assert not proposal.executable and proposal.error_field == "pending_safety_checks"


def test_a_safety_check_on_an_invalid_action_is_still_carried() -> None:
    checks = [{"id": "sc_1", "code": "sensitive_domain", "message": "banking site"}]
    proposal = normalize_call(call({"type": "click", "x": 1}, pending_safety_checks=checks))
    assert not proposal.executable
    assert [c.id for c in proposal.pending_safety_checks] == ["sc_1"]


def test_only_computer_calls_become_proposals_in_order() -> None:
    response = Response.model_validate(
        {
            "id": "r",
            "output": [
                {"type": "message", "role": "assistant", "content": "on it"},
                {
                    "type": "computer_call",
                    "call_id": "a",
                    "action": {"type": "click", "x": 1, "y": 2},
                },
                {"type": "reasoning", "action": {"type": "click", "x": 9, "y": 9}},
                {"type": "web_search_call", "action": {"type": "click", "x": 9, "y": 9}},
                {"type": "computer_call", "call_id": "b", "action": {"type": "type", "text": "hi"}},
                {"type": "computer_call", "call_id": "c", "action": {"type": "teleport"}},
            ],
        }
    )
    got = proposals(response)
    assert [p.call_id for p in got] == ["a", "b", "c"]
    assert [p.executable for p in got] == [True, True, False]
    assert got[2].kind == "teleport"
    assert got[2].summary() == "not executable (teleport): unknown action type 'teleport'"
    assert got[0].summary() == "click at (1, 2)"


def test_a_realistic_lightcone_step() -> None:
    response = Response.model_validate(realistic("lightcone_computer_call.json"))
    [proposal] = proposals(response)
    assert proposal.action == Click(x=640, y=88, button="left")
    assert proposal.pending_safety_checks == ()


def test_a_realistic_drag_with_a_path() -> None:
    response = Response.model_validate(realistic("openai_drag.json"))
    [proposal] = proposals(response)
    assert proposal.action == Drag(path=[P(100, 220), P(260, 230), P(480, 236)])
