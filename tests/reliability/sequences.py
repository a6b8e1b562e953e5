"""Hypothesis strategies for whole model conversations: responses of valid and invalid items.

Each generated call carries, *independently of the console's parser*, what it means: the
`Action` a valid call stands for (built with the core models directly), or ``None`` for a call
that must never run (unknown type, missing or mistyped field, non-object action, a safety check
without an id). Responses that break the wire format as a whole (a safety-check list of
strings, a numeric ``call_id``, no ``id``, a 500, a body that is not JSON) are generated too:
nothing in them may run either.
"""

from __future__ import annotations

import dataclasses
import string
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from console_app.core.action_fields import Point
from console_app.core.actions import (
    Action,
    Click,
    DoubleClick,
    Drag,
    KeyDown,
    Keypress,
    KeyUp,
    MouseDown,
    MouseUp,
    Move,
    RightClick,
    Scroll,
    TypeText,
    Wait,
)

# The Lightcone dialect sends every field, zero-filled (seed 001).
ZEROS: dict[str, Any] = {
    "button": "",
    "end_x": 0,
    "end_y": 0,
    "keys": [],
    "result": "",
    "scroll_x": 0,
    "scroll_y": 0,
    "status": "",
    "text": "",
    "url": "",
    "x": 0,
    "y": 0,
}
HARMLESS_CHORDS = [["ctrl", "c"], ["enter"], ["shift", "tab"], ["ctrl", "a"], ["alt", "tab"]]
# Harmless alone; each completes a blocked chord when the right modifiers are held.
CHORD_ENDS = [["r"], ["l"], ["delete"], ["backspace"]]
BLOCKED_CHORDS = [
    ["ctrl", "alt", "delete"],
    ["ctrl", "alt", "backspace"],
    ["meta", "r"],
    ["meta", "l"],
]
MODIFIERS = [["shift"], ["ctrl"], ["alt"], ["meta"], ["ctrl", "alt"], ["meta"]]

INVALID_ACTIONS: list[Any] = [
    {"type": "teleport", "x": 1, "y": 2},
    {"type": ""},
    {"type": 5},
    {"x": 1, "y": 2},
    {"type": "click", "x": 5},
    {"type": "type"},
    {"type": "type", "text": ""},
    {"type": "keypress"},
    {"type": "key_down", "keys": []},
    {"type": "drag", "x": 1, "y": 2},
    {"type": "scroll", "x": 1, "y": 1},
    {"type": "click", "x": "10", "y": 5},
    {"type": "click", "x": True, "y": 5},
    {"type": "click", "x": float("nan"), "y": 1},
    {"type": "click", "button": "sideways", "x": 1, "y": 1},
    {"type": "type", "text": 5},
    {"type": "wait", "seconds": "5"},
    {"type": "keypress", "keys": 5},
    {"type": "keypress", "keys": ["hyperkey"]},
    {"type": "navigate", "url": "javascript:alert(1)"},
    "click",
    ["click", 1, 2],
    42,
    None,
]
FINAL_ACTIONS: list[dict[str, Any]] = [
    {"type": "terminate", "status": "success", "result": "all done"},
    {"type": "terminate", "status": "failure", "result": "gave up"},
    {"type": "answer", "result": "42"},
    {"type": "done"},
]
OTHER_ITEMS: list[dict[str, Any]] = [
    {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "hm"}]},
    {"type": "reasoning", "id": "rs", "summary": [{"type": "summary_text", "text": "thinking"}]},
    {"type": "web_search_call", "id": "ws_1", "status": "completed"},
    {"type": 7, "id": ["odd"]},
    {"type": "function_call", "call_id": "fc_1", "name": "lookup", "arguments": "{}"},
]
# Items that make the whole response unreadable (the client refuses it).
BREAKING_ITEMS: list[dict[str, Any]] = [
    {
        "type": "computer_call",
        "call_id": "c",
        "action": {"type": "wait"},
        "pending_safety_checks": ["x"],
    },
    {
        "type": "computer_call",
        "call_id": "c",
        "action": {"type": "wait"},
        "pending_safety_checks": "no",
    },
    {"type": "computer_call", "call_id": 5, "action": {"type": "wait"}},
    {"type": "message", "role": "assistant", "content": 12},
]
BROKEN_ANSWERS: list[tuple[str, Any]] = [
    ("status", 500),
    ("status", 429),
    ("body", b"<html>not json</html>"),
    ("json", {"object": "response", "status": "completed", "output": []}),  # no id
    (
        "json",  # no id, so it cannot be continued: its call must not run either
        {
            "status": "completed",
            "output": [
                {"type": "computer_call", "call_id": "call_noid", "action": {"type": "wait"}}
            ],
        },
    ),
    ("json", {"id": "resp_x", "output": "not a list"}),
]


