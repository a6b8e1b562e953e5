"""Whole generated conversations through the loop: no crash, nothing invalid runs, nothing held.

Hypothesis writes the model's side — several responses of valid calls in both dialects,
invalid calls, messages, reasoning, unknown items, final actions, holds without releases,
blocked chords, whole answers the client must refuse — and the supervisor's side: approve
(with or without ticking safety checks), reject, edit, skip, stop, and retry/stop on problems.

The answers go through the real `ResponsesClient` (JSON or SSE, parsed exactly as from a
server; an in-memory transport stands in for the socket), the real `AgentLoop`, a
`RecordingComputer` and a `HistoryStore`. After every run:

* `run` returned a `RunResult` (no exception escaped) and no internal error was reported;
* the loop judged every call as the test does: executable exactly when the test says the call
  is valid; nothing from an invalid call or an unreadable answer ever ran (an edit runs the
  edited action only);
* a valid call that ran ran exactly as it means, with its safety checks acknowledged;
* no blocked chord was ever down at once, counting keys held by ``key_down`` (checked on the
  primitive key events the computer sent);
* nothing is held at the end, on the computer or in the primitive input it sent;
* the history has every step (indices contiguous, none left pending), its executed steps are
  what the computer ran, in order, and the run row has the status `run` returned.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from console_app.agent.context import LoopConfig
from console_app.agent.decisions import (
    ApprovalRequest,
    Approve,
    Decision,
    Edit,
    Reject,
    Skip,
    Stop,
)
from console_app.agent.events import LoopEvent, Problem, RunResult
from console_app.agent.loop import AgentLoop
from console_app.agent.turns import RequestSettings
from console_app.api.client import ResponsesClient
from console_app.core.actions import (
    Action,
    Click,
    KeyDown,
    Keypress,
    MouseDown,
    TypeText,
    action_to_dict,
)
from console_app.core.keys import UnknownKeyError, canonical_chord
from console_app.executor import RecordingComputer
from console_app.executor.backend import PressButton, PressKey, ReleaseButton, ReleaseKey
from console_app.history.store import HistoryStore
from tests.reliability.scene import SceneScreen
from tests.reliability.sequences import BLOCKED_CHORDS, Answer, conversations

EDITS: list[Action] = [
    Click(x=640, y=360),
    TypeText(text="edited"),
    KeyDown(keys=["meta"]),
    Keypress(keys=["ctrl", "alt", "delete"]),
    MouseDown(x=10, y=10),
]
decisions = st.one_of(
    st.sampled_from(["approve"] * 8 + ["approve-unticked", "reject", "skip", "stop"]),
    st.sampled_from(EDITS),
)


@dataclass
class ScriptedServer:
    """The far side of the socket: answers each create with the next scripted answer (then a
    plain "done" message), as JSON or as SSE — whatever the request asked for."""

    script: list[Answer]
    creates: int = 0
    served: list[Answer] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/cancel"):
            rid = request.url.path.split("/")[-2]
            return httpx.Response(200, json={"id": rid, "status": "cancelled"})
        if request.method != "POST":
            return httpx.Response(404, json={"error": {"message": "not found"}})
        stream = bool(json.loads(request.content).get("stream"))
        self.creates += 1
        answer = self.script.pop(0) if self.script else Answer(body=_done(self.creates))
        self.served.append(answer)
        if answer.broken is not None:
            kind, value = answer.broken
            if kind == "status":
                return httpx.Response(value, json={"error": {"message": f"status {value}"}})
            if kind == "body":
                return httpx.Response(200, content=value, headers={"content-type": "text/html"})
            answer_body: Any = value
        else:
            answer_body = answer.body
        if not stream:  # json.dumps, not httpx's encoder: it would refuse the NaN on purpose
            body = json.dumps(answer_body).encode()
            return httpx.Response(200, content=body, headers={"content-type": "application/json"})
        return httpx.Response(
            200, content=_sse(answer_body), headers={"content-type": "text/event-stream"}
        )


def _done(n: int) -> dict[str, Any]:
    text = {"type": "output_text", "text": "done"}
    message = {"type": "message", "role": "assistant", "content": [text]}
    return {"id": f"resp_done_{n}", "status": "completed", "output": [message]}


def _sse(body: Any) -> bytes:
    rid = body.get("id") if isinstance(body, dict) else None
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": rid, "status": "in_progress"}},
        {"type": "response.output_text.delta", "delta": "…"},
        {"type": "response.completed", "response": body},
    ]
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


@dataclass
class Supervisor:
    decisions: list[str | Action]  # a decision's name, or the action to edit in
    problem_answers: list[Literal["retry", "stop"]]
    edits: dict[str, Action] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    async def approve(self, request: ApprovalRequest) -> Decision:
        choice = self.decisions.pop(0) if self.decisions else "approve"
        call_id = request.proposal.call_id or ""
        match choice:
            case "approve":
                return Approve(acknowledged=request.needs_acknowledgement)
            case "approve-unticked":
                return Approve()
            case "reject":
                return Reject("not that")
            case "skip":
                return Skip()
            case "stop":
                return Stop()
        assert not isinstance(choice, str), choice
        self.edits[call_id] = choice
        return Edit(choice, acknowledged=request.needs_acknowledgement)

    async def on_problem(self, problem: Problem) -> Literal["retry", "stop"]:
        self.problems.append(problem)
        return self.problem_answers.pop(0) if self.problem_answers else "retry"


async def play(
    script: list[Answer], supervisor: Supervisor, stream: bool, folder: Path
) -> tuple[RunResult, RecordingComputer, HistoryStore, list[LoopEvent], ScriptedServer]:
    server = ScriptedServer(list(script))
    client = ResponsesClient(
        base_url="http://model.invalid",
        api_key="k",
        read_env=False,
        max_retries=0,
        transport=httpx.MockTransport(server.handle),
    )
    computer = RecordingComputer()
    store = HistoryStore(folder / "history.sqlite3")
    events: list[LoopEvent] = []
    loop = AgentLoop(
        client=client,
        screen=SceneScreen(),
        computer=computer,
        recorder=store,
        approve=supervisor.approve,
        config=LoopConfig(
            request=RequestSettings(model="m"), backend="http://model.invalid", stream=stream
        ),
        on_event=events.append,
        on_problem=supervisor.on_problem,
    )
    try:
        result = await asyncio.wait_for(loop.run("generated task"), 30)
    finally:
        await client.aclose()
    return result, computer, store, events, server


@settings(
    max_examples=int(os.environ.get("SEQ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    script=conversations(),
    choices=st.lists(decisions, max_size=30),
    problem_answers=st.lists(st.sampled_from(["retry", "stop"]), max_size=6),
    stream=st.booleans(),
)
def test_generated_conversations_keep_every_invariant(
    script: list[Answer],
    choices: list[str | Action],
    problem_answers: list[Literal["retry", "stop"]],
    stream: bool,
) -> None:
    supervisor = Supervisor(list(choices), list(problem_answers))
    with tempfile.TemporaryDirectory() as folder:
        result, computer, store, events, server = asyncio.run(
            play(script, supervisor, stream, Path(folder))
        )
        _label(result, computer, store, supervisor)
        try:
            check(result, computer, store, events, server, supervisor)
        finally:
            store.close()


def _label(
    result: RunResult, computer: RecordingComputer, store: HistoryStore, supervisor: Supervisor
) -> None:
    """What the example exercised (``--hypothesis-show-statistics``)."""
    event(f"run {result.status}")
    event(f"actions run: {min(len(computer.records), 5)}{'+' if len(computer.records) > 5 else ''}")
    decisions = {s.decision for s in store.steps_of(result.run_id)}
    for decision in sorted(decisions & {"invalid", "blocked", "edited", "rejected", "skipped"}):
        event(f"a step was {decision}")
    if any(r.action.type in ("key_down", "mouse_down") for r in computer.records):
        event("input was held during the run")
    if supervisor.problems:
        event("the run paused on a problem")


def check(
    result: RunResult,
    computer: RecordingComputer,
    store: HistoryStore,
    events: list[LoopEvent],
    server: ScriptedServer,
    supervisor: Supervisor,
) -> None:
    assert isinstance(result, RunResult) and result.status != "error", result
    assert not [e for e in events if isinstance(e, Problem) and e.kind == "internal"]
    calls = {call.call_id: (call, answer) for answer in server.served for call in answer.calls}

    steps = store.steps_of(result.run_id)
    assert [s.index for s in steps] == list(range(len(steps)))
    assert all(s.execution != "pending" for s in steps)
    for step in steps:
        assert step.call_id in calls, f"a step from nowhere: {step.call_id}"
        call, answer = calls[step.call_id]
        assert answer.readable, "a step was taken from an answer the client must refuse"
        understood = step.action_error is None
        assert understood == (call.expected is not None or call.final), (step, call)

    ran = [s for s in steps if s.execution == "done"]
    assert [s.edited_action or s.action for s in ran] == [
        action_to_dict(r.action) for r in computer.records
    ], "the history and the computer disagree on what ran"
    for step in ran:
        call, _ = calls[step.call_id or ""]
        if step.decision == "edited":
            assert step.edited_action == action_to_dict(supervisor.edits[call.call_id])
            continue
        assert step.decision in ("approved", "auto_approved"), step.decision
        assert call.expected is not None, "an invalid call was executed"
        assert step.action == action_to_dict(call.expected), (step.action, call.expected)
        assert set(call.checks) <= set(step.acknowledged_safety_checks)

    assert computer.held() == [], "input is still held after the run"
    down = list(_pressed_keys(computer))
    for pressed in down:
        for chord in BLOCKED_CHORDS:
            assert not set(chord) <= pressed, f"a blocked chord went down: {chord}"
    assert not _still_down(computer), "the input sent leaves a key or button down"

    run = store.get_run(result.run_id)
    assert run is not None and run.status == result.status


def _pressed_keys(computer: RecordingComputer) -> Iterator[set[str]]:
    """Every set of keys down at one moment (canonical names: the backend says ``win`` for
    ``meta``). Typed text is not a chord: the desktop types with ``xdotool type
    --clearmodifiers``, which lifts held modifiers; its line breaks are Enter presses."""
    held: set[str] = set()
    for step in computer.steps:
        if isinstance(step, PressKey):
            held.add(_canonical(step.name))
            yield set(held)
        elif isinstance(step, ReleaseKey):
            held.discard(_canonical(step.name))


def _canonical(name: str) -> str:
    try:
        return canonical_chord([name])[0]
    except UnknownKeyError:
        return name


def _still_down(computer: RecordingComputer) -> set[str]:
    down: set[str] = set()
    for step in computer.steps:
        if isinstance(step, PressKey):
            down.add(f"key:{step.name}")
        elif isinstance(step, ReleaseKey):
            down.discard(f"key:{step.name}")
        elif isinstance(step, PressButton):
            down.add(f"button:{step.button}")
        elif isinstance(step, ReleaseButton):
            down.discard(f"button:{step.button}")
    return down
