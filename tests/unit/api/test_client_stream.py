"""``create_stream`` against a real server sending SSE in pieces, cut, stalled or malformed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from console_app.api.calls import proposals
from console_app.api.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStreamError,
    APIStreamIncompleteError,
    APITimeoutError,
    NotFoundError,
    ServerError,
)
from console_app.api.types import StreamEvent
from console_app.core.actions import Click
from tests.unit.api.conftest import ClientFactory
from tests.unit.api.http_server import ScriptedServer, reply, sse, sse_event
from tests.unit.api.seed_examples import realistic

FINAL = realistic("openai_computer_call.json")
CALL = FINAL["output"][1]
IN_PROGRESS = {**FINAL, "status": "in_progress", "output": []}


def openai_events(final: dict[str, Any] = FINAL) -> list[dict[str, Any]]:
    """The event sequence an OpenAI-compatible server sends for one computer call."""
    return [
        {"type": "response.created", "sequence_number": 0, "response": IN_PROGRESS},
        {"type": "response.in_progress", "sequence_number": 1, "response": IN_PROGRESS},
        {
            "type": "response.output_item.added",
            "sequence_number": 2,
            "output_index": 0,
            "item": {"type": "reasoning", "id": "rs_1", "summary": []},
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "sequence_number": 3,
            "item_id": "rs_1",
            "output_index": 0,
            "summary_index": 0,
            "delta": "Opening the ",
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "sequence_number": 4,
            "item_id": "rs_1",
            "output_index": 0,
            "summary_index": 0,
            "delta": "context menu…",
        },
        {
            "type": "response.output_item.done",
            "sequence_number": 5,
            "output_index": 1,
            "item": CALL,
        },
        {"type": "response.completed", "sequence_number": 6, "response": final},
    ]


def as_sse(events: list[dict[str, Any]], *, named: bool = True, newline: str = "\n") -> str:
    return "".join(sse_event(e, e["type"] if named else None, newline=newline) for e in events)


async def collect(make_client: ClientFactory, **options: Any) -> list[StreamEvent]:
    client = make_client(**options)
    return [event async for event in client.create_stream(model="m", input="open the menu")]


def check_final(events: list[StreamEvent]) -> None:
    final = events[-1]
    assert final.type == "response.completed" and final.is_terminal
    assert final.response is not None and final.response.id == FINAL["id"]
    [proposal] = proposals(final.response)
    assert proposal.action == Click(x=412, y=305, button="middle")
    assert [c.id for c in proposal.pending_safety_checks] == ["cu_sc_67ccd2c2d4c08190"]


async def test_a_typical_stream_without_done(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.always(sse([as_sse(openai_events())], headers={"x-request-id": "req_s"}))
    events = await collect(make_client)

    [request] = server.requests
    assert request.json() == {"model": "m", "input": "open the menu", "stream": True}
    assert request.headers["accept"] == "text/event-stream"
    assert [e.type for e in events] == [e["type"] for e in openai_events()]
    deltas = [e.delta for e in events if e.delta]
    assert "".join(d for d in deltas if d) == "Opening the context menu…"
    assert events[5].item is not None and events[5].item.type == "computer_call"
    check_final(events)


@pytest.mark.parametrize("size", [1, 7, 64])
async def test_pieces_of_any_size_give_the_same_events(
    server: ScriptedServer, make_client: ClientFactory, size: int
) -> None:
    raw = as_sse(openai_events(), newline="\r\n").encode()
    pieces = [raw[i : i + size] for i in range(0, len(raw), size)]
    server.always(sse(pieces))
    events = await collect(make_client)
    assert [e.type for e in events] == [e["type"] for e in openai_events()]
    check_final(events)


async def test_comments_keepalives_crlf_multiline_data_ids_and_unknown_events(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    completed = json.dumps({"type": "response.completed", "response": FINAL}, indent=2)
    multi_line = "".join(f"data: {line}\r\n" for line in completed.splitlines())
    stream = [
        ": this is a comment\r\n\r\n",
        ":keep-alive\n\n",
        "retry: 3000\nid: 1\n\n",
        "event: response.created\r\n",
        "data: " + json.dumps({"response": IN_PROGRESS}) + "\r\n\r\n",  # type from event name
        ": keep-alive\r\n\r\n",
        "event: response.hologram.materialized\n",
        'data: {"type": "response.hologram.materialized", "shape": "cube"}\n\n',
        'data: {"type": "response.output_text.delta", "delta": "he", "item_id": "m"}\r\r',
        "id: 2\r\nevent: response.completed\r\n",
        multi_line,
        "\r\n",
    ]
    server.always(sse(stream, delay=0.01))
    events = await collect(make_client)
    assert [e.type for e in events] == [
        "response.created",
        "response.hologram.materialized",
        "response.output_text.delta",
        "response.completed",
    ]
    assert events[1].model_extra == {"shape": "cube"}
    assert events[2].delta == "he"
    check_final(events)


async def test_done_after_the_terminal_event_is_fine_and_later_bytes_are_ignored(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.always(sse([as_sse(openai_events()), "data: [DONE]\n\n", "data: garbage\n\n"]))
    events = await collect(make_client)
    check_final(events)


@pytest.mark.parametrize(
    "ending",
    [
        pytest.param([], id="clean-end"),
        pytest.param(["data: [DONE]\n\n"], id="done-without-terminal"),
        pytest.param([": bye\n\n"], id="comment-then-end"),
    ],
)
async def test_a_stream_that_ends_without_a_terminal_event_is_an_error(
    server: ScriptedServer, make_client: ClientFactory, ending: list[str]
) -> None:
    server.always(sse([as_sse(openai_events()[:-1]), *ending], headers={"x-request-id": "r1"}))
    seen: list[str] = []
    with pytest.raises(APIStreamIncompleteError) as caught:
        async for event in make_client().create_stream(input="x"):
            seen.append(event.type)
    assert len(seen) == len(openai_events()) - 1
    assert caught.value.request_id == "r1"
    assert isinstance(caught.value, APIConnectionError)


@pytest.mark.parametrize(
    ("end", "cut_inside_event"),
    [("reset", False), ("reset", True), ("close", True), ("close", False)],
)
async def test_a_stream_cut_in_the_middle_is_incomplete(
    server: ScriptedServer, make_client: ClientFactory, end: str, cut_inside_event: bool
) -> None:
    raw = as_sse(openai_events())
    cut = (
        raw.index('{"type": "response.completed"') + 40
        if cut_inside_event
        else raw.index("event: response.output_item.done")
    )
    server.always(sse([raw[:cut]], end=end))
    with pytest.raises(APIStreamIncompleteError):
        await collect(make_client)


async def test_an_error_event_raises_with_message_code_and_request_id(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    error = {
        "type": "error",
        "sequence_number": 3,
        "code": "server_error",
        "message": "The model crashed while thinking.",
        "param": None,
    }
    server.always(
        sse([as_sse(openai_events()[:2]), sse_event(error, "error")], headers={"x-request-id": "r"})
    )
    with pytest.raises(APIStreamError) as caught:
        await collect(make_client)
    assert caught.value.message == "The model crashed while thinking."
    assert caught.value.code == "server_error"
    assert caught.value.request_id == "r"


async def test_an_error_event_with_a_nested_error_object(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    nested = {"error": {"message": "quota exhausted", "code": 4029}}
    server.always(sse([sse_event(nested, "error")]))
    with pytest.raises(APIStreamError, match="quota exhausted") as caught:
        await collect(make_client)
    assert caught.value.code == 4029


async def test_response_failed_is_a_terminal_event_not_an_exception(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    failed = {**FINAL, "status": "failed", "error": {"code": "server_error", "message": "boom"}}
    events = [*openai_events()[:2], {"type": "response.failed", "response": failed}]
    server.always(sse([as_sse(events), "data: this is never read\n\n"]))
    got = await collect(make_client)
    assert got[-1].type == "response.failed" and got[-1].is_terminal
    assert got[-1].response is not None and got[-1].response.error_message() == "boom"


@pytest.mark.parametrize(
    ("status", "event_type"),
    [
        ("completed", "response.completed"),
        (None, "response.completed"),
        ("failed", "response.failed"),
        ("incomplete", "response.incomplete"),
        ("cancelled", "response.cancelled"),
    ],
)
async def test_a_json_answer_to_a_stream_request_is_one_terminal_event(
    server: ScriptedServer, make_client: ClientFactory, status: str | None, event_type: str
) -> None:
    server.always(reply(200, {**FINAL, "status": status}))
    [event] = await collect(make_client)
    assert event.type == event_type and event.is_terminal
    assert event.response is not None and event.response.id == FINAL["id"]
    assert event.response.status == status


async def test_error_status_on_a_stream_request(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.always(
        reply(404, {"error": {"message": "no such model"}}, headers={"x-request-id": "z"})
    )
    with pytest.raises(NotFoundError, match="no such model") as caught:
        await collect(make_client)
    assert caught.value.request_id == "z"
    assert len(server.requests) == 1


async def test_a_stream_request_is_retried_only_when_the_server_says_so(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    busy = {"error": {"message": "busy"}}
    server.script(reply(503, busy, headers={"retry-after-ms": "10"}))
    with pytest.raises(ServerError):
        await collect(make_client)
    assert len(server.requests) == 1

    server.requests.clear()
    server.script(
        reply(503, busy, headers={"retry-after-ms": "10", "x-should-retry": "true"}),
        sse([as_sse(openai_events())]),
    )
    check_final(await collect(make_client))
    assert len(server.requests) == 2


async def test_a_stalled_stream_times_out(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.always(sse([as_sse(openai_events()[:3])], end="stall"))
    seen: list[str] = []
    with pytest.raises(APITimeoutError, match="stalled"):
        async for event in make_client(timeout=0.3).create_stream(input="x"):
            seen.append(event.type)
    assert len(seen) == 3
    await server.wait_for(lambda: len(server.client_closes) == 1, timeout=2)


async def test_keepalives_keep_a_slow_stream_alive(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    pieces = [": keep-alive\n\n"] * 5 + [as_sse(openai_events())]
    server.always(sse(pieces, delay=0.1))
    check_final(await collect(make_client, timeout=0.25))


@pytest.mark.parametrize(
    ("piece", "complaint"),
    [
        ("data: {not json\n\n", "not JSON"),
        ("data: [1, 2]\n\n", "not a JSON object"),
        ('data: {"type": "response.completed"}\n\n', "no response object"),
        ('data: {"type": "response.completed", "response": {"output": 5}}\n\n', "malformed"),
    ],
)
async def test_malformed_events_are_validation_errors(
    server: ScriptedServer, make_client: ClientFactory, piece: str, complaint: str
) -> None:
    server.always(sse([as_sse(openai_events()[:1]), piece]))
    with pytest.raises(APIResponseValidationError, match=complaint):
        await collect(make_client)


async def test_an_unreadable_informational_event_is_skipped(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    odd = {"type": "response.output_text.delta", "sequence_number": "three", "delta": 5}
    events = openai_events()
    server.always(sse([as_sse(events[:2]), sse_event(odd), as_sse(events[2:])]))
    got = await collect(make_client)
    assert [e.type for e in got] == [e["type"] for e in events]
    check_final(got)
