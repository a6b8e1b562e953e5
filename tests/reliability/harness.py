"""One supervised run through the fault proxy, and the invariants every fault must keep.

The stack is the real one minus the desktop: `AgentLoop` → `ResponsesClient` → `FaultProxy` →
the local engine (real HTTP, real SSE, real OCR) — with a `RecordingComputer` for input, a
`HistoryStore` in a temporary folder for the history and an ``on_problem`` answer list the
test controls ("retry" / "stop").

`check_run` asserts what must hold after *any* fault:

* no action executed twice — the executed actions are a prefix of the engine's plan, each
  planned action at most once, clicks inside the buttons OCR found;
* no step lost — step indices contiguous from 0, none left ``pending``, the executed steps are
  exactly what the recording computer ran (same actions, same order), every step names a
  distinct response that is in the ledger, the run row agrees with the result;
* nothing held at the end, and the run recorded with the status `run` returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from console_app.agent.context import LoopConfig
from console_app.agent.decisions import ApprovalRequest, Approve, Decision
from console_app.agent.events import LoopEvent, Problem, RunResult, TextDelta
from console_app.agent.loop import AgentLoop
from console_app.agent.turns import RequestSettings
from console_app.api.client import ResponsesClient
from console_app.core.actions import Action, Click, TypeText, action_to_dict
from console_app.executor import RecordingComputer
from console_app.history.models import StoredStep
from console_app.history.store import HistoryStore
from tests.reliability.fault_proxy import FaultProxy
from tests.reliability.scene import SceneScreen, button

MODEL = "tzafon.northstar-cua-fast"
MODES = pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
CHOICES = pytest.mark.parametrize("choice", ["retry", "stop"])
TASK = 'click "Open" then type "hello" then click "Submit"'
CREATE = "/v1/responses"
RETRIEVE = r"/v1/responses/[^/]+"
CANCEL = r"/v1/responses/[^/]+/cancel"
KEEP_RUNNING = {"metadata": {"engine_delay_ms": "6000"}}  # the engine's test hook
TURNS = 4  # three actions and the final terminate
Choice = Literal["retry", "stop"]
Answer = Literal["retry", "stop", "hold"]  # hold: never answer (the test presses stop)


@dataclass
class Rig:
    """One run's world. ``answers`` are given to ``on_problem`` in order (then "stop")."""

    proxy: FaultProxy
    token: str
    folder: Path
    stream: bool = False
    answers: list[Answer] = field(default_factory=list)
    timeout: float = 30.0
    problems: list[Problem] = field(default_factory=list)
    events: list[LoopEvent] = field(default_factory=list)
    asked: list[ApprovalRequest] = field(default_factory=list)
    on_approve: Callable[[ApprovalRequest], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        self.client = ResponsesClient(
            base_url=self.proxy.url, api_key=self.token, read_env=False, timeout=self.timeout
        )
        self.screen = SceneScreen()
        self.computer = RecordingComputer()
        self.store = HistoryStore(self.folder / "history.sqlite3")
        self.loop = AgentLoop(
            client=self.client,
            screen=self.screen,
            computer=self.computer,
            recorder=self.store,
            approve=self._approve,
            config=LoopConfig(
                request=RequestSettings(model=MODEL),
                profile="reliability",
                profile_kind="local",
                backend=self.proxy.url,
                stream=self.stream,
            ),
            on_event=self.events.append,
            on_problem=self._on_problem,
        )

    async def _approve(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        if self.on_approve is not None:
            await self.on_approve(request)
        return Approve(acknowledged=request.needs_acknowledgement)

    async def _on_problem(self, problem: Problem) -> Choice:
        self.problems.append(problem)
        answer = self.answers.pop(0) if self.answers else "stop"
        if answer == "hold":
            await asyncio.Event().wait()  # until the loop's stop cancels this
        return "stop" if answer == "hold" else answer

    async def run(self, task: str = TASK, limit: float = 60.0) -> RunResult:
        return await asyncio.wait_for(self.loop.run(task), limit)

    async def close(self) -> None:
        await self.client.aclose()
        self.store.close()

    # -- what happened

    def engine_creates(self) -> list[str | None]:
        """Response ids of the creates that reached the engine, in order."""
        return [u.response_id for u in self.proxy.upstream_of("POST", CREATE)]

    def deltas(self) -> list[TextDelta]:
        return [e for e in self.events if isinstance(e, TextDelta)]


MakeRig = Callable[..., Rig]


def check_plan(actions: list[Action]) -> None:
    """The executed actions are a prefix of the plan of `TASK`: each planned action at most
    once, in order, clicks inside the buttons that were drawn."""
    assert len(actions) <= 3, f"more actions ran than the task has: {actions}"
    for position, action in enumerate(actions):
        if position == 1:
            assert action == TypeText(text="hello"), actions
            continue
        target = button("Open" if position == 0 else "Submit")
        assert isinstance(action, Click), actions
        assert target.contains(action.x, action.y), (target, action)


def check_run(rig: Rig, result: RunResult, status: str) -> list[StoredStep]:
    """Every invariant of the module docstring; returns the recorded steps."""
    assert result.status == status, (result, rig.problems)
    steps = rig.store.steps_of(result.run_id)
    assert [s.index for s in steps] == list(range(len(steps))), "step indices have a gap"
    assert all(s.execution != "pending" for s in steps), [s.execution for s in steps]
    ran = [s for s in steps if s.execution == "done"]
    records = rig.computer.records
    assert len(ran) == len(records), "the history and the computer disagree on what ran"
    for step, record in zip(ran, records, strict=True):
        assert (step.edited_action or step.action) == action_to_dict(record.action)
    check_plan(rig.computer.actions)
    ids = [s.response_id for s in steps]
    assert None not in ids and len(set(ids)) == len(ids), ids
    for response_id in ids:
        assert response_id is not None and rig.store.get_response(response_id) is not None
    run = rig.store.get_run(result.run_id)
    assert run is not None and run.status == status and run.step_count == len(steps)
    assert rig.computer.held() == [], "input is still held after the run"
    if status == "succeeded":
        assert len(steps) == TURNS and steps[-1].decision == "final"
        assert len(rig.computer.actions) == 3
    return steps


def expect_pause(rig: Rig, result_status: str, choice: Choice, *phrases: str) -> None:
    """One problem, retryable, whose sentence contains every phrase (case-insensitive), and
    the run ended as the human chose."""
    problem = only(rig.problems)
    assert problem.can_retry, problem
    for phrase in phrases:
        assert phrase.lower() in problem.text.lower(), problem.text
    assert result_status == ("succeeded" if choice == "retry" else "stopped")


def only(items: list[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]
