"""Held keys on pointer actions and batched ``actions`` lists, as the normaliser reads them."""

from __future__ import annotations

from typing import Any

import pytest

from console_app.api.calls import normalize_call, normalize_calls
from console_app.api.types.items import ComputerCallItem
from console_app.core.actions import action_to_dict


def one(action: dict[str, Any]) -> dict[str, Any]:
    proposal = normalize_call(ComputerCallItem(call_id="c", action=action))
    assert proposal.action is not None, proposal.error
    return action_to_dict(proposal.action)


@pytest.mark.parametrize(
    ("keys", "held"),
    [
        (["SHIFT"], ["shift"]),
        (["CTRL", "Shift"], ["ctrl", "shift"]),
        (["Control", "Option"], ["ctrl", "alt"]),
        ("ctrl+shift", ["ctrl", "shift"]),
        ('["ctrl", "alt"]', ["ctrl", "alt"]),
        (['["META"]'], ["meta"]),
        (["Cmd"], ["meta"]),
    ],
)
def test_held_keys_in_every_spelling(keys: Any, held: list[str]) -> None:
    assert one({"type": "click", "x": 1, "y": 2, "button": "left", "keys": keys})["keys"] == held


@pytest.mark.parametrize("kind", ["click", "double_click", "move", "right_click", "triple_click"])
def test_every_pointer_action_keeps_its_held_keys(kind: str) -> None:
    assert one({"type": kind, "x": 1, "y": 2, "keys": ["alt"]})["keys"] == ["alt"]


def test_drag_and_scroll_keep_held_keys() -> None:
    drag = one({"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 3, "y": 4}], "keys": ["shift"]})
    assert drag["keys"] == ["shift"]
    scroll = one({"type": "scroll", "x": 1, "y": 2, "scroll_x": 0, "scroll_y": 5, "keys": ["ctrl"]})
    assert scroll["keys"] == ["ctrl"]


@pytest.mark.parametrize("nothing", [None, [], ""])
def test_no_held_keys(nothing: Any) -> None:
    assert "keys" not in one({"type": "click", "x": 1, "y": 2, "keys": nothing})


@pytest.mark.parametrize("bad", [["Hyper_X"], ["ctrl", 3], {"ctrl": True}, ["ctrl+"]])
def test_a_bad_held_key_makes_the_click_not_executable(bad: Any) -> None:
    proposal = normalize_call(
        ComputerCallItem(call_id="c", action={"type": "click", "x": 1, "y": 2, "keys": bad})
    )
    assert proposal.action is None and proposal.error_field == "keys"
    assert proposal.raw["keys"] == bad  # kept as sent


def test_a_batch_is_every_action_in_order_with_its_position() -> None:
    actions = [{"type": "click", "x": 1, "y": 2}, {"type": "type", "text": "a"}, {"type": "wait"}]
    batch = normalize_calls(ComputerCallItem(id="cu", call_id="c", actions=actions))
    assert [(p.batch_index, p.batch_size, p.call_id, p.item_id) for p in batch] == [
        (0, 3, "c", "cu"),
        (1, 3, "c", "cu"),
        (2, 3, "c", "cu"),
    ]
    assert [p.raw for p in batch] == actions
    assert batch[1].summary() == 'action 2 of 3: type "a"'


def test_a_one_element_batch_is_a_single_action() -> None:
    (only,) = normalize_calls(ComputerCallItem(call_id="c", actions=[{"type": "screenshot"}]))
    assert only.action is not None and not only.in_batch and only.summary() == "take a screenshot"


def test_action_equal_to_the_only_element_of_actions_is_one_action() -> None:
    click = {"type": "click", "x": 1, "y": 2}
    (only,) = normalize_calls(ComputerCallItem(call_id="c", action=click, actions=[click]))
    assert only.action is not None


def test_action_and_a_different_batch_are_refused() -> None:
    batch = normalize_calls(
        ComputerCallItem(
            call_id="c", action={"type": "wait"}, actions=[{"type": "click", "x": 1, "y": 2}]
        )
    )
    assert all(p.action is None and p.error_field == "actions" for p in batch)


@pytest.mark.parametrize("actions", [[], "click", {"type": "click"}])
def test_a_batch_that_is_not_a_list_of_actions(actions: Any) -> None:
    (proposal,) = normalize_calls(ComputerCallItem(call_id="c", actions=actions))
    assert proposal.action is None and proposal.error_field == "actions"
    assert proposal.raw["actions"] == actions and proposal.raw["call_id"] == "c"


def test_a_call_without_any_action_is_recorded_whole_never_as_null() -> None:
    (proposal,) = normalize_calls(ComputerCallItem(id="cu", call_id="c", status="completed"))
    assert proposal.action is None
    assert proposal.raw == {
        "type": "computer_call",
        "id": "cu",
        "call_id": "c",
        "status": "completed",
    }


def test_an_unfinished_batch_never_runs() -> None:
    batch = normalize_calls(
        ComputerCallItem(call_id="c", status="in_progress", actions=[{"type": "wait"}] * 2)
    )
    assert all(p.action is None and p.error_field == "status" for p in batch)
