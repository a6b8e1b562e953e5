"""Batched actions (``actions: [...]`` in one computer_call) and held keys through the loop."""

from __future__ import annotations

from typing import Any

from console_app.agent.decisions import ApprovalRequest, Approve, Edit, Reject, Stop
from console_app.agent.turns import RequestSettings, follow_up_request
from console_app.api.types import ComputerCallOutputItem
from console_app.core.actions import Click
from console_app.core.settings import Policy
from tests.unit.agent.fakes import call, message
from tests.unit.agent.test_loop import make_loop, texts_of

BATCH = [
    {"type": "click", "x": 100, "y": 200, "button": "left"},
    {"type": "type", "text": "hello"},
    {"type": "keypress", "keys": ["ENTER"]},
]


def batch_call(actions: list[Any], call_id: str = "call_b", rid: str = "resp_1") -> dict[str, Any]:
    response = call({"type": "screenshot"}, call_id=call_id, rid=rid)
    item = response["output"][1]
    del item["action"]
    item["actions"] = actions
    return response


def outputs(params: Any) -> list[ComputerCallOutputItem]:
    return [i for i in params.input if isinstance(i, ComputerCallOutputItem)]


async def test_approve_all_runs_the_batch_in_order_and_answers_once() -> None:
    def decide(request: ApprovalRequest) -> Any:
        assert [p.batch_index for p in request.batch] == [0, 1, 2]
        return Approve(count=len(request.batch))

    loop, model, computer, recorder, _, asked = make_loop(
        [batch_call(BATCH), message("ok")], decide
    )
    result = await loop.run("task")
    assert result.status == "succeeded"
    assert [a.type for a in computer.executed] == ["click", "type", "keypress"]
    assert len(asked) == 1  # one decision for the whole batch
    follow_up = model.requests[1]
    assert [o.call_id for o in outputs(follow_up)] == ["call_b"]  # one output after the batch
    steps = recorder.steps_of(result.run_id)
    assert [s.decision for s in steps] == ["approved"] * 3
    assert [s.raw_action for s in steps] == BATCH  # each action kept verbatim
    assert steps[1].summary == 'action 2 of 3: type "hello"'


async def test_approve_first_n_asks_again_for_the_rest() -> None:
    answers = iter([Approve(count=2), Reject("not enter")])
    loop, model, computer, recorder, _, asked = make_loop(
        [batch_call(BATCH), message("ok")], lambda r: next(answers)
    )
    result = await loop.run("task")
    assert [a.type for a in computer.executed] == ["click", "type"]
    assert [r.proposal.batch_index for r in asked] == [0, 2]
    assert "not enter" in texts_of(model.requests[1])
    assert [s.decision for s in recorder.steps_of(result.run_id)] == [
        "approved",
        "approved",
        "rejected",
    ]


async def test_a_rejection_stops_the_batch_and_the_rest_is_recorded_not_run() -> None:
    loop, model, computer, recorder, _, asked = make_loop(
        [batch_call(BATCH), message("ok")], lambda r: Reject("wrong place")
    )
    result = await loop.run("task")
    assert computer.executed == [] and len(asked) == 1
    steps = recorder.steps_of(result.run_id)
    assert [s.decision for s in steps] == ["rejected", "skipped", "skipped"]
    assert [s.execution for s in steps] == ["none"] * 3
    assert [s.raw_action for s in steps] == BATCH
    texts = " ".join(texts_of(model.requests[1]))
    assert "wrong place" in texts and "actions 2–3 of 3" in texts
    assert [o.call_id for o in outputs(model.requests[1])] == ["call_b"]


async def test_a_refusal_stops_the_batch() -> None:
    loop, model, computer, recorder, _, _ = make_loop(
        [batch_call(BATCH), message("ok")],
        lambda r: Approve(count=3),
        exclusion=lambda: [(0, 0, 400, 400)],  # the click lands on the "console"
    )
    result = await loop.run("task")
    assert computer.executed == []
    steps = recorder.steps_of(result.run_id)
    assert [(s.decision, s.execution) for s in steps] == [
        ("approved", "refused"),
        ("skipped", "none"),
        ("skipped", "none"),
    ]


async def test_a_blocked_action_in_a_pre_approved_batch_is_never_run() -> None:
    batch = [BATCH[0], {"type": "keypress", "keys": ["ctrl", "alt", "delete"]}, BATCH[1]]
    loop, _, computer, recorder, _, _ = make_loop(
        [batch_call(batch), message("ok")], lambda r: Approve(count=3)
    )
    result = await loop.run("task")
    assert [a.type for a in computer.executed] == ["click"]
    assert [s.decision for s in recorder.steps_of(result.run_id)] == [
        "approved",
        "blocked",
        "skipped",
    ]


