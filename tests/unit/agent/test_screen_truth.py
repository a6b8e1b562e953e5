"""Screen truth: settling on a still screen, the stale-screen guard, blind captures.

The pure part runs on a fake clock (no sleeping); the loop part runs the real AgentLoop with a
fake screen whose pixels the test changes, a scripted model and a spy computer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from console_app.agent.context import LoopConfig
from console_app.agent.decisions import ApprovalRequest, Approve
from console_app.agent.events import Problem
from console_app.agent.loop import AgentLoop
from console_app.agent.policy import PolicyTable
from console_app.agent.screen_truth import (
    BLANK_CAPTURE,
    ScreenTruth,
    SettleConfig,
    StaleScreen,
    blind_reason,
)
from console_app.agent.turns import RequestSettings
from console_app.api.types import ComputerCallOutputItem
from console_app.core.actions import Click, TypeText
from console_app.core.records import MemoryRecorder
from console_app.core.settings import Policy
from tests.unit.agent.fakes import ProbingScreen, ScriptedModel, SpyComputer, call, message

W, H = 640, 360  # probe size of a 1280×720 viewport


def flat(level: int = 200) -> np.ndarray:
    frame = np.full((H, W), level, dtype=np.uint8)
    frame[5, 5] = 0  # never blank
    return frame


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class TimedScreen:
    """Probes that depend on the fake clock: ``frames(t_ms)`` gives the probe at that time."""

    def __init__(self, clock: FakeClock, frames: Callable[[float], np.ndarray]) -> None:
        self.clock = clock
        self.frames = frames
        self.probes = 0

    def probe(self, mask: Any = ()) -> np.ndarray:
        self.probes += 1
        return self.frames(self.clock.now * 1000)


def settle(frames: Callable[[float], np.ndarray], before: np.ndarray | None, **cfg: float) -> Any:
    clock = FakeClock()
    truth = ScreenTruth(
        TimedScreen(clock, frames), SettleConfig(**cfg), clock=clock, sleep=clock.sleep
    )
    return truth.settle(before, (), lambda: False)


# ---------------------------------------------------------------------- settle (pure)


def test_a_screen_that_reacted_at_once_settles_in_two_probes() -> None:
    before = flat()
    after = flat()
    after[100:200, 100:300] = 0  # the click opened something immediately
    result = settle(lambda t: after, before)
    assert result.reacted and not result.timed_out
    assert result.probes == 2 and 50 <= result.waited_ms < 120


def test_a_dialog_that_opens_700_ms_later_is_waited_for() -> None:
    before = flat()
    dialog = flat()
    dialog[100:250, 150:450] = 30

    def frames(t: float) -> np.ndarray:
        return dialog if t >= 700 else before

    result = settle(frames, before)
    assert result.reacted and not result.timed_out
    assert 700 <= result.waited_ms < 800


def test_a_screen_that_never_reacts_is_given_the_reaction_time_not_the_maximum() -> None:
    before = flat()
    result = settle(lambda t: before, before)
    assert not result.reacted and not result.timed_out
    assert 1000 <= result.waited_ms < 1100


def test_a_blinking_caret_does_not_hold_the_wait_to_the_maximum() -> None:
    before = flat()
    on = flat()
    on[100:108, 200] = 0

    def frames(t: float) -> np.ndarray:
        caret = on if int(t // 500) % 2 else before
        typed = caret.copy()
        typed[150:160, 100:160] = 0  # the typed word appeared at once
        return typed

    result = settle(frames, before)
    assert result.reacted and result.waited_ms < 200


def test_a_spinner_does_not_hold_the_wait_to_the_maximum_either() -> None:
    before = flat()

    def frames(t: float) -> np.ndarray:
        frame = flat()
        frame[20:40, 20:200] = 0  # a page appeared
        step = int(t // 35) % 4
        frame[300 + step * 2 : 304 + step * 2, 600:604] = 0  # a small spinner, always moving
        return frame

    result = settle(frames, before)
    assert not result.timed_out and result.waited_ms < 200


def test_a_screen_that_keeps_changing_ends_at_the_maximum() -> None:
    before = flat()

    def frames(t: float) -> np.ndarray:
        frame = flat()
        x = int(t // 5) % 500  # moves between any two probes
        frame[50:150, x : x + 100] = 0  # a big animation
        return frame

    result = settle(frames, before, max_ms=600)
    assert result.timed_out and 600 <= result.waited_ms < 700


def test_the_minimum_wait_is_kept_and_settling_can_be_switched_off() -> None:
    after = flat()
    after[0:100, 0:100] = 0
    assert settle(lambda t: after, flat(), min_ms=300).waited_ms >= 300
    off = settle(lambda t: after, flat(), enabled=False)
    assert off.waited_ms == 0 and off.probes == 0


def test_a_stop_ends_the_wait_at_once() -> None:
    clock = FakeClock()
    truth = ScreenTruth(
        TimedScreen(clock, lambda t: flat()), SettleConfig(), clock=clock, sleep=clock.sleep
    )
    result = truth.settle(flat(), (), lambda: clock.now > 0.1)
    assert result.waited_ms < 200


# ---------------------------------------------------------------------- stale + blind (pure)


class Shot:
    def __init__(self, probe: np.ndarray) -> None:
        from tests.unit.agent.fakes import FakeScreen

        self.probe = probe
        self.mapping = FakeScreen().capture().mapping
        self.masked: tuple[tuple[int, int, int, int], ...] = ()


def test_a_changed_target_is_stale_and_an_unchanged_one_is_not() -> None:
    truth = ScreenTruth(object(), SettleConfig())
    seen = Shot(flat())
    moved = flat()
    moved[90:110, 190:210] = 0  # around viewport (400, 200)
    assert truth.check_stale(Click(x=400, y=200), seen, Shot(moved)) is not None
    assert truth.check_stale(Click(x=1000, y=600), seen, Shot(moved)) is None
    assert truth.check_stale(TypeText(text="x"), seen, Shot(moved)) is None  # not a pointer


def test_blank_and_fully_masked_captures_are_blind() -> None:
    assert blind_reason(Shot(np.zeros((H, W), np.uint8))) == BLANK_CAPTURE
    assert blind_reason(Shot(flat())) is None
    shot = Shot(flat())
    shot.masked = ((0, 0, 1920, 1080),)
    assert "hidden from the model" in (blind_reason(shot) or "")


# ---------------------------------------------------------------------- in the loop

CLICK = {"type": "click", "x": 400, "y": 200}


def make_loop(
    script: list[Any],
    screen: ProbingScreen,
    *,
    auto: bool,
    on_stale: Any = None,
    on_problem: Any = None,
) -> tuple[AgentLoop, ScriptedModel, SpyComputer, MemoryRecorder, list[ApprovalRequest]]:
    model = ScriptedModel(script)
    recorder = MemoryRecorder()
    computer = SpyComputer(recorder)
    asked: list[ApprovalRequest] = []

    async def approve(request: ApprovalRequest) -> Any:
        asked.append(request)
        screen_changes()  # the world moves on while the human thinks
        return Approve()

    screen_changes = getattr(screen, "while_asking", lambda: None)
    loop = AgentLoop(
        client=model,
        screen=screen,
        computer=computer,
        recorder=recorder,
        approve=approve,
        config=LoopConfig(
            request=RequestSettings(model="local-engine"),
            profile="test",
            backend="http://127.0.0.1:1",
            settle=SettleConfig(min_ms=0, max_ms=200, reaction_ms=50, interval_ms=5),
        ),
        policy=PolicyTable(Policy(default="auto" if auto else "ask")),
        on_problem=on_problem,
        on_stale=on_stale,
    )
    return loop, model, computer, recorder, asked


class World:
    """A screen whose target area the test can change (``ProbingScreen`` reads ``frame``)."""

    def __init__(self) -> None:
        self.frame = flat()

    def change_target(self) -> None:
        self.frame = self.frame.copy()
        self.frame[90:110, 190:210] = 0

    def screen(self) -> ProbingScreen:
        screen = ProbingScreen(lambda: self.frame)
        screen.while_asking = self.change_target  # type: ignore[attr-defined]
        return screen


def sent_outputs(model: ScriptedModel) -> list[ComputerCallOutputItem]:
    items = []
    for params in model.requests[1:]:
        for item in params.input if isinstance(params.input, list) else []:
            if isinstance(item, ComputerCallOutputItem):
                items.append(item)
    return items


async def test_a_human_approval_on_a_changed_target_asks_again_and_nothing_runs() -> None:
    world = World()
    choices: list[StaleScreen] = []

    async def on_stale(stale: StaleScreen) -> str:
        choices.append(stale)
        return "resend"

    loop, model, computer, recorder, _ = make_loop(
        [call(CLICK), message("ok")], world.screen(), auto=False, on_stale=on_stale
    )
    await loop.run("task")
    assert computer.executed == []
    (stale,) = choices
    assert stale.before.probe is not None and stale.after.probe is not None
    assert stale.changed > 0.1 and stale.points == ((400.5, 200.5),)
    step = recorder.steps_of(loop.run_id or "")[0]
    assert step.decision == "approved" and step.execution == "stale"
    assert "changed under the target" in step.execution_detail
    # the model was told, and got the screen as it is now
    (output,) = sent_outputs(model)
    assert output.output is not None


async def test_run_anyway_runs_it_and_the_step_says_so() -> None:
    world = World()

    async def on_stale(stale: StaleScreen) -> str:
        return "run"

    loop, _, computer, recorder, _ = make_loop(
        [call(CLICK), message("ok")], world.screen(), auto=False, on_stale=on_stale
    )
    await loop.run("task")
    assert [a.type for a in computer.executed] == ["click"]
    step = recorder.steps_of(loop.run_id or "")[0]
    assert step.execution == "done" and "run anyway" in step.execution_detail


async def test_stop_on_a_stale_target_stops_the_run() -> None:
    world = World()

    async def on_stale(stale: StaleScreen) -> str:
        return "stop"

    loop, _, computer, recorder, _ = make_loop(
        [call(CLICK), message("never")], world.screen(), auto=False, on_stale=on_stale
    )
    result = await loop.run("task")
    assert result.status == "stopped" and computer.executed == []
    assert recorder.steps_of(loop.run_id or "")[0].execution == "stale"


async def test_an_auto_approved_action_on_a_changed_target_goes_back_to_the_model() -> None:
    world = World()
    asked: list[Any] = []

    async def on_stale(stale: StaleScreen) -> str:
        asked.append(stale)
        return "run"

    def second(params: Any) -> dict[str, Any]:
        return message("ok")

    screen = world.screen()
    real_capture = screen.capture
    captures = 0

    def capture(mask: Any = ()) -> Any:
        nonlocal captures
        captures += 1
        if captures == 2:  # the guard's fresh capture: something moved since the model looked
            world.change_target()
        return real_capture(mask)

    screen.capture = capture  # type: ignore[method-assign]
    loop, model, computer, recorder, _ = make_loop(
        [call(CLICK), second], screen, auto=True, on_stale=on_stale
    )
    await loop.run("task")
    assert computer.executed == [] and asked == []  # nobody asked: it went back to the model
    step = recorder.steps_of(loop.run_id or "")[0]
    assert step.decision == "auto_approved" and step.execution == "stale"
    assert len(model.requests) == 2


async def test_an_unchanged_target_runs_without_a_second_question() -> None:
    world = World()
    world.change_target = lambda: None  # type: ignore[method-assign]
    loop, _, computer, recorder, _ = make_loop(
        [call(CLICK), message("ok")], world.screen(), auto=False
    )
    await loop.run("task")
    assert [a.type for a in computer.executed] == ["click"]
    (step,) = recorder.steps_of(loop.run_id or "")
    assert step.execution == "done"
    assert step.timings.settle_ms is not None  # how long the screen took to settle after it


async def test_a_blank_capture_is_never_sent_to_the_model() -> None:
    problems: list[Problem] = []

    async def on_problem(problem: Problem) -> str:
        problems.append(problem)
        return "stop"

    screen = ProbingScreen(lambda: np.zeros((H, W), np.uint8))
    loop, model, computer, _, _ = make_loop([call(CLICK)], screen, auto=True, on_problem=on_problem)
    result = await loop.run("task")
    assert result.status == "stopped"
    assert model.requests == [] and computer.executed == []
    assert [p.kind for p in problems] == ["blind"] and problems[0].text == BLANK_CAPTURE
