"""The client against a real HTTP server: what it sends, what it reads, which error it raises."""

from __future__ import annotations

import json

import pytest

from console_app.api.calls import proposals
from console_app.api.client import DEFAULT_BASE_URL, ResponsesClient
from console_app.api.errors import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from console_app.api.types import CreateParams, DeleteResult, Response
from console_app.api.types.items import screenshot_output, user_message
from console_app.core.actions import Click
from tests.unit.api.conftest import API_KEY, ClientFactory
from tests.unit.api.http_server import ScriptedServer, reply
from tests.unit.api.seed_examples import realistic

LIGHTCONE = realistic("lightcone_computer_call.json")


async def test_create_sends_the_documented_request_and_reads_the_answer(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.script(reply(200, LIGHTCONE, headers={"x-request-id": "req_1"}))
    body = realistic("request_array_input.json")

    response = await make_client().create(**body)

    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/v1/responses")
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("operator-console/")
    assert request.json() == body  # exactly what was given: nothing added, nothing lost
    assert isinstance(response, Response)
    assert response.id == LIGHTCONE["id"]
    assert response.computer_id == "cmp_7d1f0c2a"
    [proposal] = proposals(response)
    assert proposal.action == Click(x=640, y=88, button="left")


async def test_create_accepts_params_and_models_and_never_sends_stream(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.script(reply(200, LIGHTCONE), reply(200, LIGHTCONE))
    client = make_client()
    params = CreateParams(
        model="tzafon.northstar-cua-fast",
        input=[user_message("Click the search button", "data:image/png;base64,AAAA")],
        tools=[{"type": "computer_use", "display_width": 1280, "display_height": 720}],
        stream=True,
    )
    await client.create(params)
    await client.create(
        params,
        previous_response_id="resp_prev",
        input=[screenshot_output("call_1", "data:image/jpeg;base64,BBBB")],
    )

    first, second = (r.json() for r in server.requests)
    assert "stream" not in first and "stream" not in second
    assert first["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Click the search button"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
            ],
        }
    ]
    assert first["tools"] == [
        {"type": "computer_use", "display_width": 1280, "display_height": 720}
    ]
    assert second["previous_response_id"] == "resp_prev"
    assert second["input"] == [
        {
            "type": "computer_call_output",
            "call_id": "call_1",
            "output": {"type": "input_image", "image_url": "data:image/jpeg;base64,BBBB"},
        }
    ]


