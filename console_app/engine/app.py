"""The HTTP surface: Starlette routes, bearer auth, the body limit and JSON errors.

Routes::

    GET    /health                       200 {"status": "ok", ...}        (auth required)
    GET    /openapi.json                 the OpenAPI document             (no auth: it holds
                                                                           no data or secret)
    POST   /v1/responses                 create (JSON, or SSE with stream=true)
    GET    /v1/responses/{id}            retrieve (?stream=true&starting_after=N replays SSE)
    POST   /v1/responses/{id}/cancel     cancel (409 unless in_progress)
    DELETE /v1/responses/{id}            delete → {"id", "deleted": true, "object": "response"}

Every other path, method or failure answers ``{"error": {...}}`` JSON with a 4xx status; an
unexpected exception answers a JSON 500 (the fuzz test asserts there are none).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from console_app import __version__
from console_app.api.types import CreateParams
from console_app.engine import events
from console_app.engine.errors import EngineError, bad_request, from_validation
from console_app.engine.openapi import build_openapi
from console_app.engine.service import EngineService, Job

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 64
KEEPALIVE_SECONDS = 15.0
PUBLIC_PATHS = frozenset({"/openapi.json"})


def _error(exc: EngineError) -> JSONResponse:
    return JSONResponse(exc.envelope(), status_code=exc.status)


class BearerAuth:
    """Pure ASGI middleware: every path but `PUBLIC_PATHS` needs ``Authorization: Bearer``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"authorization", b"")
        if not hmac.compare_digest(given, self._expected):
            message = "Missing bearer token." if not given else "The bearer token is not accepted."
            error = EngineError(
                401, message, code="invalid_api_key", error_type="authentication_error"
            )
            response = _error(error)
            response.headers["www-authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class RequestId:
    """Adds ``x-request-id`` to every answer (the console shows it next to errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"req_{secrets.token_hex(8)}".encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-request-id", request_id)],
                }
            await send(message)

        await self.app(scope, receive, send_with_id)


async def _read_json(request: Request) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _too_large()
            chunks.append(chunk)
    except ClientDisconnect:  # the client hung up mid-body: its business, not an engine error
        log.info("a client hung up after %d bytes of a request body", size)
        raise bad_request("The client disconnected before the body was complete.",
                          code="client_disconnected") from None  # fmt: skip
    body = b"".join(chunks)
    if not body.strip():
        raise bad_request("The request body is empty; send a JSON object.", code="invalid_json")
    try:
        payload = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        raise bad_request(
            f"The request body is not valid JSON: {exc}", code="invalid_json"
        ) from None
    _check_strict(payload)
    return payload


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_strict(payload: Any) -> None:
    """Refuse what Python's parser lets through but nothing downstream can write back out:
    nesting deeper than `MAX_DEPTH` and strings with unpaired surrogates (``"\\ud800"``)."""
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise bad_request(
                    f"The request body is nested more than {MAX_DEPTH} levels deep.",
                    code="invalid_json",
                )
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise bad_request(
                    "The request body has a string with an unpaired surrogate escape "
                    "(such as \\ud800), which is not valid Unicode.",
                    code="invalid_json",
                ) from None


def _too_large() -> EngineError:
    return EngineError(
        413,
        f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; send a smaller "
        "screenshot (JPEG, or scaled down).",
        code="request_too_large",
    )


def _json(model: Any) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json", exclude_none=True))


def build_app(
    service: EngineService, token: str, *, on_startup: Callable[[], None] | None = None
) -> Starlette:
    async def health(request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "ocr_loaded": service.ocr.loaded,
                "ocr_runs": service.ocr.runs,
                "jobs": len(service.jobs),
            }
        )

    document = build_openapi()

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    async def create(request: Request) -> Response:
        payload = await _read_json(request)
        if not isinstance(payload, dict):
            raise bad_request("The request body must be a JSON object.", code="invalid_json")
        try:
            params = CreateParams.model_validate(payload)
        except ValidationError as exc:
            raise from_validation(exc) from None
        job = await service.create(params)
        if params.stream:
            return StreamingResponse(
                _stream(job, starting_after=-1),
                media_type="text/event-stream",
                headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
            )
        if params.background:
            return _json(job.snapshot)
        await job.done.wait()
        assert job.final is not None
        return _json(job.final)

    async def retrieve(request: Request) -> Response:
        response_id = request.path_params["response_id"]
        response = service.retrieve(response_id)
        if request.query_params.get("stream", "").lower() in ("true", "1"):
            after = _starting_after(request.query_params.get("starting_after"))
            job = service.job(response_id)
            source: Job | None = job
            if source is None:
                source = Job(snapshot=_opening(response), final=response)
                source.done.set()
            return StreamingResponse(
                _stream(source, starting_after=after), media_type="text/event-stream"
            )
        return _json(response)

    async def cancel(request: Request) -> Response:
        return _json(await service.cancel(request.path_params["response_id"]))

    async def delete(request: Request) -> Response:
        return _json(await service.delete(request.path_params["response_id"]))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if on_startup is not None:
            on_startup()
        yield
        await service.close()

    async def engine_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, EngineError)
        return _error(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        error = EngineError(exc.status_code, str(exc.detail), code=code)
        return _error(error)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        error = EngineError(
            500,
            f"internal error ({type(exc).__name__})",
            code="internal_error",
            error_type="server_error",
        )
        return _error(error)

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            Route("/v1/responses", create, methods=["POST"]),
            Route("/v1/responses/{response_id}", retrieve, methods=["GET"]),
            Route("/v1/responses/{response_id}", delete, methods=["DELETE"]),
            Route("/v1/responses/{response_id}/cancel", cancel, methods=["POST"]),
        ],
        exception_handlers={
            EngineError: engine_error,
            HTTPException: http_error,
            Exception: server_error,
        },
        lifespan=lifespan,
    )
    app.add_middleware(BearerAuth, token=token)
    app.add_middleware(RequestId)
    return app


def _starting_after(raw: str | None) -> int:
    if raw is None or raw == "":
        return -1
    try:
        return int(raw)
    except ValueError:
        raise bad_request(
            "starting_after must be an integer", code="invalid_type", param="starting_after"
        ) from None


def _opening(final: Any) -> Any:
    return final.model_copy(
        update={"status": "in_progress", "output": [], "usage": None, "error": None}
    )


async def _stream(job: Job, *, starting_after: int) -> AsyncIterator[bytes]:
    """The job's events after ``starting_after``; keep-alive comments while it runs."""
    for event in events.opening_events(job.snapshot):
        if event["sequence_number"] > starting_after:
            yield events.encode(event)
    while not job.done.is_set():
        try:
            await asyncio.wait_for(job.done.wait(), timeout=KEEPALIVE_SECONDS)
        except TimeoutError:
            yield b": keep-alive\n\n"
    assert job.final is not None
    for event in events.closing_events(job.final):
        if event["sequence_number"] > starting_after:
            yield events.encode(event)