@dataclass(frozen=True)
class Call:
    """One generated ``computer_call`` and what it means (``None``: it must never run)."""

    call_id: str
    item: dict[str, Any]
    expected: Action | None
    checks: tuple[str, ...] = ()
    final: bool = False


@dataclass
class Answer:
    """One scripted answer to a create: a response body, or a broken answer."""

    body: dict[str, Any] | None = None
    broken: tuple[str, Any] | None = None
    calls: list[Call] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """False when the client must refuse the whole answer."""
        if self.broken is not None:
            return False
        return not any(item in BREAKING_ITEMS for item in (self.body or {}).get("output", []))


def lc(kind: str, **fields: Any) -> dict[str, Any]:
    return {**ZEROS, "type": kind, **fields}


xs = st.integers(0, 1279)
ys = st.integers(0, 719)
far_xs = st.one_of(xs, xs, xs, st.integers(1280, 4000))  # sometimes off the monitor: refused
texts = st.text(alphabet=string.ascii_letters + " .", min_size=1, max_size=6)


def _click(button: str, x: int, y: int) -> tuple[dict[str, Any], Action]:
    wire = {"type": "click", "button": button, "x": x, "y": y}
    if button == "right":
        return wire, RightClick(x=x, y=y)
    return wire, Click(x=x, y=y, button="middle" if button == "wheel" else "left")


def _drag_path(points: list[tuple[int, int]]) -> tuple[dict[str, Any], Action]:
    wire = {"type": "drag", "path": [{"x": x, "y": y} for x, y in points]}
    return wire, Drag(path=[Point(x=x, y=y) for x, y in points])


chords = st.sampled_from(HARMLESS_CHORDS + BLOCKED_CHORDS + CHORD_ENDS)
# Holds without their releases, and the keys that would complete a blocked chord with them.
holds = st.one_of(
    st.builds(
        lambda k: ({"type": "key_down", "keys": k}, KeyDown(keys=k)), st.sampled_from(MODIFIERS)
    ),
    st.builds(lambda x, y: ({"type": "mouse_down", "x": x, "y": y}, MouseDown(x=x, y=y)), xs, ys),
    st.builds(
        lambda k: ({"type": "keypress", "keys": k}, Keypress(keys=k)), st.sampled_from(CHORD_ENDS)
    ),
)
# (wire action, the Action it means), both dialects.
valid_actions = st.one_of(
    st.builds(lambda x, y: (lc("click", x=x, y=y), Click(x=x, y=y)), far_xs, ys),
    st.builds(_click, st.sampled_from(["left", "right", "wheel"]), xs, ys),
    st.builds(
        lambda x, y: ({"type": "double_click", "x": x, "y": y}, DoubleClick(x=x, y=y)), xs, ys
    ),
    st.builds(lambda t: (lc("type", text=t), TypeText(text=t)), texts),
    st.builds(lambda k: ({"type": "keypress", "keys": k}, Keypress(keys=k)), chords),
    st.builds(lambda k: (lc("key", keys="+".join(k)), Keypress(keys=k)), chords),
    st.builds(
        lambda x, y, d: (lc("scroll", x=x, y=y, scroll_y=d), Scroll(x=x, y=y, scroll_y=d)),
        xs,
        ys,
        st.sampled_from([-300, 100, 300]),
    ),
    st.builds(
        lambda x, y, ex, ey: (
            lc("drag", x=x, y=y, end_x=ex, end_y=ey),
            Drag(path=[Point(x=x, y=y), Point(x=ex, y=ey)]),
        ),
        xs,
        ys,
        xs,
        ys,
    ),
    st.builds(_drag_path, st.lists(st.tuples(xs, ys), min_size=2, max_size=3)),
    st.builds(lambda x, y: ({"type": "move", "x": x, "y": y}, Move(x=x, y=y)), xs, ys),
    st.just(({"type": "wait"}, Wait())),
    st.builds(
        lambda k: ({"type": "key_down", "keys": k}, KeyDown(keys=k)), st.sampled_from(MODIFIERS)
    ),
    st.builds(lambda k: ({"type": "key_up", "keys": k}, KeyUp(keys=k)), st.sampled_from(MODIFIERS)),
    st.builds(lambda x, y: ({"type": "mouse_down", "x": x, "y": y}, MouseDown(x=x, y=y)), xs, ys),
    st.builds(lambda x, y: ({"type": "mouse_up", "x": x, "y": y}, MouseUp(x=x, y=y)), xs, ys),
)


