"""Caps on how long an action may be: drag points, typed characters, actions per turn. Over a
cap an action is refused with a sentence naming the limit — under ``--approve auto`` too."""

from __future__ import annotations

import copy
from typing import Any

from console_app.agent.events import Problem
from console_app.agent.policy import PolicyTable
from console_app.agent.turns import read_turn
from console_app.api.types import Response
from console_app.cli.run_cmd import auto_policy
from console_app.core.actions import build_action
from console_app.core.settings import ActionLimits, Policy, Profile
from tests.unit.agent.fakes import call, message
from tests.unit.agent.test_loop import make_loop

AUTO = auto_policy(Policy())


def drag(points: int) -> dict[str, Any]:
    return {"type": "drag", "path": [{"x": i % 500, "y": 10} for i in range(points)]}


def test_defaults_are_documented_and_allow_realistic_actions() -> None:
    limits = ActionLimits()
    assert (limits.max_drag_points, limits.max_type_chars, limits.max_batch_actions) == (
        500,
        5_000,
        20,
    )
    table = PolicyTable(AUTO)
    assert table.evaluate(build_action(drag(500))).choice == "auto"
    assert table.evaluate(build_action({"type": "type", "text": "x" * 5_000})).choice == "auto"


def test_a_drag_over_the_cap_is_blocked_with_the_limit_named() -> None:
    verdict = PolicyTable(AUTO).evaluate(build_action(drag(100_000)))
    assert verdict.choice == "block"
    assert "100000 points" in verdict.reason and "max_drag_points" in verdict.reason


def test_typing_over_the_cap_is_blocked_and_the_cap_is_configurable() -> None:
    long_text = {"type": "type", "text": "a" * 1_000_000}
    verdict = PolicyTable(AUTO).evaluate(build_action(long_text))
    assert verdict.choice == "block" and "max_type_chars" in verdict.reason
    roomy = AUTO.model_copy(update={"limits": ActionLimits(max_type_chars=1_000_000)})
    assert PolicyTable(roomy).evaluate(build_action(long_text)).choice == "auto"


def test_limits_live_in_the_profile_and_survive_auto_approve() -> None:
    profile = Profile.model_validate(
        {"name": "p", "policy": {"limits": {"max_drag_points": 50, "max_batch_actions": 3}}}
    )
    assert profile.policy.limits.max_drag_points == 50
    assert auto_policy(profile.policy).limits == profile.policy.limits


def test_a_turn_with_more_actions_than_the_cap_runs_none_of_them() -> None:
    response = call({"type": "click", "x": 1, "y": 2})
    item = response["output"][1]
    many = copy.deepcopy(response)
    many["output"] = [{**item, "id": f"item_{i}", "call_id": f"call_{i}"} for i in range(21)]
    turn = read_turn(Response.model_validate(many), max_batch=20)
    assert len(turn.proposals) == 21 and not any(p.executable for p in turn.proposals)
    assert "max_batch_actions" in (turn.proposals[0].error or "")
    allowed = read_turn(Response.model_validate(many), max_batch=21)
    assert all(p.executable for p in allowed.proposals)


async def test_auto_approve_never_runs_an_action_over_the_cap() -> None:
    loop, _model, computer, recorder, events, asked = make_loop(
        [
            call(drag(2_000)),
            call({"type": "type", "text": "z" * 6_000}, rid="resp_2"),
            message("done"),
        ],
        policy=AUTO,
    )
    result = await loop.run("draw")
    assert computer.executed == []
    assert asked == []  # refused outright, nobody was asked
    steps = recorder.steps_of(result.run_id)
    assert [s.decision for s in steps[:2]] == ["blocked", "blocked"]
    refusals = [e.text for e in events if isinstance(e, Problem)]
    assert any("max_drag_points" in text for text in refusals)
    assert any("max_type_chars" in text for text in refusals)
