"""The async Responses API client every part of the console uses.

Speaks the Lightcone cloud, OpenAI-compatible servers and the local engine alike: Bearer auth,
a base URL per profile (``LIGHTCONE_BASE_URL`` and ``TZAFON_API_KEY`` honoured as in the
official SDK), 60 s read / 5 s connect timeouts.

Retries happen only where they cannot act twice:

* any request whose connection failed before it was sent (connect error, connect or pool
  timeout) — the server never saw it;
* ``GET``, ``DELETE`` and ``cancel`` on 408, 429, 5xx and transport errors — they are
  idempotent;
* ``create`` otherwise only when the server answers ``x-should-retry: true``. A create that may
  have reached the server is never repeated: the model could propose (and the human approve)
  the same step twice.

``retry-after-ms`` / ``retry-after`` are honoured (up to 60 s), else exponential backoff
(0.5 s·2ⁿ, at most 8 s, with jitter). Cancelling the awaiting task cancels the request.

Bodies and streams are read with a limit (16 MB): a larger answer is refused as unreadable
instead of being buffered whole (see `_read_limited`).
"""

from __future__ import annotations

import asyncio
import email.utils
import html
import json
import logging
import os
import random
import re
import time
import urllib.parse
from collections.abc import AsyncIterator, Mapping
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from console_app import __version__
from console_app.api.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APIStreamIncompleteError,
    APITimeoutError,
    status_error_class,
)
from console_app.api.sse import iter_events
from console_app.api.types import CreateParams, DeleteResult, Response, StreamEvent
from console_app.api.types.events import TERMINAL_EVENT_TYPES
from console_app.core.redact import RedactingFilter, redact, redact_obj, register_secret

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.tzafon.ai"
DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 2
MAX_RETRY_AFTER = 60.0
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # no Responses API answer (or stream) comes near this

_RETRYABLE_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")

# httpcore logs every response header at DEBUG (a server may echo the key in one), and a
# logger's filters apply only to records created on that very logger, so each one is named.
_HTTP_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


def _guard_http_logs() -> None:
    """Redact every record the HTTP libraries log, whoever configures the handlers."""
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


_M = TypeVar("_M", bound=BaseModel)


