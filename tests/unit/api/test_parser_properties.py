"""Property tests: random and mutated payloads never crash the parser, and an invalid action
never becomes executable.

"Invalid" is defined here, independently of ``api/normalize.py``: `surely_invalid` reads the
wire action the way the seeds document it and says when an action *cannot* be executed (a
coordinate that is missing, null, a bool, a string, NaN or infinite; a type nobody defines;
no text to type; no keys to press…). The code under test may refuse more, never less.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from console_app.api.answers import parse_model
from console_app.api.calls import normalize_call, proposals
from console_app.api.errors import APIResponseValidationError
from console_app.api.types import ComputerCallItem, Response
from console_app.core.actions import ActionValidationError, build_action
from console_app.core.proposal import ProposedAction
from tests.unit.api.seed_examples import REALISTIC, load_manifest, realistic

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------- strategies

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=16,
)
# Values that are not a usable coordinate, amount or text.
not_a_number = st.sampled_from(
    [None, True, False, "5", "", "NaN", math.nan, math.inf, -math.inf, [1], {"v": 1}]
).map(copy.deepcopy)  # fresh objects: a later mutation must not change the strategy itself
wire_fields = st.sampled_from(
    [
        "x",
        "y",
        "text",
        "keys",
        "key",
        "url",
        "button",
        "path",
        "end_x",
        "end_y",
        "scroll_x",
        "scroll_y",
        "x1",
        "y1",
        "x2",
        "y2",
        "seconds",
        "result",
        "status",
        "type",
        "coordinate",
    ]
)

VALID_ACTIONS: list[dict[str, Any]] = [
    {"type": "click", "x": 10, "y": 20},
    {"type": "click", "button": "right", "x": 10, "y": 20},
    {"type": "click", "button": "wheel", "x": 10.5, "y": 20},
    {"type": "double_click", "x": 1, "y": 2},
    {"type": "triple_click", "x": 1, "y": 2},
    {"type": "right_click", "x": 1, "y": 2},
    {"type": "move", "x": 3, "y": 4},
    {"type": "mouse_down", "x": 3, "y": 4},
    {"type": "mouse_up", "x": 3, "y": 4, "button": "left"},
    {"type": "point_and_type", "x": 3, "y": 4, "text": "hello"},
    {"type": "type", "text": "hello"},
    {"type": "key", "keys": ["ctrl", "c"]},
    {"type": "keypress", "keys": "ctrl+shift+t"},
    {"type": "key_down", "keys": '["shift"]'},
    {"type": "key_up", "keys": ["shift"]},
    {"type": "scroll", "x": 5, "y": 6, "scroll_x": 0, "scroll_y": 3},
    {"type": "hscroll", "x": 5, "y": 6, "scroll_x": -2},
    {"type": "navigate", "url": "https://example.com/a"},
    {"type": "drag", "x": 1, "y": 2, "end_x": 3, "end_y": 4},
    {"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]},
    {"type": "drag", "x1": 1, "y1": 2, "x2": 3, "y2": 4},
    {"type": "wait"},
    {"type": "screenshot"},
    {"type": "terminate", "status": "success", "result": "ok"},
    {"type": "answer", "result": "42"},
    {"type": "done", "text": "finished"},
]


def _mutate(draw: st.DrawFn, value: Any) -> Any:
    if isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value, key=str)))
        op = draw(st.sampled_from(["delete", "replace", "break", "descend", "add", "add_wire"]))
        if op == "delete":
            del value[key]
        elif op == "replace":
            value[key] = draw(json_values)
        elif op == "break":
            value[key] = draw(not_a_number)
        elif op == "descend":
            value[key] = _mutate(draw, value[key])
        elif op == "add":
            value[draw(st.text(max_size=8))] = draw(json_values)
        else:
            value[draw(wire_fields)] = draw(json_values | not_a_number)
        return value
    if isinstance(value, list) and value:
        index = draw(st.integers(0, len(value) - 1))
        op = draw(st.sampled_from(["delete", "replace", "descend", "duplicate"]))
        if op == "delete":
            del value[index]
        elif op == "replace":
            value[index] = draw(json_values)
        elif op == "descend":
            value[index] = _mutate(draw, value[index])
        else:
            value.append(copy.deepcopy(value[index]))
        return value
    return draw(json_values | not_a_number)


@st.composite
def mutated(draw: st.DrawFn, base: Any, max_rounds: int = 4) -> Any:
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_rounds))):
        value = _mutate(draw, value)
    return value


mutated_actions = st.sampled_from(VALID_ACTIONS).flatmap(lambda a: mutated(a))
unknown_types = st.text(min_size=1, max_size=10).map(lambda t: "zz_" + t)

# ---------------------------------------------------------------------- the oracle

POINTER = {
    "click",
    "double_click",
    "triple_click",
    "right_click",
    "move",
    "mouse_down",
    "mouse_up",
    "point_and_type",
}
KEYS = {"key", "keypress", "key_down", "key_up"}
DOCUMENTED = (
    POINTER
    | KEYS
    | {
        "type",
        "scroll",
        "hscroll",
        "navigate",
        "drag",
        "wait",
        "screenshot",
        "terminate",
        "answer",
        "done",
    }
)


def is_coordinate(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def surely_invalid(action: Any) -> str | None:
    """Why ``action`` cannot be executed, or None when it might be fine."""
    if not isinstance(action, dict):
        return "not an object"
    kind = action.get("type")
    if not isinstance(kind, str) or not kind.strip():
        return "no type"
    if kind.startswith("zz_"):
        return "a type nobody defines"
    kind = kind.strip().lower()
    if kind not in DOCUMENTED:
        return None  # may be an alias the normaliser knows; no claim
    uses_pair = "coordinate" in action or "coordinates" in action
    if kind in POINTER and not uses_pair:
        for name in ("x", "y"):
            if not is_coordinate(action.get(name)):
                return f"{name} is {action.get(name)!r}"
    if kind in ("type", "point_and_type"):
        text = action.get("text")
        if not isinstance(text, str) or not text:
            return "nothing to type"
    if kind in KEYS and action.get("keys") is None and action.get("key") is None:
        return "no keys"
    if kind == "navigate" and not isinstance(action.get("url"), str):
        return "no url"
    if kind == "scroll" and all(action.get(n) is None for n in ("scroll_x", "scroll_y")):
        return "no amount"
    if kind == "hscroll" and not is_coordinate(action.get("scroll_x")):
        return "no amount"
    if (
        kind == "drag"
        and action.get("path") is None
        and not any(k in action for k in ("x1", "y1", "x2", "y2"))
    ):
        for name in ("end_x", "end_y"):
            if not is_coordinate(action.get(name)):
                return f"{name} is {action.get(name)!r}"
    return None


def check(proposal: ProposedAction, action: Any) -> None:
    assert isinstance(proposal, ProposedAction)
    assert (proposal.action is None) != (proposal.error is None)
    reason = surely_invalid(action)
    if reason is not None:
        assert not proposal.executable, f"executable although {reason}: {action!r}"
    if proposal.action is None:
        return
    # An executable action carries exactly the coordinates it was given: nothing defaulted.
    kind = str(action["type"]).strip().lower()
    if kind in POINTER and "coordinate" not in action and "coordinates" not in action:
        assert (proposal.action.x, proposal.action.y) == (action["x"], action["y"])  # type: ignore[union-attr]
    if kind in ("type", "point_and_type"):
        assert proposal.action.text == action["text"]  # type: ignore[union-attr]


# ---------------------------------------------------------------------- actions


@PROPERTY
@given(json_values)
def test_any_json_as_an_action_is_never_executed_by_accident(action: Any) -> None:
    check(normalize_call(ComputerCallItem(call_id="c", action=action)), action)


@PROPERTY
@given(mutated_actions)
def test_mutated_actions_are_refused_when_invalid(action: Any) -> None:
    check(normalize_call(ComputerCallItem(call_id="c", action=action)), action)


@PROPERTY
@given(st.sampled_from(sorted(POINTER)), not_a_number, st.sampled_from(["x", "y", "both"]))
def test_a_pointer_action_with_a_bad_coordinate_never_runs(kind: str, bad: Any, which: str) -> None:
    action: dict[str, Any] = {"type": kind, "x": 10, "y": 20, "text": "t", "button": "left"}
    for name in ("x", "y") if which == "both" else (which,):
        action[name] = bad
    proposal = normalize_call(ComputerCallItem(call_id="c", action=action))
    assert not proposal.executable
    assert proposal.error_field in ("x", "y")


@PROPERTY
@given(unknown_types, st.dictionaries(wire_fields, json_values, max_size=6))
def test_unknown_types_are_never_executable(kind: str, fields: dict[str, Any]) -> None:
    action = {**fields, "type": kind}
    proposal = normalize_call(ComputerCallItem(call_id="c", action=action))
    assert not proposal.executable and proposal.error_field == "type"
    assert proposal.kind == kind


@PROPERTY
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_build_action_raises_only_its_validation_error(data: dict[str, Any]) -> None:
    try:
        action = build_action(data)
    except ActionValidationError as exc:
        assert exc.field is None or isinstance(exc.field, str)
    else:
        assert action.type == data["type"]


@PROPERTY
@given(st.sampled_from(VALID_ACTIONS))
def test_every_valid_action_stays_executable(action: dict[str, Any]) -> None:
    proposal = normalize_call(ComputerCallItem(call_id="c", action=action))
    assert proposal.executable, proposal.error


# ---------------------------------------------------------------------- responses

BASES: list[Any] = [
    *(f.json() for f in load_manifest() if f.kind == "response"),
    *(realistic(p.name) for p in sorted(REALISTIC.glob("*.json")) if "request" not in p.name),
]
items = st.one_of(
    json_values,
    st.sampled_from(VALID_ACTIONS).flatmap(
        lambda a: mutated({"type": "computer_call", "call_id": "c", "action": a}, 2)
    ),
    st.builds(
        lambda kind, action: {"type": kind, "action": action},
        st.sampled_from(["reasoning", "message", "web_search_call", "zz_future", "shell_call"]),
        st.sampled_from(VALID_ACTIONS),
    ),
)
random_responses = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=8), "output": st.lists(items, max_size=5)},
    optional={
        "status": json_values,
        "created_at": json_values,
        "usage": json_values,
        "error": json_values,
        "viewport": json_values,
    },
)
mutated_responses = st.sampled_from(BASES).flatmap(lambda b: mutated(b, 5))


def check_response(payload: Any) -> None:
    try:
        response = Response.model_validate(payload)
    except ValidationError:
        pass
    else:
        calls = response.computer_calls()
        got = proposals(response)
        batched = [c for c in calls if isinstance(c.actions, list) and c.actions]
        if not batched:
            assert len(got) == len(calls)
        for proposal, item in zip(got, calls if not batched else [], strict=True):
            action = item.action
            check(proposal, action)
            # What the model sent is kept verbatim, never as null: a call without an action
            # is recorded whole.
            if isinstance(action, dict):
                assert proposal.raw == dict(action)
            elif action is None:
                assert proposal.raw == item.model_dump(mode="json", exclude_none=True)
            else:
                assert proposal.raw == {"value": action}
        for proposal in got:
            assert proposal.raw != {"value": None}
        assert isinstance(response.output_text(), str)
        assert response.error_message() is None or isinstance(response.error_message(), str)
    # The client's own parsing path raises only its documented error.
    body = json.dumps(payload).encode()
    http_response = httpx.Response(200, content=body, headers={"content-type": "application/json"})
    try:
        parsed = parse_model(http_response, Response, require_id=True)
    except APIResponseValidationError:
        return
    assert parsed.id


@PROPERTY
@given(random_responses)
def test_random_responses_parse_or_fail_cleanly(payload: dict[str, Any]) -> None:
    check_response(payload)


@PROPERTY
@given(mutated_responses)
def test_mutated_seed_and_realistic_responses_parse_or_fail_cleanly(payload: Any) -> None:
    check_response(payload)


@PROPERTY
@given(json_values)
def test_any_json_body_parses_or_fails_cleanly(payload: Any) -> None:
    check_response(payload)
