"""The faults `FaultProxy` can inject, one small frozen dataclass each, and shorthands.

What each one does to a request is described on the class; `FaultProxy` applies them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Forward:
    """Pass through. ``delay_ms`` holds the response head back; ``stall_after_events`` /
    ``stall_ms`` pause an SSE body after that many events."""

    delay_ms: int = 0
    stall_after_events: int | None = None
    stall_ms: int = 0


@dataclass(frozen=True)
class Reset:
    """Abort the client's connection with a TCP RST. ``after_upstream=False``: the request is
    read and dropped (the engine never sees it); ``True``: the engine answers first."""

    after_upstream: bool


@dataclass(frozen=True)
class TruncateStream:
    """Relay ``after_events`` SSE events of the engine's stream, then end the chunked body
    properly (``abort=False``) or reset the connection (``abort=True``)."""

    after_events: int
    abort: bool = False


@dataclass(frozen=True)
class ErrorReply:
    """Answer ``status`` without asking the engine: a JSON error envelope, or ``html``."""

    status: int
    message: str = "the upstream failed"
    headers: Mapping[str, str] = field(default_factory=dict)
    html: str | None = None


@dataclass(frozen=True)
class Replace:
    """A 2xx whose body is ``body`` (or ``body(real_body)``); after the engine answered when
    ``forward`` (the engine did the work), else without asking it."""

    body: bytes | Callable[[bytes], bytes]
    content_type: str = "application/json"
    forward: bool = True
    status: int = 200


@dataclass(frozen=True)
class RejectLarger:
    """A gateway's body limit: 413 (an nginx-style HTML page) for bodies over ``limit``."""

    limit: int


Fault = Forward | Reset | TruncateStream | ErrorReply | Replace | RejectLarger

NGINX_413 = (
    "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
    "<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def server_error(
    status: int = 500, message: str = "the engine fell over", *, retry: bool | None = None
) -> ErrorReply:
    headers = {} if retry is None else {"x-should-retry": "true" if retry else "false"}
    return ErrorReply(status, message, headers)


def rate_limited(
    *, retry_after: str | None = None, retry_after_ms: str | None = None, retry: bool | None = None
) -> ErrorReply:
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    if retry_after_ms is not None:
        headers["retry-after-ms"] = retry_after_ms
    if retry is not None:
        headers["x-should-retry"] = "true" if retry else "false"
    return ErrorReply(429, "Rate limit reached: slow down", headers)


def malformed_json() -> Replace:
    """The engine's real answer, cut in the middle (a 200 the client cannot parse)."""
    return Replace(lambda real: real[: max(1, len(real) // 2)])


def oversized(size: int, *, valid: bool, stream: bool = False) -> Replace:
    """A 2xx of about ``size`` bytes after the engine answered. ``valid``: the real response
    with one huge field (JSON) or one huge text delta before the final event (SSE, sent
    chunked: no length to refuse it by); else junk."""

    def build(real: bytes) -> bytes:
        if not valid:
            return b"x" * size
        if stream:
            delta = {"type": "response.output_text.delta", "delta": "p" * size}
            huge = f"event: {delta['type']}\ndata: {json.dumps(delta)}\n\n".encode()
            cut = real.rfind(b"event: response.completed")
            return real[:cut] + huge + real[cut:]
        payload = json.loads(real)
        payload["padding"] = "p" * max(0, size - len(real))
        return json.dumps(payload).encode()

    return Replace(build, content_type="text/event-stream" if stream else "application/json")


def garbage_sse(data: bytes, *, forward: bool = True) -> Replace:
    return Replace(data, content_type="text/event-stream", forward=forward)