class ResponsesClient:
    """One connection pool to one backend.

    ``async with ResponsesClient(base_url=..., api_key=...) as client:``
    ``    response = await client.create(...)``
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
        default_headers: Mapping[str, str] | None = None,
        read_env: bool = True,
    ) -> None:
        if read_env:
            base_url = base_url or os.environ.get("LIGHTCONE_BASE_URL")
            api_key = api_key or os.environ.get("TZAFON_API_KEY")
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._api_key = _clean_key(api_key)
        register_secret(self._api_key)
        _guard_http_logs()
        self.max_retries = max(0, max_retries)
        headers = {
            "Accept": "application/json",
            "User-Agent": f"operator-console/{__version__}",
            **(default_headers or {}),
        }
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        self._http = httpx.AsyncClient(
            base_url=self._api_root(),
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:  # never shows the key
        key = "set" if self._api_key else "unset"
        return f"ResponsesClient(base_url={self.base_url!r}, api_key={key})"

    @property
    def has_api_key(self) -> bool:
        return self._api_key is not None

    def _api_root(self) -> str:
        # "https://api.tzafon.ai" → ".../v1/"; "http://host:8000/v1" (OpenAI style) stays.
        root = self.base_url
        if not root.endswith("/v1"):
            root += "/v1"
        return root + "/"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ endpoints

    async def create(self, params: CreateParams | None = None, **fields: Any) -> Response:
        """``POST /v1/responses``. ``stream`` is forced off; use `create_stream` for SSE."""
        body = _body(params, fields)
        body.pop("stream", None)
        response = await self._request("POST", "responses", json_body=body, idempotent=False)
        return self._parse(response, Response, require_id=True)

    async def retrieve(self, response_id: str) -> Response:
        response = await self._request("GET", f"responses/{_id(response_id)}", idempotent=True)
        return self._parse(response, Response, require_id=True)

    async def cancel(self, response_id: str) -> Response:
        response = await self._request(
            "POST", f"responses/{_id(response_id)}/cancel", idempotent=True
        )
        return self._parse(response, Response, require_id=False)

    async def delete(self, response_id: str) -> DeleteResult:
        response = await self._request("DELETE", f"responses/{_id(response_id)}", idempotent=True)
        return self._parse(response, DeleteResult, require_id=False)

    async def create_stream(
        self, params: CreateParams | None = None, **fields: Any
    ) -> AsyncIterator[StreamEvent]:
        """``POST /v1/responses`` with ``stream=true``; yields typed events.

        Ends after the first terminal event (``response.completed`` / ``failed`` /
        ``incomplete`` / ``cancelled``), which always carries the `Response`. Raises
        `APIStreamError` on an ``error`` event and `APIStreamIncompleteError` when the stream
        ends (cleanly, with ``[DONE]``, or cut) without a terminal event. A server that ignores
        ``stream`` and answers JSON yields one synthetic terminal event named after the
        response's status (``response.failed`` for ``failed``…, else ``response.completed``).

        When stopping early, close the iterator (``aclose()``, or iterate inside
        ``contextlib.aclosing(...)``): that closes the connection at once.
        """
        body = _body(params, fields)
        body["stream"] = True
        attempt = 0
        while True:
            request = self._http.build_request(
                "POST", "responses", json=body, headers={"Accept": "text/event-stream"}
            )
            try:
                response = await self._http.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing was sent: safe to retry, as for create.
                if attempt < self.max_retries:
                    log.info("POST responses (stream): %s, retrying", type(exc).__name__)
                    await self._sleep_before_retry(attempt, None)
                    attempt += 1
                    continue
                raise _connection_error(exc) from None
            except httpx.TransportError as exc:
                raise _connection_error(exc) from None
            try:
                if response.status_code >= 400:
                    failed = await _read_quietly(response)
                    if (
                        self._should_retry(response, idempotent=False)
                        and attempt < self.max_retries
                    ):
                        log.info(
                            "POST responses (stream): status %s, retrying", response.status_code
                        )
                        await self._sleep_before_retry(attempt, response)
                        attempt += 1
                        continue
                    raise self._status_error(failed)
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" not in content_type.lower():
                    parsed = self._parse(await _read_body(response), Response, require_id=True)
                    yield StreamEvent(type=_terminal_type(parsed.status), response=parsed)
                    return
                async for event in self._events(response):
                    yield event
                return
            finally:
                await response.aclose()

    async def _events(self, response: httpx.Response) -> AsyncIterator[StreamEvent]:
        request_id = _request_id(response)
        try:
            async for sse in iter_events(_limited_stream(response)):
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
                        f"stream event {sse.event!r} is not JSON", request_id=request_id
                    ) from None
                if not isinstance(payload, dict):
                    raise APIResponseValidationError(
                        f"stream event {sse.event!r} is not a JSON object", request_id=request_id
                    )
                payload.setdefault("type", sse.event)
                if sse.event == "error" or payload.get("type") == "error":
                    raise _stream_error(payload, request_id)
                try:
                    event = StreamEvent.model_validate(payload)
                except ValidationError as exc:
                    if payload.get("type") in TERMINAL_EVENT_TYPES:
                        raise APIResponseValidationError(
                            f"terminal event {payload.get('type')!r} is malformed: "
                            f"{_first_error(exc)}",
                            request_id=request_id,
                        ) from None
                    log.debug("skipping an unreadable stream event %r", payload.get("type"))
                    continue
                if event.is_terminal and event.response is None:
                    raise APIResponseValidationError(
                        f"terminal event {event.type!r} has no response object",
                        request_id=request_id,
                    )
                # A response without an id cannot be continued; `create` refuses one too.
                if event.is_terminal and event.response and not event.response.id:
                    raise APIResponseValidationError(
                        f"the response in terminal event {event.type!r} has no id",
                        request_id=request_id,
                    )
                yield event
                if event.is_terminal:
                    return
        except httpx.TimeoutException as exc:
            raise APITimeoutError(
                f"the stream stalled ({_cause(exc)})", request_id=request_id
            ) from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise APIStreamIncompleteError(
                f"the connection was cut mid-stream ({type(exc).__name__})", request_id=request_id
            ) from None
        raise APIStreamIncompleteError(
            "the server closed the stream without a final event", request_id=request_id
        )

    # ------------------------------------------------------------------ transport

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        idempotent: bool,
    ) -> httpx.Response:
        attempt = 0
        while True:
            started = time.perf_counter()
            # Like the official SDK, every request but GET says its body is JSON, even an
            # empty one (cancel, delete): a strict server may insist on it.
            headers = {"Content-Type": "application/json"} if method != "GET" else None
            request = self._http.build_request(method, path, json=json_body, headers=headers)
            try:
                streamed = await self._http.send(request, stream=True)
                try:
                    response = await _read_limited(streamed)
                finally:
                    await streamed.aclose()
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing was sent: safe to retry for every method, including create.
                if attempt < self.max_retries:
                    log.info("%s %s: %s, retrying", method, path, type(exc).__name__)
                    await self._sleep_before_retry(attempt, None)
                    attempt += 1
                    continue
                raise _connection_error(exc) from None
            except httpx.TransportError as exc:
                # Sent (at least partly): only an idempotent request may go again.
                if idempotent and attempt < self.max_retries:
                    log.info("%s %s: %s, retrying", method, path, type(exc).__name__)
                    await self._sleep_before_retry(attempt, None)
                    attempt += 1
                    continue
                raise _connection_error(exc) from None
            except httpx.DecodingError:
                raise APIResponseValidationError(
                    f"the body of {method} {path} could not be decoded (Content-Encoding)"
                ) from None
            log.debug(
                "%s %s → %s in %.0f ms",
                method,
                path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
            if response.status_code < 400:
                return response
            if self._should_retry(response, idempotent=idempotent) and attempt < self.max_retries:
                log.info("%s %s: status %s, retrying", method, path, response.status_code)
                await self._sleep_before_retry(attempt, response)
                attempt += 1
                continue
            raise self._status_error(response)

    @staticmethod
    def _should_retry(response: httpx.Response, *, idempotent: bool) -> bool:
        hint = response.headers.get("x-should-retry", "").strip().lower()
        if hint == "true":
            return True
        if hint == "false":
            return False
        return idempotent and response.status_code in _RETRYABLE_STATUS

    async def _sleep_before_retry(self, attempt: int, response: httpx.Response | None) -> None:
        await asyncio.sleep(retry_delay(attempt, response.headers if response else None))

    # ------------------------------------------------------------------ parsing

    @staticmethod
    def _parse(response: httpx.Response, model: type[_M], *, require_id: bool) -> _M:
        request_id = _request_id(response)
        try:
            payload = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise APIResponseValidationError(
                f"the body of {response.status_code} is not JSON", request_id=request_id
            ) from None
        if not isinstance(payload, dict):
            raise APIResponseValidationError("the body is not a JSON object", request_id=request_id)
        try:
            parsed = model.model_validate(payload)
        except ValidationError as exc:
            raise APIResponseValidationError(
                f"unexpected response shape: {_first_error(exc)}", request_id=request_id
            ) from None
        if require_id and not getattr(parsed, "id", None):
            raise APIResponseValidationError("the response has no id", request_id=request_id)
        return parsed

    @staticmethod
    def _status_error(response: httpx.Response) -> APIStatusError:
        body: Any = None
        message = response.reason_phrase or f"HTTP {response.status_code}"
        error_type: str | None = None
        code: Any = None
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, httpx.ResponseNotRead):
            text = _safe_text(response)
            if text:
                message = _plain_error_text(text, response.status_code) or message
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
            request_id=_request_id(response),
            body=redact_obj(body),
            error_type=redact(error_type) if error_type else None,
            code=code,
        )


# ---------------------------------------------------------------------- helpers


def retry_delay(attempt: int, headers: Mapping[str, str] | None) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based)."""
    if headers is not None:
        server = _retry_after(headers)
        if server is not None and 0 <= server <= MAX_RETRY_AFTER:
            return server
    backoff: float = min(INITIAL_BACKOFF * 2**attempt, MAX_BACKOFF)
    return backoff * (1 - 0.25 * random.random())


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return float(value)
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return float(email.utils.mktime_tz(parsed) - time.time())
    return None