async def test_edit_one_action_of_a_batch() -> None:
    answers = iter([Edit(Click(x=5, y=6)), Approve(count=2)])
    loop, _, computer, recorder, _, _ = make_loop(
        [batch_call(BATCH), message("ok")], lambda r: next(answers)
    )
    await loop.run("task")
    assert computer.executed[0] == Click(x=5, y=6)
    assert [a.type for a in computer.executed] == ["click", "type", "keypress"]


async def test_stop_in_a_batch_runs_nothing_more() -> None:
    answers = iter([Approve(), Stop()])
    loop, _, computer, recorder, _, _ = make_loop(
        [batch_call(BATCH), message("ok")], lambda r: next(answers)
    )
    result = await loop.run("task")
    assert result.status == "stopped"
    assert [a.type for a in computer.executed] == ["click"]
    steps = recorder.steps_of(result.run_id)
    assert [(s.index, s.decision) for s in steps] == [
        (0, "approved"),
        (1, "stopped"),
        (2, "stopped"),
    ]
    assert [s.raw_action for s in steps] == BATCH


async def test_auto_policy_runs_a_batch_without_asking() -> None:
    loop, _, computer, _, _, asked = make_loop(
        [batch_call(BATCH), message("ok")], policy=Policy(default="auto")
    )
    await loop.run("task")
    assert asked == [] and len(computer.executed) == 3


async def test_a_batch_with_a_bad_element_keeps_it_verbatim() -> None:
    batch = [BATCH[0], {"type": "teleport", "where": "mars"}, 42]
    loop, _, computer, recorder, _, asked = make_loop(
        [batch_call(batch), message("ok")], lambda r: Approve()
    )
    result = await loop.run("task")
    steps = recorder.steps_of(result.run_id)
    assert [s.raw_action for s in steps] == [batch[0], batch[1], {"value": 42}]
    assert steps[1].decision == "invalid" and steps[2].decision == "skipped"
    assert [a.type for a in computer.executed] == ["click"]


async def test_call_ids_repeated_in_the_next_turn_start_a_fresh_batch() -> None:
    loop, _, computer, _, _, _ = make_loop(
        [
            batch_call(BATCH[:2], rid="r1"),
            batch_call(BATCH[:2], rid="r2"),
            message("ok"),
        ],
        lambda r: Reject() if r.step_index == 0 else Approve(count=2),
    )
    await loop.run("task")
    assert [a.type for a in computer.executed] == ["click", "type"]


async def test_held_keys_are_blocked_as_a_chord_and_shown_in_the_summary() -> None:
    shift_click = {"type": "click", "x": 100, "y": 200, "button": "left", "keys": ["SHIFT"]}
    bad = {"type": "click", "x": 100, "y": 200, "button": "left", "keys": ["ctrl", "alt", "Del"]}
    loop, _, computer, recorder, _, asked = make_loop(
        [call(shift_click), call(bad, call_id="c2", rid="r2"), message("ok")]
    )
    result = await loop.run("task")
    assert asked[0].proposal.summary() == "click at (100, 200) holding Shift"
    assert [a.keys for a in computer.executed] == [["shift"]]
    steps = recorder.steps_of(result.run_id)
    assert steps[0].action == {
        "type": "click",
        "button": "left",
        "x": 100,
        "y": 200,
        "keys": ["shift"],
    }
    assert steps[1].decision == "blocked"


def test_one_output_per_call_with_acknowledged_checks_merged() -> None:
    from console_app.agent.turns import CallAnswer
    from console_app.core.proposal import ProposedAction, SafetyCheck

    check = SafetyCheck(id="sc1", code="malicious_instructions")
    first = ProposedAction(
        call_id="c", action=Click(x=1, y=1), batch_size=2, pending_safety_checks=(check,)
    )
    second = first.model_copy(update={"batch_index": 1})
    params = follow_up_request(
        RequestSettings(model="m"),
        "r",
        [CallAnswer(first, acknowledged=("sc1",)), CallAnswer(second, acknowledged=("sc1",))],
        "data:image/png;base64,AA==",
        (100, 100),
    )
    (out,) = outputs(params)
    assert out.call_id == "c" and [a.id for a in out.acknowledged_safety_checks or []] == ["sc1"]


async def test_held_keys_are_refused_like_keys_when_the_focus_guard_says_so() -> None:
    from tests.unit.agent.test_loop_safety import Guard

    shift_click = {"type": "click", "x": 100, "y": 200, "button": "left", "keys": ["shift"]}
    script = [
        call(shift_click),
        call({"type": "click", "x": 1, "y": 2}, call_id="c2", rid="r2"),
        message("ok"),
    ]
    loop, _, computer, recorder, _, _ = make_loop(script, policy=Policy(default="auto"))
    loop.context.focus_guard = Guard("the keyboard focus is on the terminal")
    result = await loop.run("task")
    steps = recorder.steps_of(result.run_id)
    assert steps[0].execution == "refused" and "terminal" in steps[0].execution_detail
    assert [a.keys for a in computer.executed] == [None]  # the plain click still runs