async def test_create_validates_fields_given_next_to_params(make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(ValueError, match="temperature"):
        await client.create(CreateParams(model="m", input="x"), temperature=7)


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
async def test_base_url_with_or_without_v1(
    server: ScriptedServer, make_client: ClientFactory, suffix: str
) -> None:
    server.script(reply(200, LIGHTCONE))
    await make_client(base_url=server.url + suffix).retrieve("resp_1")
    assert server.paths() == [("GET", "/v1/responses/resp_1")]


async def test_retrieve_cancel_delete(server: ScriptedServer, make_client: ClientFactory) -> None:
    cancelled = {**LIGHTCONE, "status": "cancelled", "output": []}
    server.script(
        reply(200, LIGHTCONE),
        reply(200, cancelled),
        reply(200, {"id": "resp_1", "deleted": True, "object": "response.deleted"}),
    )
    client = make_client()

    got = await client.retrieve("resp_1")
    stopped = await client.cancel("resp_1")
    deleted = await client.delete("resp_1")

    assert server.paths() == [
        ("GET", "/v1/responses/resp_1"),
        ("POST", "/v1/responses/resp_1/cancel"),
        ("DELETE", "/v1/responses/resp_1"),
    ]
    assert all(r.headers["authorization"] == f"Bearer {API_KEY}" for r in server.requests)
    assert [r.body for r in server.requests] == [b"", b"", b""]
    # As the official SDK does: JSON content type on everything but GET, even without a body.
    assert [r.headers.get("content-type") for r in server.requests] == [
        None,
        "application/json",
        "application/json",
    ]
    assert got.id == LIGHTCONE["id"] and got.status == "completed"
    assert stopped.status == "cancelled" and stopped.is_terminal
    assert deleted == DeleteResult(id="resp_1", deleted=True, object="response.deleted")


async def test_response_ids_are_percent_encoded(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.script(reply(200, LIGHTCONE))
    await make_client().retrieve("resp/../x y")
    assert server.requests[0].target == "/v1/responses/resp%2F..%2Fx%20y"


@pytest.mark.parametrize("bad", ["", "   "])
async def test_an_empty_response_id_is_refused_before_sending(
    server: ScriptedServer, make_client: ClientFactory, bad: str
) -> None:
    with pytest.raises(ValueError, match="response id"):
        await make_client().retrieve(bad)
    assert server.requests == []


async def test_environment_supplies_key_and_base_url(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZAFON_API_KEY", "env-key-0123456789")
    monkeypatch.setenv("LIGHTCONE_BASE_URL", server.url)
    server.script(reply(200, LIGHTCONE))
    async with ResponsesClient() as client:
        await client.retrieve("resp_1")
    assert server.requests[0].headers["authorization"] == "Bearer env-key-0123456789"

    # Explicit arguments win over the environment; read_env=False ignores it.
    explicit = ResponsesClient(base_url="http://127.0.0.1:9", api_key="explicit-key-42")
    ignoring = ResponsesClient(read_env=False)
    try:
        assert explicit.base_url == "http://127.0.0.1:9"
        assert ignoring.base_url == DEFAULT_BASE_URL and not ignoring.has_api_key
    finally:
        await explicit.aclose()
        await ignoring.aclose()


async def test_no_key_sends_no_authorization(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.script(reply(200, LIGHTCONE))
    await make_client(api_key=None).retrieve("resp_1")
    assert "authorization" not in server.requests[0].headers


async def test_a_pasted_key_is_stripped_and_a_broken_one_refused_without_echo(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    server.script(reply(200, LIGHTCONE))
    await make_client(api_key=f"  {API_KEY}\n").retrieve("resp_1")
    assert server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"

    broken = "tzk_live_half\nX-Injected: yes"
    with pytest.raises(ValueError) as caught:
        ResponsesClient(base_url=server.url, api_key=broken, read_env=False)
    assert "tzk_live_half" not in str(caught.value)


# ---------------------------------------------------------------------- error statuses

STATUS_CLASSES = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (405, MethodNotAllowedError),
    (409, ConflictError),
    (413, PayloadTooLargeError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (418, APIStatusError),
    (500, ServerError),
    (503, ServerError),
]


@pytest.mark.parametrize(("status", "error_class"), STATUS_CLASSES)
async def test_error_status_raises_its_class_with_message_and_request_id(
    server: ScriptedServer,
    make_client: ClientFactory,
    status: int,
    error_class: type[APIStatusError],
) -> None:
    body = {
        "error": {
            "message": f"the server says no ({status})",
            "type": "invalid_request_error",
            "code": "some_code",
        }
    }
    server.script(reply(status, body, headers={"x-request-id": f"req_{status}"}))

    with pytest.raises(APIStatusError) as caught:
        await make_client().create(model="m", input="hello")

    exc = caught.value
    assert type(exc) is error_class
    assert exc.status_code == status
    assert exc.message == f"the server says no ({status})"
    assert str(exc) == exc.message
    assert exc.request_id == f"req_{status}"
    assert exc.error_type == "invalid_request_error"
    assert exc.code == "some_code"
    assert exc.body == body
    assert str(status) in exc.user_text() and exc.message in exc.user_text()
    assert len(server.requests) == 1  # create is never repeated on a status alone


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ('{"detail": "Not Found"}', "application/json", "Not Found"),
        ('{"error": "model overloaded"}', "application/json", "model overloaded"),
        ("<html><body>Bad gateway</body></html>", "text/html", "Bad gateway"),
        ("", None, "Bad Gateway"),
    ],
)
async def test_error_bodies_of_other_shapes(
    server: ScriptedServer,
    make_client: ClientFactory,
    body: str,
    content_type: str | None,
    expected: str,
) -> None:
    server.script(reply(502, body=body, content_type=content_type, headers={"request-id": "r9"}))
    with pytest.raises(ServerError) as caught:
        await make_client().create(input="x")
    assert caught.value.message.startswith(expected)
    assert caught.value.request_id == "r9"


@pytest.mark.parametrize(
    ("body", "content_type", "complaint"),
    [
        ("not json at all", "text/plain", "not JSON"),
        ("[1, 2, 3]", "application/json", "not a JSON object"),
        ('{"object": "response", "status": "completed"}', "application/json", "no id"),
        ('{"id": "r", "output": {"type": "message"}}', "application/json", "output"),
        (
            '{"id": "r", "output": [{"type": "message", "content": 5}]}',
            "application/json",
            "content",
        ),
    ],
)
async def test_a_2xx_body_we_cannot_read_is_a_validation_error(
    server: ScriptedServer,
    make_client: ClientFactory,
    body: str,
    content_type: str,
    complaint: str,
) -> None:
    server.script(reply(200, body=body, content_type=content_type, headers={"x-request-id": "q"}))
    with pytest.raises(APIResponseValidationError, match=complaint) as caught:
        await make_client().create(input="x")
    assert caught.value.request_id == "q"
    assert isinstance(caught.value, APIError)


async def test_unknown_fields_and_items_are_kept(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    mixed = realistic("openai_mixed.json")
    server.script(reply(200, mixed))
    response = await make_client().retrieve(mixed["id"])
    assert response.model_dump(mode="json", exclude_unset=True)["incomplete_details"] == {
        "reason": "max_output_tokens"
    }
    assert [item.type for item in response.items] == [
        "web_search_call",
        "shell_call",
        "function_call",
        "message",
    ]
    assert proposals(response) == []  # the shell_call's click-shaped action is never proposed
    assert json.loads(response.items[2].arguments) == {"ticket": 4127}


async def test_a_body_that_cannot_be_decompressed_is_a_validation_error(
    server: ScriptedServer, make_client: ClientFactory
) -> None:
    """httpx raises its own DecodingError for a broken Content-Encoding; it must not escape
    the client's error tree (neither on a plain request nor on a stream request)."""
    broken = reply(
        200,
        body=b"\x1f\x8b\x08\x00this is not gzip at all",
        content_type="application/json",
        headers={"Content-Encoding": "gzip"},
    )
    server.script(broken, broken)
    client = make_client()
    with pytest.raises(APIResponseValidationError, match="decoded"):
        await client.create(input="x")
    with pytest.raises(APIResponseValidationError, match="decoded"):
        async for _ in client.create_stream(input="x"):
            pass


async def test_default_and_configured_timeouts(make_client: ClientFactory) -> None:
    """60 s read (and write, pool), 5 s connect by default; both configurable. (That they are
    enforced is proven against the stalling server in test_client_retries.)"""
    import httpx

    assert make_client()._http.timeout == httpx.Timeout(60.0, connect=5.0)
    assert make_client(timeout=3, connect_timeout=0.5)._http.timeout == httpx.Timeout(
        3, connect=0.5
    )