def _body(params: CreateParams | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    if params is None:
        params = CreateParams.model_validate(dict(fields))
    elif fields:
        # model_copy(update=...) would skip validation: merge and validate again instead.
        params = CreateParams.model_validate({**params.to_body(), **fields})
    return params.to_body()


def _clean_key(api_key: str | None) -> str | None:
    """Strip a pasted key; refuse one that cannot be a header value (without echoing it)."""
    if api_key is None:
        return None
    key = api_key.strip()
    if not key:
        return None
    if any(ch.isspace() or not ch.isprintable() or not ch.isascii() for ch in key):
        raise ValueError("the API key contains spaces, line breaks or non-ASCII characters")
    return key


def _id(response_id: str) -> str:
    if not isinstance(response_id, str) or not response_id.strip():
        raise ValueError("a response id is required")
    return urllib.parse.quote(response_id.strip(), safe="")


_STATUS_EVENTS = {
    "failed": "response.failed",
    "incomplete": "response.incomplete",
    "cancelled": "response.cancelled",
}


def _terminal_type(status: str | None) -> str:
    """The terminal event a JSON answer to a stream request stands for."""
    return _STATUS_EVENTS.get(status or "", "response.completed")


def _request_id(response: httpx.Response) -> str | None:
    value = response.headers.get("x-request-id") or response.headers.get("request-id")
    return str(value) if value else None


def _safe_text(response: httpx.Response) -> str:
    try:
        return response.text.strip()
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return ""


async def _read_quietly(response: httpx.Response) -> httpx.Response:
    """An error answer's body, if it can be read (else the response unread)."""
    try:
        return await _read_limited(response)
    except (httpx.TransportError, httpx.DecodingError):
        return response


async def _read_body(response: httpx.Response) -> httpx.Response:
    try:
        return await _read_limited(response)
    except httpx.TimeoutException as exc:
        raise APITimeoutError(str(exc) or "read timed out") from None
    except httpx.TransportError as exc:
        raise APIConnectionError(f"the connection was cut ({type(exc).__name__})") from None
    except httpx.DecodingError:
        raise APIResponseValidationError("the body could not be decoded") from None


async def _read_limited(response: httpx.Response) -> httpx.Response:
    """The response, read, with at most `MAX_RESPONSE_BYTES` of body.

    Why a limit: a broken server or proxy can send a body of any size — or one that never
    ends, trickling within the read timeout. Buffered whole it would exhaust memory, then land
    in the history and the window. A larger 2xx body is refused (`APIResponseValidationError`);
    an error body is cut (only its first sentence is shown anyway).
    """
    declared = response.headers.get("content-length", "")
    if response.status_code < 400 and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise _too_large(response, "body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            if response.status_code < 400:
                raise _too_large(response, "body")
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


async def _limited_stream(response: httpx.Response) -> AsyncIterator[bytes]:
    """The SSE body, refused once it exceeds `MAX_RESPONSE_BYTES` (see `_read_limited`)."""
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise _too_large(response, "stream")
        yield chunk


def _too_large(response: httpx.Response, what: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"the response {what} is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB",
        request_id=_request_id(response),
    )


def _plain_error_text(text: str, status_code: int) -> str | None:
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


def _connection_error(exc: httpx.TransportError) -> APIConnectionError:
    """What went wrong, in words first (the message bar shows it), the exception after."""
    cause = _cause(exc)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{_TIMEOUT_WORDS.get(type(exc), 'timed out')} ({cause})")
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(f"the connection failed ({cause})")
    # Sent (at least partly), then the connection broke: the server may have acted on it.
    return APIConnectionError(f"the connection was lost before the answer came ({cause})")


_TIMEOUT_WORDS: dict[type[Exception], str] = {
    httpx.ConnectTimeout: "the connection could not be opened in time",
    httpx.ReadTimeout: "no answer within the read timeout",
    httpx.WriteTimeout: "the request could not be sent in time",
    httpx.PoolTimeout: "no connection was free in time",
}


def _cause(exc: Exception) -> str:
    """``ReadError: detail`` — or just ``ReadError`` when httpx gives no detail (it often
    does not), instead of ``ReadError: ReadError`` or a dangling colon."""
    name = type(exc).__name__
    detail = str(exc).strip()
    return f"{name}: {detail}" if detail and detail != name else name


def _stream_error(payload: dict[str, Any], request_id: str | None) -> APIError:
    error = payload.get("error")
    if isinstance(error, dict):
        message = error.get("message") or json.dumps(error)[:300]
        code = error.get("code")
    else:
        message = payload.get("message") or (error if isinstance(error, str) else "stream error")
        code = payload.get("code")
    return APIStreamError(str(message), code=redact_obj(code), request_id=request_id)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return redact(f"{where}: {first['msg']}" if where else str(first["msg"]))


__all__ = ["DEFAULT_BASE_URL", "ResponsesClient", "retry_delay"]
