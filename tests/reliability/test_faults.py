"""Faults that must pause the run with a plain sentence, then resume or stop cleanly.

Every test runs the real loop → client → fault proxy → engine (see ``harness.py``) and ends
with `check_run`: no action twice, no step lost, nothing held, the run recorded as it ended.
The fault hits the second model turn — after the click on "Open" ran — so a wrong retry would
show up as that click (or the next action) running twice.

These are the faults where the client may not repeat a ``create`` on its own (the engine may
have acted on it, or repeating cannot help): the loop shows a `Problem` whose sentence says what
happened, the human answers "retry" (the turn is asked again; the run succeeds, each action ran
once) or "stop" (the run ends ``stopped``, nothing held, recorded as stopped). A response the
engine may still be working on is cancelled either way.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.reliability.fault_proxy import FaultProxy
from tests.reliability.faults import (
    ErrorReply,
    Forward,
    RejectLarger,
    Reset,
    TruncateStream,
    garbage_sse,
    malformed_json,
    oversized,
    rate_limited,
    server_error,
)
from tests.reliability.harness import (
    CANCEL,
    CHOICES,
    CREATE,
    KEEP_RUNNING,
    MODES,
    RETRIEVE,
    TURNS,
    Choice,
    MakeRig,
    check_run,
    expect_pause,
    only,
)
from tests.unit.engine.helpers import RunningEngine


@MODES
@CHOICES
async def test_a_reset_before_the_engine_saw_the_request_pauses(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool, choice: Choice
) -> None:
    proxy.on("POST", CREATE, Reset(after_upstream=False), nth=2)
    rig = make_rig(stream=stream, answers=[choice])
    result = await rig.run()
    check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "could not reach the api")
    assert len(rig.engine_creates()) == (TURNS if choice == "retry" else 1)


@MODES
@CHOICES
async def test_a_reset_after_the_engine_answered_pauses_and_nothing_runs_twice(
    make_rig: MakeRig, proxy: FaultProxy, engine: RunningEngine, stream: bool, choice: Choice
) -> None:
    """The engine planned turn 2 (response R1), but the answer was lost. A create may not be
    repeated by the client; the human's retry asks again, the engine plans turn 2 anew (R2),
    and its action runs once. R1 stays an orphan: in no step, not in the ledger."""
    proxy.on("POST", CREATE, Reset(after_upstream=True), nth=2)
    rig = make_rig(stream=stream, answers=[choice])
    result = await rig.run()
    steps = check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "could not reach the api")
    creates = rig.engine_creates()
    assert len(creates) == (TURNS + 1 if choice == "retry" else 2)
    orphan = creates[1]
    assert orphan is not None and orphan not in {s.response_id for s in steps}
    assert rig.store.get_response(orphan) is None
    stored = engine.service.store.get(orphan)
    assert stored is not None and stored.response.status == "completed"
    if choice == "retry":
        assert steps[1].response_id == creates[2]


@MODES
async def test_every_turn_losing_its_first_answer_still_runs_each_action_once(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool
) -> None:
    """The first attempt of every turn — the first one (no previous response) to the final
    one — is processed by the engine and its answer lost. Four pauses, four retries; each
    action ran once and the history holds exactly the answers the loop received."""
    proxy.on("POST", CREATE, Reset(after_upstream=True), nth=[1, 3, 5, 7])
    rig = make_rig(stream=stream, answers=["retry"] * TURNS)
    result = await rig.run()
    steps = check_run(rig, result, "succeeded")
    assert len(rig.problems) == TURNS
    creates = rig.engine_creates()
    assert len(creates) == 2 * TURNS
    assert [s.response_id for s in steps] == creates[1::2]  # the retries' answers, in order


@CHOICES
@pytest.mark.parametrize("abort", [False, True], ids=["clean-end", "reset"])
async def test_a_truncated_stream_pauses(
    make_rig: MakeRig, proxy: FaultProxy, choice: Choice, abort: bool
) -> None:
    proxy.on("POST", CREATE, TruncateStream(after_events=3, abort=abort), nth=2)
    rig = make_rig(stream=True, answers=[choice])
    result = await rig.run()
    check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "stream ended early")
    assert len(rig.engine_creates()) == (TURNS + 1 if choice == "retry" else 2)


@CHOICES
async def test_a_cut_stream_whose_response_still_runs_is_cancelled(
    make_rig: MakeRig, proxy: FaultProxy, engine: RunningEngine, choice: Choice
) -> None:
    """The stream of turn 2 is cut while the engine still works on it (R1, kept in progress
    6 s). Whatever the human answers, R1 is cancelled: stop leaves nothing running on the
    server, and retry asks again (R2) without two responses at work for one turn."""
    proxy.on("POST", CREATE, TruncateStream(after_events=2), nth=2, patch=KEEP_RUNNING)
    rig = make_rig(stream=True, answers=[choice])
    result = await rig.run()
    steps = check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "stream ended early")
    orphan = rig.engine_creates()[1]
    assert orphan is not None and orphan not in {s.response_id for s in steps}
    stored = engine.service.store.get(orphan)
    assert stored is not None and stored.response.status == "cancelled"
    assert len(proxy.received_of("POST", CANCEL)) == 1


async def test_stop_while_a_problem_waits_for_the_human_cancels_the_running_response(
    make_rig: MakeRig, proxy: FaultProxy, engine: RunningEngine
) -> None:
    """The stream of turn 2 is cut and the problem waits for an answer that never comes; the
    supervisor presses Stop instead: the run ends stopped, the response still running on
    the engine is cancelled."""
    proxy.on("POST", CREATE, TruncateStream(after_events=2), nth=2, patch=KEEP_RUNNING)
    rig = make_rig(stream=True, answers=["hold"])
    task = asyncio.create_task(rig.run())
    await proxy.wait_for(lambda: bool(rig.problems))
    rig.loop.stop()
    result = await task
    check_run(rig, result, "stopped")
    orphan = rig.engine_creates()[1]
    assert orphan is not None
    stored = engine.service.store.get(orphan)
    assert stored is not None and stored.response.status == "cancelled"


@CHOICES
async def test_a_poll_that_keeps_failing_pauses_and_the_response_is_cancelled(
    make_rig: MakeRig, proxy: FaultProxy, engine: RunningEngine, choice: Choice
) -> None:
    """Turn 2 runs in the background; every attempt of the first poll gets a 503 (the client
    retries twice on its own, then gives up). The pause names the error; stop or retry, the
    response still running on the engine is cancelled."""
    patch = {"background": True} | KEEP_RUNNING
    proxy.on("POST", CREATE, Forward(), nth=2, patch=patch)
    proxy.on("GET", RETRIEVE, server_error(503, "poll later"), nth=[1, 2, 3])
    rig = make_rig(answers=[choice])
    result = await rig.run()
    check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "internal error (503)", "poll later")
    orphan = rig.engine_creates()[1]
    assert orphan is not None
    stored = engine.service.store.get(orphan)
    assert stored is not None and stored.response.status == "cancelled"


@MODES
@CHOICES
@pytest.mark.parametrize("hint", [None, False], ids=["no-hint", "should-retry-false"])
async def test_a_500_that_may_not_be_retried_pauses(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool, choice: Choice, hint: bool | None
) -> None:
    proxy.on("POST", CREATE, server_error(500, "the engine fell over", retry=hint), nth=2)
    rig = make_rig(stream=stream, answers=[choice])
    result = await rig.run()
    check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "internal error (500)", "the engine fell over")
    assert len(proxy.received_of("POST", CREATE)) == (TURNS + 1 if choice == "retry" else 2)
    assert len(rig.engine_creates()) == (TURNS if choice == "retry" else 1)


@MODES
@CHOICES
async def test_a_429_without_should_retry_pauses_on_rate_limiting(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool, choice: Choice
) -> None:
    proxy.on("POST", CREATE, rate_limited(retry_after="1"), nth=2)
    rig = make_rig(stream=stream, answers=[choice])
    result = await rig.run()
    check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "rate limiting", "(429)")
    assert len(proxy.received_of("POST", CREATE)) == (TURNS + 1 if choice == "retry" else 2)


@MODES
async def test_a_gateway_html_error_page_becomes_a_plain_sentence(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool
) -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>"
    proxy.on("POST", CREATE, ErrorReply(502, html=html), nth=2)
    rig = make_rig(stream=stream, answers=["retry"])
    result = await rig.run()
    check_run(rig, result, "succeeded")
    expect_pause(rig, result.status, "retry", "internal error (502)", "bad gateway")
    assert "<" not in only(rig.problems).text


@MODES
async def test_a_request_over_a_gateway_body_limit_pauses_until_stopped(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool
) -> None:
    """A proxy in front of the API refuses bodies over its limit (nginx's 413 page). Retrying
    the same body fails the same way; the human stops, cleanly."""
    proxy.on("POST", CREATE, RejectLarger(limit=1000), nth=[2, 3])
    rig = make_rig(stream=stream, answers=["retry", "stop"])
    result = await rig.run()
    check_run(rig, result, "stopped")
    first, second = (p.text for p in rig.problems)
    assert first == second
    text = first
    assert "(413)" in text and "too large" in text.lower() and "<" not in text
    assert len(rig.engine_creates()) == 1 and len(rig.computer.actions) == 1


@CHOICES
@pytest.mark.parametrize(
    ("stream", "late"),
    [
        (False, Forward(delay_ms=2000)),
        (True, Forward(delay_ms=2000)),
        (True, Forward(stall_after_events=3, stall_ms=2000)),
    ],
    ids=["json", "sse-head", "sse-mid-stream"],
)
async def test_an_answer_later_than_the_read_timeout_pauses(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool, late: Forward, choice: Choice
) -> None:
    """The engine's answer (or the rest of its stream) comes after the client's read timeout
    (1 s): the engine did the work, so the create is not repeated without the human."""
    proxy.on("POST", CREATE, late, nth=2)
    rig = make_rig(stream=stream, answers=[choice], timeout=1.0)
    result = await rig.run()
    check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "did not answer in time")
    assert len(rig.engine_creates()) == (TURNS + 1 if choice == "retry" else 2)


@CHOICES
async def test_malformed_json_after_the_engine_answered_pauses(
    make_rig: MakeRig, proxy: FaultProxy, choice: Choice
) -> None:
    proxy.on("POST", CREATE, malformed_json(), nth=2)
    rig = make_rig(answers=[choice])
    result = await rig.run()
    check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "cannot read", "not JSON")
    assert len(rig.engine_creates()) == (TURNS + 1 if choice == "retry" else 2)


GARBAGE_SSE = {
    "event-not-json": (
        b'event: response.created\ndata: {"type": "response.created", "response": {"id": \n\n',
        ("cannot read", "not JSON"),
    ),
    "malformed-final-event": (
        b'event: response.completed\ndata: {"type": "response.completed", '
        b'"response": {"id": 5, "output": "x"}}\n\n',
        ("cannot read", "malformed"),
    ),
    "error-event": (
        b'event: error\ndata: {"type": "error", "error": {"message": "model overloaded"}}\n\n',
        ("error while streaming", "model overloaded"),
    ),
    "binary-noise": (bytes(range(256)) * 64, ("stream ended early",)),
}


@CHOICES
@pytest.mark.parametrize("kind", list(GARBAGE_SSE))
async def test_garbage_sse_pauses(
    make_rig: MakeRig, proxy: FaultProxy, choice: Choice, kind: str
) -> None:
    body, phrases = GARBAGE_SSE[kind]
    proxy.on("POST", CREATE, garbage_sse(body), nth=2)
    rig = make_rig(stream=True, answers=[choice])
    result = await rig.run()
    check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, *phrases)
    assert len(rig.engine_creates()) == (TURNS + 1 if choice == "retry" else 2)


@MODES
@CHOICES
@pytest.mark.parametrize("valid", [True, False], ids=["padded", "junk"])
async def test_a_30_mb_answer_is_refused_not_buffered(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool, choice: Choice, valid: bool
) -> None:
    """30 MB in place of the engine's answer — well-formed (one huge field, or one huge text
    delta in a chunked stream) or junk: refused at the client's 16 MB limit, as unreadable."""
    proxy.on("POST", CREATE, oversized(30 * 1024 * 1024, valid=valid, stream=stream), nth=2)
    rig = make_rig(stream=stream, answers=[choice])
    result = await rig.run()
    check_run(rig, result, result.status)
    expect_pause(rig, result.status, choice, "cannot read", "larger than 16 MB")
    assert not any(len(d.text) > 1_000_000 for d in rig.deltas())
    assert len(rig.engine_creates()) == (TURNS + 1 if choice == "retry" else 2)
