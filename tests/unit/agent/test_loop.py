"""The supervised loop with a scripted model, a fake screen and a spy computer (plain asyncio)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from console_app.agent.context import LoopConfig
from console_app.agent.decisions import ApprovalRequest, Approve, Decision, Edit, Reject, Skip, Stop
from console_app.agent.events import LoopState, Problem, RunFinished, StateChanged, TextDelta
from console_app.agent.loop import AgentLoop
from console_app.agent.policy import PolicyTable
from console_app.agent.turns import RequestSettings
from console_app.api.types import ComputerCallOutputItem, MessageItem
from console_app.core.actions import Click, TypeText
from console_app.core.records import MemoryRecorder
from console_app.core.settings import Policy
from tests.unit.agent.fakes import (
    STALL,
    FakeScreen,
    ScriptedModel,
    SpyComputer,
    api_error,
    call,
    message,
)

CLICK = {"type": "click", "x": 100, "y": 200}


def make_loop(
    script: list[Any],
    decide: Any = None,
    *,
    stream: bool = False,
    max_steps: int = 20,
    policy: Policy | None = None,
    on_problem: Any = None,
    exclusion: Any = None,
) -> tuple[AgentLoop, ScriptedModel, SpyComputer, MemoryRecorder, list[Any], list[ApprovalRequest]]:
    model = ScriptedModel(script)
    recorder = MemoryRecorder()
    computer = SpyComputer(recorder)
    events: list[Any] = []
    asked: list[ApprovalRequest] = []

    async def approve(request: ApprovalRequest) -> Decision:
        asked.append(request)
        if decide is None:
            return Approve(acknowledged=request.needs_acknowledgement)
        result = decide(request)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    loop = AgentLoop(
        client=model,
        screen=FakeScreen(),
        computer=computer,
        recorder=recorder,
        approve=approve,
        config=LoopConfig(
            request=RequestSettings(model="tzafon.northstar-cua-fast"),
            profile="test",
            backend="http://127.0.0.1:1",
            max_steps=max_steps,
            stream=stream,
        ),
        policy=PolicyTable(policy) if policy else None,
        on_event=events.append,
        on_problem=on_problem,
        exclusion=exclusion,
    )
    return loop, model, computer, recorder, events, asked


def texts_of(params: Any) -> list[str]:
    out = []
    for item in params.input:
        if isinstance(item, MessageItem):
            out.append(item.text())
    return out


async def test_approved_click_runs_and_the_screen_goes_back_with_the_call_id() -> None:
    loop, model, computer, recorder, events, asked = make_loop([call(CLICK), message("done")])
    result = await loop.run("click the thing")
    assert result.status == "succeeded" and result.answer == "done"
    assert [a.type for a in computer.executed] == ["click"]
    assert computer.points == [(150, 300)]  # 1280x720 viewport on a 1920x1080 monitor
    first, second = model.requests
    assert first.previous_response_id is None
    assert "click the thing" in texts_of(first)[0]
    assert second.previous_response_id == "resp_1"
    outputs = [i for i in second.input if isinstance(i, ComputerCallOutputItem)]
    assert [o.call_id for o in outputs] == ["call_1"]
    assert outputs[0].output is not None and outputs[0].output.image_url.startswith("data:image/")
    # the step was committed (decided, pending) before the action ran, then updated
    assert computer.seen_pending_before_execute == [True]
    step = recorder.steps_of(result.run_id)[0]
    assert (step.decision, step.execution) == ("approved", "done")
    assert step.screenshot == b"screen-1" and step.upload_bytes > 0
    assert recorder.ended[result.run_id] == ("succeeded", "done")
    assert isinstance(events[-1], RunFinished)


async def test_reject_with_feedback_reaches_the_model_and_nothing_runs() -> None:
    loop, model, computer, recorder, _, _ = make_loop(
        [call(CLICK), message("ok")], lambda r: Reject("wrong button, use Submit")
    )
    result = await loop.run("task")
    assert computer.executed == []
    follow_up = model.requests[1]
    assert "wrong button, use Submit" in texts_of(follow_up)
    assert [i.call_id for i in follow_up.input if isinstance(i, ComputerCallOutputItem)] == [
        "call_1"
    ]
    step = recorder.steps_of(result.run_id)[0]
    assert (step.decision, step.feedback, step.execution) == (
        "rejected",
        "wrong button, use Submit",
        "none",
    )


async def test_skip_tells_the_model_and_runs_nothing() -> None:
    loop, model, computer, _, _, _ = make_loop([call(CLICK), message("ok")], lambda r: Skip())
    await loop.run("task")
    assert computer.executed == []
    assert any("skipped" in t for t in texts_of(model.requests[1]))


async def test_edit_executes_only_the_edited_action() -> None:
    edited = Click(x=10, y=20)
    loop, _, computer, recorder, _, _ = make_loop(
        [call(CLICK), message("ok")], lambda r: Edit(edited)
    )
    result = await loop.run("task")
    assert computer.executed == [edited]
    assert computer.points == [(15, 30)]
    step = recorder.steps_of(result.run_id)[0]
    assert step.decision == "edited" and step.edited_action == {
        "type": "click",
        "x": 10,
        "y": 20,
        "button": "left",
    }
    assert step.action == {"type": "click", "x": 100, "y": 200, "button": "left"}


async def test_stop_while_waiting_for_the_model_cancels_the_request_and_runs_nothing() -> None:
    loop, model, computer, recorder, events, _ = make_loop([STALL, call(CLICK)])
    task = asyncio.create_task(loop.run("task"))
    await asyncio.wait_for(model.stalled.wait(), 5)
    loop.stop()
    result = await asyncio.wait_for(task, 5)
    assert result.status == "stopped"
    assert model.request_cancelled.is_set()
    assert computer.executed == [] and len(model.requests) == 1
    assert recorder.ended[result.run_id][0] == "stopped"
    assert computer.released  # held input released on the way out


async def test_stop_during_a_stream_cancels_the_response_on_the_server() -> None:
    loop, model, computer, _, _, _ = make_loop([STALL], stream=True)
    task = asyncio.create_task(loop.run("task"))
    await asyncio.wait_for(model.stalled.wait(), 5)
    loop.stop()
    result = await asyncio.wait_for(task, 5)
    assert result.status == "stopped"
    assert model.cancelled == ["resp_streaming"]
    assert computer.executed == []


async def test_streamed_text_is_forwarded_as_deltas() -> None:
    loop, _, _, _, events, _ = make_loop([message("all done")], stream=True)
    result = await loop.run("task")
    assert result.status == "succeeded"
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["all done"]


async def test_stop_decision_ends_the_run_and_releases_held_keys() -> None:
    script = [call({"type": "key_down", "keys": ["shift"]}), call(CLICK, "call_2", "resp_2")]
    decisions = iter([Approve(), Stop()])
    loop, _, computer, recorder, _, _ = make_loop(script, lambda r: next(decisions))
    result = await loop.run("task")
    assert result.status == "stopped"
    assert [a.type for a in computer.executed] == ["key_down"]
    assert computer.released[-1] == ["key:shift"]
    assert [s.decision for s in recorder.steps_of(result.run_id)] == ["approved", "stopped"]


@pytest.mark.parametrize(
    "actions",
    [
        [{"type": "keypress", "keys": ["ctrl", "alt", "delete"]}],
        [{"type": "key", "keys": "Control+Alt+Del"}],
        # the same chord assembled from holds
        [
            {"type": "key_down", "keys": ["ctrl"]},
            {"type": "key_down", "keys": ["alt"]},
            {"type": "keypress", "keys": ["delete"]},
        ],
        [{"type": "keypress", "keys": ["win", "r"]}],
    ],
)
async def test_a_blocked_chord_is_never_executed(actions: list[dict[str, Any]]) -> None:
    script: list[Any] = [call(a, f"c{i}", f"r{i}") for i, a in enumerate(actions)]
    script.append(message("gave up"))
    loop, model, computer, recorder, events, _ = make_loop(script)
    result = await loop.run("task")
    executed_keys = [tuple(a.keys) for a in computer.executed]
    assert ("delete",) not in executed_keys and ("meta", "r") not in executed_keys
    assert ("ctrl", "alt", "delete") not in executed_keys
    assert recorder.steps_of(result.run_id)[-1].decision == "blocked"
    assert any(isinstance(e, Problem) and "blocked" in e.text.lower() for e in events)
    assert any("blocked" in t for t in texts_of(model.requests[-1]))


async def test_an_unknown_action_is_shown_answered_and_never_executed() -> None:
    loop, model, computer, recorder, _, asked = make_loop(
        [
            call({"type": "teleport", "x": 1, "y": 2}),
            call({"type": "click", "x": 5}, "c2", "r2"),
            message("ok"),
        ]
    )
    result = await loop.run("task")
    assert computer.executed == []
    assert [r.proposal.executable for r in asked] == [False, False]
    assert "teleport" in asked[0].note
    steps = recorder.steps_of(result.run_id)
    assert [s.decision for s in steps] == ["invalid", "invalid"]
    assert "missing the field 'y'" in (steps[1].action_error or "")
    assert any("could not understand" in t for t in texts_of(model.requests[1]))


async def test_an_invalid_action_can_be_fixed_by_an_edit() -> None:
    loop, _, computer, _, _, _ = make_loop(
        [call({"type": "type"}), message("ok")], lambda r: Edit(TypeText(text="hello"))
    )
    await loop.run("task")
    assert computer.executed == [TypeText(text="hello")]


async def test_the_step_budget_ends_the_run() -> None:
    script = [call(CLICK, f"c{i}", f"r{i}") for i in range(5)]
    loop, model, computer, _, _, _ = make_loop(script, max_steps=3)
    result = await loop.run("task")
    assert result.status == "failed" and "budget" in result.reason
    assert len(computer.executed) == 3 and len(model.requests) == 4


async def test_safety_checks_must_be_acknowledged_and_are_sent_back() -> None:
    checks = [{"id": "sc_1", "code": "malicious_instructions", "message": "careful"}]
    answers = iter([Approve(), Approve(acknowledged=("sc_1",))])
    loop, model, computer, recorder, _, asked = make_loop(
        [call(CLICK, checks=checks), message("ok")], lambda r: next(answers)
    )
    result = await loop.run("task")
    assert len(asked) == 2 and "safety check" in asked[1].note
    assert len(computer.executed) == 1
    output = next(i for i in model.requests[1].input if isinstance(i, ComputerCallOutputItem))
    assert [c.id for c in output.acknowledged_safety_checks or []] == ["sc_1"]
    assert recorder.steps_of(result.run_id)[0].acknowledged_safety_checks == ["sc_1"]


async def test_safety_checks_go_to_the_human_even_when_the_type_is_auto_approved() -> None:
    checks = [{"id": "sc_1"}]
    loop, _, computer, _, _, asked = make_loop(
        [call(CLICK, checks=checks), message("ok")],
        lambda r: Reject("no"),
        policy=Policy(per_type={"click": "auto"}),
    )
    await loop.run("task")
    assert len(asked) == 1 and computer.executed == []


async def test_auto_policy_runs_without_asking_and_block_policy_never_runs() -> None:
    script = [call(CLICK), call({"type": "type", "text": "x"}, "c2", "r2"), message("ok")]
    loop, _, computer, recorder, _, asked = make_loop(
        script, policy=Policy(per_type={"click": "auto", "type": "block"})
    )
    result = await loop.run("task")
    assert asked == [] and [a.type for a in computer.executed] == ["click"]
    assert [s.decision for s in recorder.steps_of(result.run_id)] == ["auto_approved", "blocked"]


async def test_remember_type_auto_approves_the_rest_of_the_run() -> None:
    script = [
        call(CLICK),
        call(CLICK, "c2", "r2"),
        call({"type": "type", "text": "a"}, "c3", "r3"),
        message("ok"),
    ]
    loop, _, computer, _, _, asked = make_loop(script, lambda r: Approve(remember_type=True))
    await loop.run("task")
    assert [r.proposal.kind for r in asked] == ["click", "type"]
    assert len(computer.executed) == 3


@pytest.mark.parametrize(
    ("final", "status", "answer"),
    [
        ({"type": "terminate", "status": "success", "result": "found it"}, "succeeded", "found it"),
        ({"type": "terminate", "status": "failure", "result": "no button"}, "failed", "no button"),
        ({"type": "terminate"}, "failed", None),
        ({"type": "answer", "result": "42"}, "succeeded", "42"),
        ({"type": "done"}, "succeeded", None),
    ],
)
async def test_final_actions_end_the_run(
    final: dict[str, Any], status: str, answer: str | None
) -> None:
    loop, _, computer, recorder, _, asked = make_loop([call(final)])
    result = await loop.run("task")
    assert (result.status, result.answer) == (status, answer)
    assert computer.executed == [] and asked == []
    assert recorder.steps_of(result.run_id)[0].decision == "final"


async def test_an_api_error_pauses_and_retry_sends_the_same_request_again() -> None:
    problems: list[Problem] = []

    async def on_problem(problem: Problem) -> str:
        problems.append(problem)
        return "retry"

    loop, model, computer, _, _, _ = make_loop(
        [api_error(503), call(CLICK), message("ok")], on_problem=on_problem
    )
    result = await loop.run("task")
    assert result.status == "succeeded"
    assert len(problems) == 1 and "503" in problems[0].text
    assert model.requests[0] == model.requests[1]  # same request retried
    assert len(computer.executed) == 1  # executed once


async def test_an_api_error_with_stop_ends_the_run_without_executing() -> None:
    loop, _, computer, recorder, _, _ = make_loop([api_error(500)])
    result = await loop.run("task")
    assert result.status == "stopped" and computer.executed == []
    assert recorder.ended[result.run_id][0] == "stopped"


async def test_an_authentication_error_cannot_be_retried() -> None:
    seen: list[Problem] = []

    async def on_problem(problem: Problem) -> str:
        seen.append(problem)
        return "retry"

    loop, model, _, _, _, _ = make_loop([api_error(401, "bad key")], on_problem=on_problem)
    result = await loop.run("task")
    assert result.status == "stopped" and len(model.requests) == 1
    assert seen and not seen[0].can_retry


async def test_a_capture_failure_is_a_problem_not_a_crash() -> None:
    loop, _, _, _, events, _ = make_loop([message("ok")], on_problem=_retry)
    loop.screen.fail_next = 1  # type: ignore[attr-defined]
    result = await loop.run("task")
    assert result.status == "succeeded"
    assert any(isinstance(e, Problem) and e.kind == "capture" for e in events)


async def _retry(problem: Problem) -> str:
    return "retry"


async def test_an_executor_failure_releases_input_and_asks() -> None:
    script = [call(CLICK), message("ok")]
    loop, model, computer, recorder, _, _ = make_loop(script, on_problem=_retry)
    computer.fail_with = RuntimeError("xdotool crashed")
    result = await loop.run("task")
    assert result.status == "succeeded"
    step = recorder.steps_of(result.run_id)[0]
    assert step.execution == "failed" and "xdotool crashed" in step.execution_detail
    assert len(computer.released) >= 2  # after the failure and at the end
    assert any("failed" in t for t in texts_of(model.requests[1]))


async def test_a_target_on_the_console_window_is_refused_and_reported() -> None:
    console = (0, 0, 400, 400)  # the click maps to (150, 300): inside
    loop, model, computer, recorder, events, _ = make_loop(
        [call(CLICK), message("ok")], exclusion=lambda: [console]
    )
    result = await loop.run("task")
    assert computer.executed == []
    step = recorder.steps_of(result.run_id)[0]
    assert step.execution == "refused" and "console" in step.execution_detail
    assert loop.screen.masks[0] == (console,)  # type: ignore[attr-defined]
    assert any(isinstance(e, Problem) and e.kind == "refused" for e in events)
    assert any("refused" in t for t in texts_of(model.requests[1]))


async def test_pause_holds_before_the_next_execution_until_resume() -> None:
    gate = asyncio.Event()
    loop_ref: list[AgentLoop] = []

    async def decide(request: ApprovalRequest) -> Decision:
        loop_ref[0].pause()
        asyncio.get_running_loop().call_later(0.2, gate.set)
        return Approve()

    loop, _, computer, _, events, _ = make_loop([call(CLICK), message("ok")], decide)
    loop_ref.append(loop)
    task = asyncio.create_task(loop.run("task"))
    await asyncio.sleep(0.1)
    assert loop.paused and computer.executed == []
    assert any(isinstance(e, StateChanged) and e.state is LoopState.PAUSED for e in events)
    await gate.wait()
    loop.resume()
    result = await asyncio.wait_for(task, 5)
    assert result.status == "succeeded" and len(computer.executed) == 1


async def test_stop_while_paused_ends_the_run() -> None:
    async def decide(request: ApprovalRequest) -> Decision:
        loop.pause()
        asyncio.get_running_loop().call_later(0.1, loop.stop)
        return Approve()

    loop, _, computer, _, _, _ = make_loop([call(CLICK)], decide)
    result = await asyncio.wait_for(loop.run("task"), 5)
    assert result.status == "stopped" and computer.executed == []


async def test_a_response_in_progress_is_polled_and_cancelled_on_stop() -> None:
    loop, model, _, _, _, _ = make_loop([{"id": "resp_bg", "status": "in_progress"}])
    model.stored["resp_bg"] = {"id": "resp_bg", "status": "in_progress"}
    task = asyncio.create_task(loop.run("task"))
    for _ in range(50):
        await asyncio.sleep(0.05)
        if model.retrieved:
            break
    loop.stop()
    result = await asyncio.wait_for(task, 5)
    assert result.status == "stopped" and model.cancelled == ["resp_bg"]


async def test_a_listener_that_raises_does_not_break_the_run() -> None:
    def broken(event: Any) -> None:
        raise RuntimeError("listener bug")

    loop, _, _, _, _, _ = make_loop([message("fine")])
    loop.control.sink = broken
    result = await loop.run("task")
    assert result.status == "succeeded"


async def test_the_run_record_carries_the_profile_and_its_coordinate_space() -> None:
    import dataclasses

    loop, _, _, recorder, _, _ = make_loop([message("ok")])
    loop.config = dataclasses.replace(loop.config, coordinates="normalized", profile_kind="openai")
    result = await loop.run("task")
    run = recorder.runs[result.run_id]
    assert (run.profile, run.coordinates, run.profile_kind) == ("test", "normalized", "openai")
    assert run.backend == "http://127.0.0.1:1" and run.task == "task"
