"""Safety properties found by review: stop wins over a running or pending action, unfinished
responses never run, blocked chords cannot be completed by typing, keys never reach the
supervisor's own window."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from console_app.agent.decisions import ApprovalRequest, Approve, Decision, Edit
from console_app.agent.policy import PolicyTable, keys_pressed_by
from console_app.core.actions import Click, Navigate, TypeText
from console_app.core.settings import Policy
from tests.unit.agent.fakes import call, message
from tests.unit.agent.test_loop import CLICK, make_loop


async def test_stop_interrupts_an_action_that_is_running() -> None:
    loop, _, computer, recorder, _, _ = make_loop(
        [call({"type": "wait", "seconds": 30}), message("never")],
        policy=Policy(default="auto"),
    )
    computer.delay = 30.0
    task = asyncio.create_task(loop.run("task"))
    while not computer.started.is_set():
        await asyncio.sleep(0.01)
    stopped_at = time.monotonic()
    loop.stop()
    result = await asyncio.wait_for(task, 5)
    assert time.monotonic() - stopped_at < 2  # not the 30 s the action would have taken
    assert result.status == "stopped" and computer.interrupted.is_set()
    step = recorder.steps_of(result.run_id)[0]
    assert step.execution == "failed" and "interrupted" in step.execution_detail


async def test_stop_between_the_decision_and_the_action_wins() -> None:
    # The step is being written (committed before execution) when the supervisor stops.
    loop, _, computer, recorder, _, _ = make_loop([call(CLICK), message("x")])
    real = recorder.record_step

    def slow_record(step: Any) -> None:
        real(step)
        if step.execution == "pending":
            loop.stop()  # arrives while the step is recorded, before the input thread starts

    recorder.record_step = slow_record  # type: ignore[method-assign]
    result = await asyncio.wait_for(loop.run("task"), 5)
    assert result.status == "stopped"
    assert computer.executed == []
    step = recorder.steps_of(result.run_id)[0]
    assert step.execution == "refused" and "stopped before" in step.execution_detail


@pytest.mark.parametrize("status", ["incomplete", "failed", "cancelled"])
async def test_calls_of_an_unfinished_response_never_run(status: str) -> None:
    unfinished = call({"type": "type", "text": "rm -rf ~/pro"})
    unfinished["status"] = status
    loop, _, computer, _, _, asked = make_loop(
        [unfinished, message("ok")], policy=Policy(default="auto")
    )
    await loop.run("task")
    assert computer.executed == []
    assert asked and not asked[0].proposal.executable
    assert status in (asked[0].proposal.error or "")


@pytest.mark.parametrize("item_status", ["incomplete", "in_progress"])
async def test_an_unfinished_call_never_runs(item_status: str) -> None:
    response = call({"type": "type", "text": "rm -rf ~/pro"})
    response["output"][1]["status"] = item_status
    loop, _, computer, _, _, asked = make_loop(
        [response, message("ok")], policy=Policy(default="auto")
    )
    await loop.run("task")
    assert computer.executed == [] and not asked[0].proposal.executable


@pytest.mark.parametrize(
    "second",
    [
        {"type": "navigate", "url": "example.com"},  # ctrl+l + enter with Win held → Win+L
        {"type": "type", "text": "l"},  # Win+L through a typed character
        {"type": "type", "text": "r"},
    ],
)
async def test_a_held_modifier_plus_typing_cannot_complete_a_blocked_chord(
    second: dict[str, Any],
) -> None:
    script = [
        call({"type": "key_down", "keys": ["super"]}),
        call(second, "c2", "r2"),
        message("ok"),
    ]
    loop, _, computer, recorder, _, _ = make_loop(script)
    result = await loop.run("task")
    assert [a.type for a in computer.executed] == ["key_down"]
    assert recorder.steps_of(result.run_id)[1].decision == "blocked"


def test_keys_pressed_by_each_kind_of_action() -> None:
    assert keys_pressed_by(TypeText(text="Hi\n")) == {"h", "i", "enter"}
    assert keys_pressed_by(Navigate(url="a.org")) == {"ctrl", "l", "enter"}
    assert keys_pressed_by(Click(x=1, y=1)) is None
    table = PolicyTable()
    assert table.evaluate(TypeText(text="hello")).choice == "ask"  # nothing held: fine


def test_a_misspelt_blocked_chord_is_an_error_not_silently_dropped() -> None:
    from pydantic import ValidationError

    assert Policy(blocked_chords=[["ctrl+shift+q"]]).blocked_chords == [["ctrl", "shift", "q"]]
    with pytest.raises(ValidationError, match="blocked chord #1"):
        Policy(blocked_chords=[["ctrl", "shfit", "q"]])


async def test_an_edit_cannot_run_a_call_whose_safety_checks_were_unreadable() -> None:
    response = call(CLICK, checks=[{"code": "wire_money", "message": "The page asks for money"}])

    def decide(request: ApprovalRequest) -> Decision:
        assert request.proposal.error_field == "pending_safety_checks"
        return Edit(Click(x=1, y=1))

    loop, _, computer, recorder, _, _ = make_loop([response, message("ok")], decide)
    result = await loop.run("task")
    assert computer.executed == []
    assert recorder.steps_of(result.run_id)[0].decision == "invalid"


class Guard:
    def __init__(self, refusal: str | None) -> None:
        self.refusal = refusal
        self.notes = 0
        self.checks = 0

    def note(self) -> None:
        self.notes += 1

    def check(self) -> str | None:
        self.checks += 1
        return self.refusal


async def test_keys_are_refused_when_the_focus_guard_says_so() -> None:
    guard = Guard("the keyboard focus is on the terminal")
    script = [call({"type": "type", "text": "y\n"}), call(CLICK, "c2", "r2"), message("ok")]
    loop, _, computer, recorder, _, _ = make_loop(script, policy=Policy(default="auto"))
    loop.context.focus_guard = guard
    result = await loop.run("task")
    steps = recorder.steps_of(result.run_id)
    assert steps[0].execution == "refused" and "terminal" in steps[0].execution_detail
    assert [a.type for a in computer.executed] == ["click"]  # pointer actions still run
    assert guard.notes == 3 and guard.checks == 2  # a note per capture, a check per action


async def test_approve_still_works_with_a_guard_that_allows() -> None:
    guard = Guard(None)
    loop, _, computer, _, _, _ = make_loop(
        [call({"type": "type", "text": "hello"}), message("ok")], lambda r: Approve()
    )
    loop.context.focus_guard = guard
    await loop.run("task")
    assert [a.type for a in computer.executed] == ["type"]


async def test_a_problem_that_stops_the_run_gives_the_reason() -> None:
    from tests.unit.agent.fakes import api_error

    loop, _, _, _, _, _ = make_loop([api_error(500, "engine fell over")])
    result = await loop.run("task")
    assert result.status == "stopped" and result.reason.startswith("stopped after:")
    assert "500" in result.reason


async def test_the_screen_gets_time_to_react_before_it_is_captured_again() -> None:

    import numpy as np

    from console_app.agent.screen_truth import ScreenTruth, SettleConfig
    from tests.unit.agent.fakes import ProbingScreen

    loop, _, _, _, _, _ = make_loop([call(CLICK), message("ok")], policy=Policy(default="auto"))
    settle = SettleConfig(min_ms=300)
    frame = np.full((360, 640), 100, dtype=np.uint8)
    frame[0, 0] = 0
    loop.screen = loop.context.screen = ProbingScreen(lambda: frame)
    loop.context.truth = ScreenTruth(loop.screen, settle)
    captured: list[float] = []
    real = loop.screen.capture

    def timed(mask: Any = ()) -> Any:
        captured.append(time.monotonic())
        return real(mask)

    loop.screen.capture = timed  # type: ignore[method-assign]
    await loop.run("task")
    # the first screenshot, the stale guard's fresh look before the click, the next screenshot
    assert len(captured) == 3 and captured[2] - captured[1] >= 0.3


async def test_the_corner_fail_safe_is_its_own_kind_of_problem_and_never_retried() -> None:
    from console_app.agent.events import Problem
    from console_app.executor.outcomes import FailSafeTriggered

    seen: list[Problem] = []

    async def retry_everything(problem: Problem) -> str:
        seen.append(problem)
        return "retry"

    loop, _, computer, _, _, _ = make_loop(
        [call(CLICK), message("never")],
        policy=Policy(default="auto"),
        on_problem=retry_everything,
    )
    computer.fail_with = FailSafeTriggered("click at (5, 5): pyautogui's fail-safe fired")
    result = await loop.run("task")
    assert result.status == "stopped"
    assert [p.kind for p in seen] == ["failsafe"] and not seen[0].can_retry
