"""The normalised Action: every type describes itself, and every refusal names its field."""

from __future__ import annotations

import math
import typing
from typing import Any

import pytest
from pydantic import ValidationError

from console_app.core.action_fields import Point
from console_app.core.actions import (
    ACTION_TYPES,
    FINAL_ACTION_TYPES,
    POINTER_ACTION_TYPES,
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
    action_to_dict,
    build_action,
)
from console_app.core.describe import describe
from console_app.core.proposal import ProposedAction, SafetyCheck

DESCRIPTIONS: list[tuple[Action, str]] = [
    (Click(x=10, y=20), "click at (10, 20)"),
    (Click(x=10.5, y=20, button="middle"), "middle click at (10.5, 20)"),
    (Click(x=1, y=2, button="back"), "back click at (1, 2)"),
    (DoubleClick(x=1, y=2), "double click at (1, 2)"),
    (TripleClick(x=1, y=2), "triple click at (1, 2)"),
    (RightClick(x=1, y=2), "right click at (1, 2)"),
    (Move(x=3, y=4), "move at (3, 4)"),
    (MouseDown(x=3, y=4), "press left button at (3, 4)"),
    (MouseUp(x=3, y=4, button="right"), "release right button at (3, 4)"),
    (
        Drag(path=[Point(x=1, y=2), Point(x=5, y=5), Point(x=3, y=4)]),
        "drag (1, 2) → (3, 4)",
    ),
    (Scroll(x=5, y=6, scroll_y=3), "scroll down 3 at (5, 6)"),
    (Scroll(scroll_y=-2, scroll_x=4), "scroll up 2, right 4"),
    (HScroll(x=5, y=0, scroll_x=-7), "scroll left 7 at (5, 0)"),
    (TypeText(text="hello\nworld"), 'type "hello⏎world"'),
    (TypeText(text="x" * 100), 'type "' + "x" * 59 + '…"'),
    (PointAndType(x=1, y=2, text="q"), 'type "q" at (1, 2)'),
    (Keypress(keys=["ctrl", "shift", "t"]), "press Ctrl+Shift+T"),
    (KeyDown(keys=["shift"]), "hold Shift"),
    (KeyUp(keys=["shift"]), "release Shift"),
    (Navigate(url="https://example.com"), "go to https://example.com"),
    (Wait(), "wait"),
    (Wait(seconds=1.5), "wait 1.5 s"),
    (Screenshot(), "take a screenshot"),
    (Terminate(status="success", result="found it"), "finish (success): found it"),
    (Terminate(), "finish (no status)"),
    (Answer(result="1912"), "answer: 1912"),
    (Done(), "done"),
    (Done(text="all set"), "done: all set"),
]


@pytest.mark.parametrize(("action", "text"), DESCRIPTIONS, ids=lambda v: getattr(v, "type", ""))
def test_describe(action: Action, text: str) -> None:
    assert describe(action) == text


def test_every_type_is_described_and_round_trips() -> None:
    assert {a.type for a, _ in DESCRIPTIONS} == set(ACTION_TYPES)
    for action, _ in DESCRIPTIONS:
        assert build_action(action_to_dict(action)) == action


def test_the_type_lists_agree_with_the_union() -> None:
    union = typing.get_args(typing.get_args(Action)[0])
    assert sorted(m.model_fields["type"].default for m in union) == sorted(ACTION_TYPES)
    assert {"terminate", "answer", "done"} == FINAL_ACTION_TYPES
    assert set(ACTION_TYPES) >= POINTER_ACTION_TYPES | FINAL_ACTION_TYPES
    assert not POINTER_ACTION_TYPES & FINAL_ACTION_TYPES


def test_coordinates_serialise_as_given() -> None:
    assert action_to_dict(Click(x=1, y=2)) == {"type": "click", "button": "left", "x": 1, "y": 2}
    assert action_to_dict(Click(x=1.5, y=2)) == {
        "type": "click",
        "button": "left",
        "x": 1.5,
        "y": 2,
    }


INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"type": "click", "y": 1}, "x", "click action is missing the field 'x'"),
    ({"type": "click", "x": 1}, "y", "click action is missing the field 'y'"),
    ({"type": "click", "x": True, "y": 1}, "x", "click action field 'x': must be a number"),
    ({"type": "click", "x": "1", "y": 1}, "x", "click action field 'x': must be a number"),
    ({"type": "click", "x": math.nan, "y": 1}, "x", "field 'x': must be a finite number"),
    ({"type": "click", "x": 1, "y": 2, "z": 3}, "z", "click action has an unexpected field 'z'"),
    ({"type": "click", "x": 1, "y": 2, "button": "wheel"}, "button", "field 'button'"),
    ({"type": "type"}, "text", "type action is missing the field 'text'"),
    ({"type": "type", "text": ""}, "text", "type action field 'text'"),
    ({"type": "keypress", "keys": []}, "keys", "keypress action field 'keys'"),
    ({"type": "keypress", "keys": ["warp"]}, "keys", "unknown key 'warp'"),
    ({"type": "drag", "path": [{"x": 1, "y": 2}]}, "path", "drag action field 'path'"),
    ({"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 1}]}, "path", "'path.1.y'"),
    ({"type": "scroll", "x": 1, "y": 2}, "scroll_y", "scroll_y (or scroll_x) must be a non-zero"),
    ({"type": "scroll", "x": 1, "scroll_y": 2}, "y", "x and y must be given together"),
    ({"type": "scroll", "y": 1, "scroll_y": 2}, "x", "x and y must be given together"),
    ({"type": "hscroll", "scroll_x": 0}, "scroll_x", "scroll_x must be a non-zero amount"),
    ({"type": "navigate", "url": "ftp://example.com"}, "url", "only http and https"),
    ({"type": "navigate", "url": "javascript:alert(1)"}, "url", "only http and https"),
    ({"type": "navigate", "url": "   "}, "url", "navigate action field 'url'"),
    ({"type": "wait", "seconds": 61}, "seconds", "wait action field 'seconds'"),
    ({"type": "wait", "seconds": "5"}, "seconds", "must be a number of seconds"),
    ({"type": "wait", "seconds": True}, "seconds", "must be a number of seconds"),
    ({"type": "terminate", "status": "meh"}, "status", "terminate action field 'status'"),
    ({"type": "answer"}, "result", "answer action is missing the field 'result'"),
    ({"type": "warp", "x": 1}, "type", "unknown action type 'warp'"),
    ({"x": 1, "y": 2}, "type", "action has no type"),
]


@pytest.mark.parametrize(("data", "field", "message"), INVALID, ids=[d[1] for d in INVALID])
def test_validation_errors_name_the_field(data: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ActionValidationError) as caught:
        build_action(data)
    assert caught.value.field == field
    assert message in str(caught.value)
    if field != "type":
        assert caught.value.action_type == data["type"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=c", "https://example.com/a?b=c"),
        ("HTTP://EXAMPLE.COM", "HTTP://EXAMPLE.COM"),
        ("example.com", "https://example.com"),
        ("localhost:8080/x", "https://localhost:8080/x"),
        ("  https://example.com  ", "https://example.com"),
    ],
)
def test_navigate_accepts_web_urls(url: str, expected: str) -> None:
    action = build_action({"type": "navigate", "url": url})
    assert isinstance(action, Navigate) and action.url == expected


def test_actions_are_frozen() -> None:
    click = Click(x=1, y=2)
    with pytest.raises(ValidationError):
        click.x = 5  # type: ignore[misc]
    assert click.x == 1


def test_keys_are_canonical_inside_the_model() -> None:
    assert Keypress(keys=["Control_L", "Return"]).keys == ["ctrl", "enter"]


def test_a_proposal_holds_an_action_or_an_error_never_both_nor_neither() -> None:
    ok = ProposedAction(action=Click(x=1, y=2), call_id="c")
    bad = ProposedAction(error="no x", error_field="x", raw_type="click")
    assert ok.executable and ok.kind == "click" and ok.summary() == "click at (1, 2)"
    assert not bad.executable and bad.kind == "click"
    assert bad.summary() == "not executable (click): no x"
    assert ProposedAction(error="?").kind == "unknown"
    with pytest.raises(ValidationError):
        ProposedAction(action=Click(x=1, y=2), error="both")
    with pytest.raises(ValidationError):
        ProposedAction()
    assert SafetyCheck.model_validate({"id": "s", "unexpected": 1}).id == "s"
