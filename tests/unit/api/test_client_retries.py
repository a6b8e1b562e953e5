"""Retries happen exactly where they cannot act twice, and wait as long as the server asks.

Every count below is the number of requests the real server received; every wait is measured
between the server's receipt of two attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import itertools
import logging
import socket
import time
from collections.abc import Callable

import pytest

from console_app.api import retry as retry_module
from console_app.api.client import ResponsesClient, retry_delay
from console_app.api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from tests.unit.api.conftest import API_KEY, ClientFactory
from tests.unit.api.http_server import (
    Handler,
    ScriptedServer,
    cut_body,
    drop_after_request,
    free_port,
    reply,
    stall,
)
from tests.unit.api.seed_examples import realistic

OK = realistic("lightcone_computer_call.json")
FAST = {"retry-after-ms": "10"}  # keeps retry tests fast while exercising the header


def error(status: int, **headers: str) -> Handler:
    return reply(status, {"error": {"message": f"status {status}"}}, headers=headers)


def gaps(server: ScriptedServer) -> list[float]:
    times = [r.received_at for r in server.requests]
    return [b - a for a, b in itertools.pairwise(times)]


# ---------------------------------------------------------------------- which requests retry


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_get_is_retried_on_retryable_statuses(
    server: ScriptedServer, make_client: ClientFactory, status: int
) -> None:
    server.script(error(status, **FAST), reply(200, OK))
    response = await make_client().retrieve("resp_1")
    assert response.id == OK["id"]
    assert server.paths() == [("GET", "/v1/responses/resp_1")] * 2


async def test_get_gives_up_after_max_retries(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.always(error(503, **FAST))
    with pytest.raises(ServerError):
        await make_client(max_retries=2).retrieve("resp_1")
    assert len(server.requests) == 3
    server.requests.clear()
    with pytest.raises(ServerError):
        await make_client(max_retries=0).retrieve("resp_1")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/v1/responses/resp_1"), ("POST", "/v1/responses/resp_1/cancel")],
)
async def test_delete_and_cancel_are_retried(
    server: ScriptedServer, make_client: ClientFactory, method: str, path: str
) -> None:
    server.script(error(502, **FAST), error(500, **FAST), reply(200, {**OK, "deleted": True}))
    client = make_client()
    await (client.delete("resp_1") if method == "DELETE" else client.cancel("resp_1"))
    assert server.paths() == [(method, path)] * 3


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(404, NotFoundError), (400, BadRequestError), (409, APIStatusError)],
)
async def test_get_is_not_retried_on_final_statuses(
    server: ScriptedServer,
    make_client: ClientFactory,
    status: int,
    error_class: type[APIStatusError],
) -> None:
    server.always(error(status, **FAST))
    with pytest.raises(error_class):
        await make_client().retrieve("resp_1")
    assert len(server.requests) == 1


async def test_x_should_retry_false_stops_a_get_retry(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.always(error(503, **{"x-should-retry": "false", **FAST}))
    with pytest.raises(ServerError):
        await make_client().retrieve("resp_1")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(503, ServerError), (500, ServerError), (429, RateLimitError), (408, APIStatusError)],
)
async def test_create_is_not_retried_on_a_status_alone(
    server: ScriptedServer,
    make_client: ClientFactory,
    status: int,
    error_class: type[APIStatusError],
) -> None:
    server.always(error(status, **FAST))
    with pytest.raises(error_class):
        await make_client().create(model="m", input="click the button")
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [503, 429, 400])
async def test_create_is_retried_when_the_server_says_x_should_retry(
    server: ScriptedServer, make_client: ClientFactory, status: int
) -> None:
    server.script(error(status, **{"x-should-retry": "true", **FAST}), reply(200, OK))
    response = await make_client().create(model="m", input="click the button")
    assert response.id == OK["id"]
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body


# ---------------------------------------------------------------------- how long it waits


async def test_retry_after_ms_is_honoured(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.script(error(503, **{"retry-after-ms": "300"}), reply(200, OK))
    await make_client().retrieve("resp_1")
    [gap] = gaps(server)
    assert 0.3 <= gap < 0.3 + 0.4  # the upper bound leaves room for a loaded CI box


async def test_retry_after_seconds_is_honoured(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.script(error(429, **{"retry-after": "1"}), reply(200, OK))
    await make_client().retrieve("resp_1")
    [gap] = gaps(server)
    assert 1.0 <= gap < 1.0 + 0.4


async def test_without_a_hint_the_backoff_is_exponential_with_jitter(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.script(error(503), error(503), reply(200, OK))
    await make_client().retrieve("resp_1")
    first, second = gaps(server)
    assert 0.5 * 0.75 <= first < 0.5 + 0.3
    assert 1.0 * 0.75 <= second < 1.0 + 0.3


def test_retry_delay_reads_every_header_form() -> None:
    assert retry_delay(0, {"retry-after-ms": "250"}) == pytest.approx(0.25)
    assert retry_delay(0, {"retry-after-ms": "250", "retry-after": "9"}) == pytest.approx(0.25)
    assert retry_delay(3, {"retry-after": "2.5"}) == pytest.approx(2.5)
    soon = email.utils.formatdate(time.time() + 3, usegmt=True)
    assert 1.9 <= retry_delay(0, {"retry-after": soon}) <= 3.0
    # Nonsense, negative or over a minute: exponential backoff (0.5 s·2ⁿ, jitter −25 %, ≤ 8 s).
    for headers in (
        {"retry-after": "soon"},
        {"retry-after-ms": "-5"},
        {"retry-after": "3600"},
        {"retry-after-ms": "nan-ish"},
        None,
    ):
        assert 0.375 <= retry_delay(0, headers) <= 0.5
        assert 3.0 <= retry_delay(3, headers) <= 4.0
        assert 6.0 <= retry_delay(10, headers) <= 8.0


# ---------------------------------------------------------------------- transport failures


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_module, "INITIAL_BACKOFF", 0.02)


async def test_create_is_retried_after_a_refused_connection_until_the_port_opens() -> None:
    port = free_port()
    client = ResponsesClient(
        base_url=f"http://127.0.0.1:{port}", api_key=API_KEY, read_env=False, max_retries=2
    )
    late = ScriptedServer(reply(200, OK), port=port)
    try:
        attempt = asyncio.create_task(client.create(model="m", input="hello"))
        await asyncio.sleep(0.2)  # the first attempt is refused; the backoff is ≥ 0.375 s
        assert not attempt.done()
        await late.start()
        response = await asyncio.wait_for(attempt, 5)
    finally:
        await client.aclose()
        await late.stop()
    assert response.id == OK["id"]
    assert len(late.requests) == 1  # the server saw the create exactly once


async def test_connect_timeout_is_retried_for_create_and_reported_as_timeout(
    fast_backoff: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="console_app.api.client")
    # A listening socket that never accepts, its backlog already full: SYNs go unanswered.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    client = ResponsesClient(
        base_url=f"http://127.0.0.1:{port}",
        api_key=API_KEY,
        read_env=False,
        connect_timeout=0.15,
        max_retries=2,
    )
    started = time.perf_counter()
    try:
        with pytest.raises(APITimeoutError, match="ConnectTimeout"):
            await client.create(model="m", input="hello")
    finally:
        await client.aclose()
        for sock in (*fillers, listener):
            sock.close()
    elapsed = time.perf_counter() - started
    retries = [r for r in caplog.records if "ConnectTimeout, retrying" in r.getMessage()]
    assert len(retries) == 2  # never reached the server: retried like any other request
    assert 3 * 0.15 <= elapsed < 3 * 0.15 + 1.0


async def test_a_refused_connection_counts_its_retries(
    fast_backoff: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="console_app.api.client")
    client = ResponsesClient(
        base_url=f"http://127.0.0.1:{free_port()}", api_key=API_KEY, read_env=False, max_retries=3
    )
    try:
        with pytest.raises(APIConnectionError) as caught:
            await client.create(model="m", input="hello")
    finally:
        await client.aclose()
    assert not isinstance(caught.value, APITimeoutError)
    assert "ConnectError" in caught.value.message
    assert "Could not reach the API" in caught.value.user_text()
    retries = [r for r in caplog.records if "ConnectError, retrying" in r.getMessage()]
    assert len(retries) == 3  # never reached a server: even create is retried


@pytest.mark.parametrize(
    "misbehaviour",
    [
        pytest.param(lambda: cut_body(how="reset"), id="reset-mid-body"),
        pytest.param(lambda: cut_body(how="close"), id="closed-mid-body"),
        pytest.param(lambda: drop_after_request("close"), id="hung-up-without-answer"),
        pytest.param(lambda: drop_after_request("reset"), id="reset-without-answer"),
    ],
)
async def test_create_that_may_have_reached_the_server_is_never_repeated(
    server: ScriptedServer,
    make_client: ClientFactory,
    fast_backoff: None,
    misbehaviour: Callable[[], Handler],
) -> None:
    server.always(misbehaviour())
    with pytest.raises(APIConnectionError) as caught:
        await make_client().create(model="m", input="type my password")
    assert not isinstance(caught.value, APITimeoutError)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "misbehaviour",
    [
        pytest.param(lambda: cut_body(how="reset"), id="reset-mid-body"),
        pytest.param(lambda: cut_body(how="close"), id="closed-mid-body"),
        pytest.param(lambda: drop_after_request("reset"), id="reset-without-answer"),
    ],
)
async def test_get_is_retried_after_a_cut_connection(
    server: ScriptedServer,
    make_client: ClientFactory,
    fast_backoff: None,
    misbehaviour: Callable[[], Handler],
) -> None:
    server.script(misbehaviour(), reply(200, OK))
    response = await make_client().retrieve("resp_1")
    assert response.id == OK["id"]
    assert len(server.requests) == 2


# ---------------------------------------------------------------------- timeouts


async def test_read_timeout_on_create(server: ScriptedServer, make_client: ClientFactory) -> None:
    server.always(stall())
    started = time.perf_counter()
    with pytest.raises(APITimeoutError) as caught:
        await make_client(timeout=0.3).create(model="m", input="hello")
    elapsed = time.perf_counter() - started
    assert 0.3 <= elapsed < 0.3 + 0.7
    assert "ReadTimeout" in caught.value.message
    assert len(server.requests) == 1  # may have reached the model: not repeated
    await server.wait_for(lambda: len(server.client_closes) >= 1, timeout=2)


async def test_read_timeout_on_get_is_retried(
    server: ScriptedServer, make_client: ClientFactory, fast_backoff: None
) -> None:
    server.always(stall())
    with pytest.raises(APITimeoutError):
        await make_client(timeout=0.2, max_retries=1).retrieve("resp_1")
    assert len(server.requests) == 2


async def test_a_slow_but_steady_answer_is_not_a_timeout(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    """The read timeout bounds the silence between bytes, not the whole answer."""
    import json

    body = json.dumps(OK).encode()

    async def trickle(exchange):  # type: ignore[no-untyped-def]
        await exchange.send_head(
            200, {"Content-Type": "application/json", "Content-Length": str(len(body))}
        )
        step = len(body) // 4 + 1
        for start in range(0, len(body), step):
            await asyncio.sleep(0.12)
            await exchange.send(body[start : start + step])

    server.script(trickle)
    response = await make_client(timeout=0.25).retrieve("resp_1")
    assert response.id == OK["id"]
