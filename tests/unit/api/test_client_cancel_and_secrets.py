"""Cancelling a request closes its connection at once; the API key never leaks."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback

import pytest

from console_app.api.errors import APIError, APIStreamError, AuthenticationError
from console_app.core.redact import RedactingFilter
from tests.unit.api.conftest import API_KEY, ClientFactory
from tests.unit.api.http_server import Exchange, ScriptedServer, reply, sse, sse_event, stall
from tests.unit.api.seed_examples import realistic

OK = realistic("lightcone_computer_call.json")


async def test_cancelling_create_cancels_the_request_and_closes_the_connection(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.always(stall())
    task = asyncio.create_task(make_client().create(model="m", input="hello"))
    await server.wait_requests(1)

    started = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - started < 0.5

    await server.wait_for(lambda: len(server.client_closes) == 1, timeout=2)
    closed_after = server.client_closes[0][1] - started
    assert closed_after < 1.0
    assert len(server.requests) == 1


async def test_cancelling_during_a_retry_wait_sends_nothing_more(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.always(reply(503, {"error": {"message": "busy"}}, headers={"retry-after": "30"}))
    task = asyncio.create_task(make_client().retrieve("resp_1"))
    await server.wait_requests(1)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1)
    await asyncio.sleep(0.1)
    assert len(server.requests) == 1


async def test_a_timeout_around_create_cancels_it(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.always(stall())
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(make_client().create(input="x"), 0.2)
    await server.wait_for(lambda: len(server.client_closes) == 1, timeout=2)


async def test_the_client_still_works_after_a_cancelled_request(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    client = make_client()
    server.script(stall(), reply(200, OK))
    task = asyncio.create_task(client.create(input="x"))
    await server.wait_requests(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    response = await client.retrieve("resp_1")
    assert response.id == OK["id"]


async def test_closing_a_stream_early_closes_the_connection(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    created = {"type": "response.created", "response": {**OK, "status": "in_progress"}}
    server.always(sse([sse_event(created)], end="stall"))
    events = make_client().create_stream(model="m", input="hello")
    first = await anext(events)
    assert first.type == "response.created"
    await events.aclose()  # type: ignore[attr-defined]
    await server.wait_for(lambda: len(server.client_closes) == 1, timeout=2)


async def test_cancelling_a_task_reading_a_stream_closes_the_connection(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    created = {"type": "response.created", "response": {**OK, "status": "in_progress"}}
    server.always(sse([sse_event(created)], end="stall"))
    seen: list[str] = []

    async def consume() -> None:
        async for event in make_client().create_stream(model="m", input="hello"):
            seen.append(event.type)

    task = asyncio.create_task(consume())
    await server.wait_for(lambda: bool(seen), timeout=2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await server.wait_for(lambda: len(server.client_closes) == 1, timeout=2)


# ---------------------------------------------------------------------- the key never leaks


def _echo_everything(exchange: Exchange) -> object:
    """What a careless server does: put the credentials it got into the error."""
    header = exchange.request.headers.get("authorization", "")
    key = header.removeprefix("Bearer ")
    return {
        "error": {
            "message": f"invalid key {key} (sent as {header!r})",
            "type": f"auth_error_for_{key}",
            "code": key,
            "param": key,
        },
        "echo": {"authorization": header, "key": key},
    }


async def test_an_echoed_key_appears_nowhere(
    server: ScriptedServer,
    make_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included

    async def careless(exchange: Exchange) -> None:
        key = exchange.request.headers["authorization"].removeprefix("Bearer ")
        await exchange.respond(
            401,
            json_body=_echo_everything(exchange),
            # httpcore logs response headers at DEBUG: echo the key there too.
            headers={"x-request-id": f"req_{key}", "WWW-Authenticate": f'Bearer key="{key}"'},
        )

    server.always(careless)
    client = make_client()
    with pytest.raises(AuthenticationError) as caught:
        await client.create(model="m", input="hello")
    exc = caught.value

    assert "invalid key" in exc.message  # the server's message is kept, minus the key
    shown = [
        str(exc),
        repr(exc),
        exc.message,
        exc.user_text(),
        repr(exc.body),
        repr(exc.error_type),
        repr(exc.code),
        repr(exc.args),
        "".join(traceback.format_exception(exc)),
        repr(client),
        str(vars(exc)),
        str(exc.request_id),
        caplog.text,
        "\n".join(r.getMessage() for r in caplog.records),
    ]
    for text in shown:
        assert API_KEY not in text
    assert server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"


async def test_an_echoed_key_in_a_stream_error_event_is_redacted(
    server: ScriptedServer, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.always(
        sse(
            [sse_event({"type": "error", "message": f"bad key {API_KEY}", "code": API_KEY})],
            headers={"x-request-id": f"req-{API_KEY}"},
        )
    )
    with pytest.raises(APIStreamError) as caught:
        async for _ in make_client().create_stream(input="x"):
            pass
    exc = caught.value
    assert exc.message.startswith("bad key ")
    for text in (str(exc), repr(exc), repr(exc.code), str(exc.request_id), caplog.text):
        assert API_KEY not in text


async def test_exceptions_logged_through_the_redacting_filter_stay_clean(
    server: ScriptedServer, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A caller that logs the exception with its traceback (``log.exception``) leaks nothing,
    even when its own message is built from the key."""

    async def careless(exchange: Exchange) -> None:
        await exchange.respond(401, json_body=_echo_everything(exchange))

    server.always(careless)
    logger = logging.getLogger("console_app.tests.secret_check")
    caplog.handler.addFilter(RedactingFilter())
    caplog.set_level(logging.DEBUG)
    try:
        await make_client().create(input="x")
    except APIError:
        logger.exception("create failed for key %s", API_KEY)
    assert caplog.records, "the failure was logged"
    assert API_KEY not in caplog.text
    assert "create failed for key [REDACTED]" in caplog.text
    assert "AuthenticationError" in caplog.text