@st.composite
def calls(draw: st.DrawFn, call_id: str) -> Call:
    kinds = ["valid"] * 4 + ["hold"] * 3 + ["valid-checked", "invalid", "no-id-check", "final"]
    kind = draw(st.sampled_from(kinds))
    item: dict[str, Any] = {"type": "computer_call", "id": f"cu_{call_id}", "call_id": call_id}
    if kind == "invalid":
        action = draw(st.sampled_from(INVALID_ACTIONS))
        if action is not None:
            item["action"] = action
        return Call(call_id, item, None)
    if kind == "final":
        item["action"] = draw(st.sampled_from(FINAL_ACTIONS))
        return Call(call_id, item, None, final=True)
    wire, expected = draw(holds if kind == "hold" else valid_actions)
    item["action"] = wire
    if kind == "no-id-check":  # a check that cannot be acknowledged: the call is invalid
        item["pending_safety_checks"] = [{"code": "malicious_instructions", "message": "?"}]
        return Call(call_id, item, None)
    if kind == "valid-checked":
        check = f"sc_{call_id}"
        item["pending_safety_checks"] = [{"id": check, "code": "sensitive", "message": "sure?"}]
        return Call(call_id, item, expected, checks=(check,))
    return Call(call_id, item, expected)


@st.composite
def answers(draw: st.DrawFn, turn: int) -> Answer:
    if draw(st.integers(0, 9)) == 0:
        return Answer(broken=draw(st.sampled_from(BROKEN_ANSWERS)))
    output: list[Any] = []
    made: list[Call] = []
    for position in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(["call", "call", "call", "other", "breaking"]))
        if what == "call":
            call = draw(calls(f"call_{turn}_{position}"))
            made.append(call)
            output.append(call.item)
        elif what == "other":
            output.append(draw(st.sampled_from(OTHER_ITEMS)))
        elif draw(st.integers(0, 3)) == 0:  # rarely: the whole answer becomes unreadable
            output.append(draw(st.sampled_from(BREAKING_ITEMS)))
    status = draw(st.sampled_from(["completed"] * 8 + ["incomplete", "failed"]))
    body: dict[str, Any] = {"id": f"resp_{turn}", "object": "response", "status": status}
    if status == "failed" and draw(st.booleans()):
        body |= {"output": [], "error": {"message": "the model crashed", "code": "server_error"}}
        made = []
    else:
        body["output"] = output
    if status != "completed":
        # A response that did not complete: its calls are shown, never run (not even a final
        # action's claim of success counts).
        made = [dataclasses.replace(call, expected=None, final=False) for call in made]
    return Answer(body=body, calls=made)


@st.composite
def conversations(draw: st.DrawFn) -> list[Answer]:
    return [draw(answers(turn)) for turn in range(draw(st.integers(1, 6)))]
