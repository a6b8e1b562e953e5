"""The async Responses API client every part of the console uses.

Speaks the Lightcone cloud, OpenAI-compatible servers and the local engine alike: Bearer auth,
a base URL per profile (``LIGHTCONE_BASE_URL`` and ``TZAFON_API_KEY`` honoured as in the
official SDK), 60 s read / 5 s connect timeouts.

Retries happen only where they cannot act twice (``api/retry.py``): a request that never
reached the server, an idempotent one (``GET``, ``DELETE``, ``cancel``) on 408/429/5xx or a
transport error, and a ``create`` only when the server says ``x-should-retry: true``.
Cancelling the awaiting task cancels the request. Answers are read with a size limit and
turned into models or plain-word errors by ``api/answers.py``; streams by ``api/streaming.py``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import urllib.parse
from collections.abc import AsyncIterator, Mapping
from typing import Any, Self

import httpx

from console_app import __version__
from console_app.api.answers import (
    connection_error,
    parse_model,
    read_body,
    read_limited,
    read_quietly,
    status_error,
)
from console_app.api.errors import APIResponseValidationError
from console_app.api.retry import retry_delay, should_retry
from console_app.api.streaming import stream_events, terminal_type
from console_app.api.types import CreateParams, DeleteResult, Response, StreamEvent
from console_app.core.redact import RedactingFilter, register_secret

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.tzafon.ai"
DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 2

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
        return parse_model(response, Response, require_id=True)

    async def retrieve(self, response_id: str) -> Response:
        response = await self._request("GET", f"responses/{_id(response_id)}", idempotent=True)
        return parse_model(response, Response, require_id=True)

    async def cancel(self, response_id: str) -> Response:
        response = await self._request(
            "POST", f"responses/{_id(response_id)}/cancel", idempotent=True
        )
        return parse_model(response, Response, require_id=False)

    async def delete(self, response_id: str) -> DeleteResult:
        response = await self._request("DELETE", f"responses/{_id(response_id)}", idempotent=True)
        return parse_model(response, DeleteResult, require_id=False)

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
                raise connection_error(exc) from None
            except httpx.TransportError as exc:
                raise connection_error(exc) from None
            try:
                if response.status_code >= 400:
                    failed = await read_quietly(response)
                    if should_retry(response, idempotent=False) and attempt < self.max_retries:
                        log.info(
                            "POST responses (stream): status %s, retrying", response.status_code
                        )
                        await self._sleep_before_retry(attempt, response)
                        attempt += 1
                        continue
                    raise status_error(failed)
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" not in content_type.lower():
                    parsed = parse_model(await read_body(response), Response, require_id=True)
                    yield StreamEvent(type=terminal_type(parsed.status), response=parsed)
                    return
                async for event in stream_events(response):
                    yield event
                return
            finally:
                await response.aclose()

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
                    response = await read_limited(streamed)
                finally:
                    await streamed.aclose()
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing was sent: safe to retry for every method, including create.
                if attempt < self.max_retries:
                    log.info("%s %s: %s, retrying", method, path, type(exc).__name__)
                    await self._sleep_before_retry(attempt, None)
                    attempt += 1
                    continue
                raise connection_error(exc) from None
            except httpx.TransportError as exc:
                # Sent (at least partly): only an idempotent request may go again.
                if idempotent and attempt < self.max_retries:
                    log.info("%s %s: %s, retrying", method, path, type(exc).__name__)
                    await self._sleep_before_retry(attempt, None)
                    attempt += 1
                    continue
                raise connection_error(exc) from None
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
            if should_retry(response, idempotent=idempotent) and attempt < self.max_retries:
                log.info("%s %s: status %s, retrying", method, path, response.status_code)
                await self._sleep_before_retry(attempt, response)
                attempt += 1
                continue
            raise status_error(response)

    async def _sleep_before_retry(self, attempt: int, response: httpx.Response | None) -> None:
        await asyncio.sleep(retry_delay(attempt, response.headers if response else None))


# ---------------------------------------------------------------------- helpers


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


__all__ = ["DEFAULT_BASE_URL", "ResponsesClient", "retry_delay"]
