"""Reading HTTP answers into models or errors: body limits, parsing, plain-word messages.

Everything here turns what a server (or a proxy in front of it) sent into either a typed model
or one of the errors in ``api/errors.py`` whose message a person can read in the message bar —
never httpx's own exceptions, never HTML markup, never a secret (messages pass `redact`).

Bodies and streams are read with a limit (`MAX_RESPONSE_BYTES`): a broken server can send a
body of any size, or one that never ends; buffered whole it would exhaust memory, then land in
the history and the window.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from console_app.api.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    status_error_class,
)
from console_app.core.redact import redact, redact_obj

MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # no Responses API answer (or stream) comes near this

_M = TypeVar("_M", bound=BaseModel)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def request_id(response: httpx.Response) -> str | None:
    value = response.headers.get("x-request-id") or response.headers.get("request-id")
    return str(value) if value else None


# ---------------------------------------------------------------------- reading bodies


async def read_limited(response: httpx.Response) -> httpx.Response:
    """The response, read, with at most `MAX_RESPONSE_BYTES` of body.

    A larger 2xx body is refused (`APIResponseValidationError`); an error body is cut (only its
    first sentence is shown anyway).
    """
    declared = response.headers.get("content-length", "")
    if response.status_code < 400 and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise too_large(response, "body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            if response.status_code < 400:
                raise too_large(response, "body")
            chunks.append(chunk[: len(chunk) - (size - MAX_RESPONSE_BYTES)])
            break
        chunks.append(chunk)
    # A new response holding the (decoded) body: the framing headers describe the old one.
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    extensions = {
        k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")
    }
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(chunks),
        request=response.request,
        extensions=extensions,
    )


async def read_quietly(response: httpx.Response) -> httpx.Response:
    """An error answer's body, if it can be read (else the response unread)."""
    try:
        return await read_limited(response)
    except (httpx.TransportError, httpx.DecodingError):
        return response


async def read_body(response: httpx.Response) -> httpx.Response:
    """A 2xx body, or the client error that says why it could not be read."""
    try:
        return await read_limited(response)
    except httpx.TimeoutException as exc:
        raise APITimeoutError(str(exc) or "read timed out") from None
    except httpx.TransportError as exc:
        raise APIConnectionError(f"the connection was cut ({type(exc).__name__})") from None
    except httpx.DecodingError:
        raise APIResponseValidationError("the body could not be decoded") from None


async def limited_stream(response: httpx.Response) -> AsyncIterator[bytes]:
    """The SSE body, refused once it exceeds `MAX_RESPONSE_BYTES`."""
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise too_large(response, "stream")
        yield chunk


def too_large(response: httpx.Response, what: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"the response {what} is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB",
        request_id=request_id(response),
    )


# ---------------------------------------------------------------------- models and errors


def parse_model(response: httpx.Response, model: type[_M], *, require_id: bool) -> _M:
    """A 2xx body as ``model``; anything unreadable is an `APIResponseValidationError`."""
    rid = request_id(response)
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise APIResponseValidationError(
            f"the body of {response.status_code} is not JSON", request_id=rid
        ) from None
    if not isinstance(payload, dict):
        raise APIResponseValidationError("the body is not a JSON object", request_id=rid)
    try:
        parsed = model.model_validate(payload)
    except ValidationError as exc:
        raise APIResponseValidationError(
            f"unexpected response shape: {first_error(exc)}", request_id=rid
        ) from None
    if require_id and not getattr(parsed, "id", None):
        raise APIResponseValidationError("the response has no id", request_id=rid)
    return parsed


def status_error(response: httpx.Response) -> APIStatusError:
    """The error for a non-2xx answer, with the server's message and request id."""
    body: Any = None
    message = response.reason_phrase or f"HTTP {response.status_code}"
    error_type: str | None = None
    code: Any = None
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, httpx.ResponseNotRead):
        text = _safe_text(response)
        if text:
            message = plain_error_text(text, response.status_code) or message
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = str(error.get("message") or error.get("detail") or message)
            error_type = error.get("type") if isinstance(error.get("type"), str) else None
            code = redact_obj(error.get("code"))
        elif isinstance(error, str):
            message = error
    cls = status_error_class(response.status_code)
    return cls(
        message,
        status_code=response.status_code,
        request_id=request_id(response),
        body=redact_obj(body),
        error_type=redact(error_type) if error_type else None,
        code=code,
    )


def plain_error_text(text: str, status_code: int) -> str | None:
    """A non-JSON error body as a sentence for the message bar. A proxy's or gateway's HTML
    error page (nginx's 413, a 502) would otherwise show as markup: its ``<title>`` is used
    (without a leading status code), else its text; ``None`` if it has none (the reason phrase
    is used then). Plain text is kept."""
    if not text.lstrip().startswith("<"):
        return text[:500]
    text = text[:65536]
    match = _HTML_TITLE.search(text)
    words = match.group(1) if match else _HTML_TAG.sub(" ", _HTML_HIDDEN.sub(" ", text))
    plain = " ".join(html.unescape(words).split())
    return plain.removeprefix(f"{status_code} ").strip()[:200] or None


def connection_error(exc: httpx.TransportError) -> APIConnectionError:
    """What went wrong, in words first (the message bar shows it), the exception after."""
    what = cause(exc)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{_TIMEOUT_WORDS.get(type(exc), 'timed out')} ({what})")
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(f"the connection failed ({what})")
    # Sent (at least partly), then the connection broke: the server may have acted on it.
    return APIConnectionError(f"the connection was lost before the answer came ({what})")


_TIMEOUT_WORDS: dict[type[Exception], str] = {
    httpx.ConnectTimeout: "the connection could not be opened in time",
    httpx.ReadTimeout: "no answer within the read timeout",
    httpx.WriteTimeout: "the request could not be sent in time",
    httpx.PoolTimeout: "no connection was free in time",
}


def cause(exc: Exception) -> str:
    """``ReadError: detail`` — or just ``ReadError`` when httpx gives no detail (it often
    does not), instead of ``ReadError: ReadError`` or a dangling colon."""
    name = type(exc).__name__
    detail = str(exc).strip()
    return f"{name}: {detail}" if detail and detail != name else name


def first_error(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return redact(f"{where}: {first['msg']}" if where else str(first["msg"]))


def _safe_text(response: httpx.Response) -> str:
    try:
        return response.text.strip()
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return ""
