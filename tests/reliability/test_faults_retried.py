"""Faults the console gets through on its own: retried where that is provably safe.

Every test runs the real loop → client → fault proxy → engine (see ``harness.py``) and ends
with `check_run`: no action twice, no step lost, nothing held, the run recorded as it ended.
The fault hits the second model turn, after the click on "Open" ran.

Safe to repeat without the human: a request that provably never reached the engine (the
connection was refused), a 5xx/429 the server marked ``x-should-retry: true`` (after the wait
it asks for), and the idempotent calls (retrieve, cancel). No problem is shown, and the engine
planned each turn exactly once. A late answer is simply waited for.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from console_app.agent.decisions import ApprovalRequest
from console_app.agent.events import LoopState, StateChanged
from tests.reliability.fault_proxy import FaultProxy
from tests.reliability.faults import ErrorReply, Forward, Reset, rate_limited, server_error
from tests.reliability.harness import (
    CANCEL,
    CREATE,
    MODES,
    RETRIEVE,
    TURNS,
    MakeRig,
    Rig,
    check_run,
)
from tests.unit.engine.helpers import RunningEngine


@MODES
async def test_a_clean_run_through_the_proxy(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool
) -> None:
    rig = make_rig(stream=stream)
    result = await rig.run()
    check_run(rig, result, "succeeded")
    assert rig.problems == []
    assert len(rig.engine_creates()) == TURNS
    assert len(proxy.received_of("POST", CREATE)) == TURNS
    if stream:
        assert rig.deltas(), "a streamed run forwards text deltas"


@MODES
async def test_a_slow_answer_is_waited_for(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool
) -> None:
    proxy.on("POST", CREATE, Forward(delay_ms=1200), nth=2)
    rig = make_rig(stream=stream)
    started = asyncio.get_running_loop().time()
    result = await rig.run()
    check_run(rig, result, "succeeded")
    assert rig.problems == [] and len(rig.engine_creates()) == TURNS
    assert asyncio.get_running_loop().time() - started >= 1.2


async def test_a_stream_that_pauses_mid_body_is_waited_for(
    make_rig: MakeRig, proxy: FaultProxy
) -> None:
    proxy.on("POST", CREATE, Forward(stall_after_events=3, stall_ms=1000), nth=2)
    rig = make_rig(stream=True)
    result = await rig.run()
    check_run(rig, result, "succeeded")
    assert rig.problems == [] and len(rig.engine_creates()) == TURNS
    assert proxy.received_of("POST", CREATE)[1].events_relayed > 3


@MODES
@pytest.mark.parametrize("status", [500, 503])
async def test_a_5xx_marked_should_retry_is_retried_by_the_client(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool, status: int
) -> None:
    proxy.on("POST", CREATE, server_error(status, retry=True), nth=2)
    rig = make_rig(stream=stream)
    result = await rig.run()
    check_run(rig, result, "succeeded")
    assert rig.problems == []
    assert len(proxy.received_of("POST", CREATE)) == TURNS + 1  # the retry
    assert len(rig.engine_creates()) == TURNS  # the engine planned each turn once


@MODES
@pytest.mark.parametrize(
    ("headers", "wait"),
    [({"retry_after_ms": "400"}, 0.4), ({"retry_after": "1"}, 1.0)],
    ids=["retry-after-ms", "retry-after"],
)
async def test_a_429_marked_should_retry_waits_as_told_then_retries(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool, headers: dict[str, str], wait: float
) -> None:
    proxy.on("POST", CREATE, rate_limited(retry=True, **headers), nth=2)
    rig = make_rig(stream=stream)
    result = await rig.run()
    check_run(rig, result, "succeeded")
    assert rig.problems == [] and len(rig.engine_creates()) == TURNS
    first, second = proxy.received_of("POST", CREATE)[1:3]
    assert second.at - first.at >= wait - 0.02  # Retry-After honoured


@MODES
async def test_connection_refused_is_retried_because_nothing_was_sent(
    make_rig: MakeRig, proxy: FaultProxy, stream: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """The proxy stops listening while the human approves the first action, and comes back
    0.15 s after the loop starts asking for turn 2 — before the client's first retry (its
    backoff is at least 0.375 s): the second create is refused, then retried on its own."""
    tasks: list[asyncio.Task[None]] = []

    async def up_once_the_loop_asks_again(seen: int) -> None:
        await proxy.wait_for(lambda: _thinking_since(rig, seen))
        await asyncio.sleep(0.15)
        await proxy.come_up()

    async def down_during_first_approval(request: ApprovalRequest) -> None:
        if request.step_index == 0:
            await proxy.go_down()
            tasks.append(asyncio.create_task(up_once_the_loop_asks_again(len(rig.events))))

    rig = make_rig(stream=stream, on_approve=down_during_first_approval)
    with caplog.at_level(logging.INFO, logger="console_app.api.client"):
        result = await rig.run()
    await asyncio.gather(*tasks)
    check_run(rig, result, "succeeded")
    assert rig.problems == []
    assert any("ConnectError, retrying" in r.getMessage() for r in caplog.records)
    assert len(proxy.received_of("POST", CREATE)) == TURNS
    assert len(rig.engine_creates()) == TURNS


def _thinking_since(rig: Rig, seen: int) -> bool:
    return any(
        isinstance(e, StateChanged) and e.state is LoopState.THINKING for e in rig.events[seen:]
    )


async def test_a_failing_retrieve_is_retried_by_the_client(
    make_rig: MakeRig, proxy: FaultProxy
) -> None:
    """A background response is polled; the first poll gets 503 (Retry-After: 1) and the
    second a reset before it reaches the engine — both retried (GET is idempotent)."""
    proxy.on("POST", CREATE, Forward(), nth=2, patch={"background": True})
    proxy.on("GET", RETRIEVE, ErrorReply(503, "busy", {"retry-after": "1"}), nth=1)
    proxy.on("GET", RETRIEVE, Reset(after_upstream=False), nth=2)
    rig = make_rig()
    result = await rig.run()
    check_run(rig, result, "succeeded")
    assert rig.problems == []
    gets = proxy.received_of("GET", RETRIEVE)
    assert len(gets) >= 3 and gets[1].at - gets[0].at >= 0.98
    assert len(rig.engine_creates()) == TURNS


@MODES
async def test_stop_cancels_the_response_on_the_engine_and_a_failing_cancel_is_retried(
    make_rig: MakeRig, proxy: FaultProxy, engine: RunningEngine, stream: bool
) -> None:
    """Stop while the engine still works on turn 2: the loop cancels that response; the
    first cancel gets a 503 and is retried (cancel is idempotent); the engine ends it
    ``cancelled`` and nothing more runs."""
    patch = {"metadata": {"engine_delay_ms": "5000"}} | ({} if stream else {"background": True})
    proxy.on("POST", CREATE, Forward(), nth=2, patch=patch)
    proxy.on("POST", CANCEL, server_error(503, "cancel later"), nth=1)
    rig = make_rig(stream=stream)
    task = asyncio.create_task(rig.run())
    # The loop knows which response is in progress (from response.created, or the polled
    # background response) once it took turn 2's answer in.
    await proxy.wait_for(lambda: len(proxy.received_of("POST", CREATE)) == 2)
    await proxy.wait_for(lambda: rig.loop.inflight_response_id is not None)
    rig.loop.stop()
    result = await task
    check_run(rig, result, "stopped")
    assert len(rig.computer.actions) == 1
    assert len(proxy.received_of("POST", CANCEL)) == 2
    second = rig.engine_creates()[1]
    assert second is not None
    stored = engine.service.store.get(second)
    assert stored is not None and stored.response.status == "cancelled"
