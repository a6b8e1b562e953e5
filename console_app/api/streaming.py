"""Turning a ``text/event-stream`` answer into typed `StreamEvent`s, or a clear error.

The rules (each has a test against a real server): unknown events, comments, keep-alives and a
missing ``[DONE]`` are tolerated; the stream ends at the first terminal event, which must carry
a response with an id; an ``error`` event is an `APIStreamError`; a stream that ends — cleanly,
with ``[DONE]``, or cut — without a terminal event is an `APIStreamIncompleteError`, never a
silent success.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import ValidationError

from console_app.api.answers import cause, first_error, limited_stream, request_id
from console_app.api.errors import (
    APIError,
    APIResponseValidationError,
    APIStreamError,
    APIStreamIncompleteError,
    APITimeoutError,
)
from console_app.api.sse import iter_events
from console_app.api.types import StreamEvent
from console_app.api.types.events import TERMINAL_EVENT_TYPES
from console_app.core.redact import redact_obj

log = logging.getLogger(__name__)

_STATUS_EVENTS = {
    "failed": "response.failed",
    "incomplete": "response.incomplete",
    "cancelled": "response.cancelled",
}


def terminal_type(status: str | None) -> str:
    """The terminal event a JSON answer to a stream request stands for."""
    return _STATUS_EVENTS.get(status or "", "response.completed")


async def stream_events(response: httpx.Response) -> AsyncIterator[StreamEvent]:
    """The events of an SSE answer, ending after the terminal one (see the module doc)."""
    rid = request_id(response)
    try:
        async for sse in iter_events(limited_stream(response)):
            if sse.data.strip() == "[DONE]":
                break
            if not sse.data.strip():
                continue
            try:
                payload = json.loads(sse.data)
            except (json.JSONDecodeError, RecursionError):
                if not sse.complete:  # the stream ended inside this event
                    break
                raise APIResponseValidationError(
                    f"stream event {sse.event!r} is not JSON", request_id=rid
                ) from None
            event = _event(sse.event, payload, rid)
            if event is None:
                continue
            yield event
            if event.is_terminal:
                return
    except httpx.TimeoutException as exc:
        raise APITimeoutError(f"the stream stalled ({cause(exc)})", request_id=rid) from None
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise APIStreamIncompleteError(
            f"the connection was cut mid-stream ({type(exc).__name__})", request_id=rid
        ) from None
    raise APIStreamIncompleteError(
        "the server closed the stream without a final event", request_id=rid
    )


def _event(name: str, payload: Any, rid: str | None) -> StreamEvent | None:
    """One decoded event, ``None`` for an unreadable informational one (skipped)."""
    if not isinstance(payload, dict):
        raise APIResponseValidationError(
            f"stream event {name!r} is not a JSON object", request_id=rid
        )
    payload.setdefault("type", name)
    if name == "error" or payload.get("type") == "error":
        raise _stream_error(payload, rid)
    try:
        event = StreamEvent.model_validate(payload)
    except ValidationError as exc:
        if payload.get("type") in TERMINAL_EVENT_TYPES:
            raise APIResponseValidationError(
                f"terminal event {payload.get('type')!r} is malformed: {first_error(exc)}",
                request_id=rid,
            ) from None
        log.debug("skipping an unreadable stream event %r", payload.get("type"))
        return None
    if event.is_terminal and event.response is None:
        raise APIResponseValidationError(
            f"terminal event {event.type!r} has no response object", request_id=rid
        )
    # A response without an id cannot be continued; `create` refuses one too.
    if event.is_terminal and event.response and not event.response.id:
        raise APIResponseValidationError(
            f"the response in terminal event {event.type!r} has no id", request_id=rid
        )
    return event


def _stream_error(payload: dict[str, Any], rid: str | None) -> APIError:
    error = payload.get("error")
    if isinstance(error, dict):
        message = error.get("message") or json.dumps(error)[:300]
        code = error.get("code")
    else:
        message = payload.get("message") or (error if isinstance(error, str) else "stream error")
        code = payload.get("code")
    return APIStreamError(str(message), code=redact_obj(code), request_id=rid)
