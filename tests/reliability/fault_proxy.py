"""A fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1, in front of the local engine.

Why a proxy and not a fake server: the faults must happen to *real* traffic. The engine really
plans the turn (and stores the response) before the proxy cuts the answer, so a test can tell
"the request never reached the engine" from "the engine did the work but the answer was lost"
— the two cases where retrying a ``create`` is, respectively, safe and unsafe.

Scripting: ``proxy.on(method, path_pattern, fault, nth=..., patch=...)`` applies ``fault`` to
the ``nth`` request (1-based, or several) matching that method and path (a regex matched
against the whole path); every other request is forwarded unchanged. ``patch`` merges JSON
fields into the request body on its way to the engine (``{"background": true}``, or the
engine's ``metadata.engine_delay_ms`` test hook to keep a response in progress). Faults
(``faults.py``):

* `Forward` — pass through, optionally late (``delay_ms`` before the response head, or a pause
  mid-body after K SSE events).
* `Reset` — a TCP reset, before the request is sent upstream or after the engine answered.
* `TruncateStream` — relay K SSE events, then end the body cleanly or reset.
* `ErrorReply` — a 4xx/5xx answer (JSON error or a gateway's HTML page) with any headers
  (``x-should-retry``, ``retry-after``, ``retry-after-ms``); nothing reaches the engine.
* `Replace` — a 2xx whose body is replaced (malformed JSON, a 30 MB body, garbage SSE), after
  the engine answered or without asking it.
* `RejectLarger` — a gateway body limit: 413 for a request body over the limit, else forward.

``go_down()`` / ``come_up()`` close and reopen the listening socket on the same port, so a
client gets "connection refused" — the one failure where a request provably never left.

Observation: ``received`` lists every request the proxy read; ``upstream`` every request it
sent on to the engine, with the status and the response id the engine answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import re
import socket
import struct
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.http_wire import read_request_body
from tests.reliability.faults import (
    NGINX_413,
    ErrorReply,
    Fault,
    Forward,
    RejectLarger,
    Replace,
    Reset,
    TruncateStream,
)

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "host",
    }
)


# ---------------------------------------------------------------------- observation


@dataclass
class Seen:
    """A request the proxy read, and what it did with it."""

    method: str
    path: str
    body: bytes
    fault: str
    at: float = field(default_factory=time.perf_counter)
    events_relayed: int = 0  # SSE events passed on to the client so far

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Upstream:
    """A request the engine received, with its answer."""

    method: str
    path: str
    status: int
    response_id: str | None


@dataclass
class _Rule:
    method: str
    path: re.Pattern[str]
    fault: Fault
    nth: frozenset[int] | None
    patch: Mapping[str, Any] | None
    seen: int = 0


@dataclass
class _Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


class _Closed(Exception):
    """The client's connection must not be used again."""


# ---------------------------------------------------------------------- the proxy


class FaultProxy:
    """``async with FaultProxy(upstream_url) as proxy:`` → ``proxy.url``, ``proxy.on(...)``."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1") -> None:
        self.upstream_url = upstream.rstrip("/")
        self.host = host
        self.port = 0
        self.received: list[Seen] = []
        self.upstream: list[Upstream] = []
        self.errors: list[BaseException] = []
        self._rules: list[_Rule] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._http = httpx.AsyncClient(base_url=self.upstream_url, timeout=120.0)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- scripting

    def on(
        self,
        method: str,
        path: str,
        fault: Fault,
        *,
        nth: int | Iterable[int] | None = 1,
        patch: Mapping[str, Any] | None = None,
    ) -> None:
        """Apply ``fault`` (and ``patch``) to the ``nth`` matching request(s); ``nth=None``:
        to every one."""
        which = None if nth is None else frozenset([nth] if isinstance(nth, int) else nth)
        self._rules.append(_Rule(method.upper(), re.compile(path), fault, which, patch))

    def clear(self) -> None:
        self._rules.clear()

    def _rule_for(self, request: _Request) -> _Rule | None:
        chosen: _Rule | None = None
        for rule in self._rules:
            if rule.method != request.method or not rule.path.fullmatch(request.path):
                continue
            rule.seen += 1
            if chosen is None and (rule.nth is None or rule.seen in rule.nth):
                chosen = rule
        return chosen

    # -- observation

    def received_of(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.received if s.method == method and re.fullmatch(path, s.path)]

    def upstream_of(self, method: str, path: str) -> list[Upstream]:
        return [u for u in self.upstream if u.method == method and re.fullmatch(path, u.path)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.01)

    # -- lifecycle

    async def start(self) -> None:
        await self.come_up()

    async def come_up(self) -> None:
        self._server = await asyncio.start_server(
            self._on_connection, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def go_down(self) -> None:
        """Stop listening and drop every connection: new connections are refused."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        if server is not None:
            await server.wait_closed()

    async def stop(self) -> None:
        await self.go_down()
        # Aborted connections end their handlers; one still waiting (a delay, the engine) is
        # cancelled — the handler returns quietly on cancellation.
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            _, still_running = await asyncio.wait(pending, timeout=0.1)
            for task in still_running:
                task.cancel()
            if still_running:
                await asyncio.wait(still_running, timeout=1.0)
        await self._http.aclose()

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- serving

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                await self._handle(request, writer)
        except (asyncio.CancelledError, _Closed, ConnectionError, asyncio.IncompleteReadError):
            return
        except Exception as exc:  # a broken proxy must fail the test, not hang it
            self.errors.append(exc)
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
            if task is not None:
                self._tasks.discard(task)

    async def _handle(self, request: _Request, writer: asyncio.StreamWriter) -> None:
        rule = self._rule_for(request)
        fault = rule.fault if rule is not None else Forward()
        if rule is not None and rule.patch:
            payload = json.loads(request.body)
            payload.update(rule.patch)
            request.body = json.dumps(payload).encode()
        record = Seen(request.method, request.path, request.body, type(fault).__name__)
        self.received.append(record)
        match fault:
            case Reset(after_upstream=False):
                _reset(writer)
                raise _Closed
            case ErrorReply():
                await _send_error(writer, fault)
            case RejectLarger(limit=limit) if len(request.body) > limit:
                await _send_error(writer, ErrorReply(413, html=NGINX_413))
            case Replace(forward=False):
                body = fault.body if isinstance(fault.body, bytes) else fault.body(b"")
                await _send_body(writer, fault.status, fault.content_type, body)
            case _:
                await self._forward(request, writer, fault, record)

    async def _forward(
        self, request: _Request, writer: asyncio.StreamWriter, fault: Fault, record: Seen
    ) -> None:
        body = request.body
        headers = [(k, v) for k, v in request.headers if k.lower() not in HOP_BY_HOP]
        upstream_request = self._http.build_request(
            request.method, request.target, headers=headers, content=body
        )
        response = await self._http.send(upstream_request, stream=True)
        answer = Upstream(request.method, request.path, response.status_code, None)
        self.upstream.append(answer)  # the engine has the request: it answered the head
        try:
            head = [(k, v) for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP]
            streaming = "text/event-stream" in response.headers.get("content-type", "")
            if streaming:
                await _relay_stream(response, head, writer, fault, record, answer)
            else:
                real = await response.aread()
                answer.response_id = _response_id(real)
                if isinstance(fault, Reset):
                    _reset(writer)
                    raise _Closed
                if isinstance(fault, Replace):
                    replaced = fault.body if isinstance(fault.body, bytes) else fault.body(real)
                    await _send_body(writer, fault.status, fault.content_type, replaced)
                    return
                if isinstance(fault, Forward) and fault.delay_ms:
                    await asyncio.sleep(fault.delay_ms / 1000)
                await _send_whole(writer, response.status_code, head, real)
        finally:
            await response.aclose()


async def _relay_stream(
    response: httpx.Response,
    head: list[tuple[str, str]],
    writer: asyncio.StreamWriter,
    fault: Fault,
    record: Seen,
    answer: Upstream,
) -> None:
    """Pass an SSE answer on event by event, applying a stream fault on the way."""
    seen = bytearray()
    if isinstance(fault, Reset | Replace):
        async for chunk in response.aiter_raw():
            seen.extend(chunk)
        answer.response_id = _response_id(bytes(seen))
        if isinstance(fault, Reset):
            _reset(writer)
            raise _Closed
        replaced = fault.body if isinstance(fault.body, bytes) else fault.body(bytes(seen))
        await _send_body(writer, fault.status, fault.content_type, replaced)
        return
    if isinstance(fault, Forward) and fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)
    await _send_head(writer, response.status_code, [*head, ("transfer-encoding", "chunked")])
    relayed = 0
    async for event in _sse_blocks(response.aiter_raw(), seen):
        answer.response_id = answer.response_id or _response_id(bytes(seen))
        if isinstance(fault, Forward) and relayed == fault.stall_after_events:
            await asyncio.sleep(fault.stall_ms / 1000)
        await _send(writer, f"{len(event):x}\r\n".encode() + event + b"\r\n")
        relayed += 1
        record.events_relayed = relayed
        if isinstance(fault, TruncateStream) and relayed >= fault.after_events:
            break  # at once: the engine may still be working on the response
    if isinstance(fault, TruncateStream) and fault.abort:
        _reset(writer)
        raise _Closed
    await _send(writer, b"0\r\n\r\n")
    if isinstance(fault, TruncateStream):
        raise _Closed


# ---------------------------------------------------------------------- wire helpers


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    lookup = {k.lower(): v for k, v in headers}
    body = await read_request_body(reader, lookup)
    return _Request(method.upper(), target, headers, body)


async def _sse_blocks(chunks: Any, seen: bytearray) -> Any:
    """Re-frame an SSE byte stream into whole events (each ending with its blank line)."""
    buffer = b""
    async for chunk in chunks:
        seen.extend(chunk)
        buffer += chunk.replace(b"\r\n", b"\n")
        while (cut := buffer.find(b"\n\n")) != -1:
            block, buffer = buffer[: cut + 2], buffer[cut + 2 :]
            if block.strip().startswith(b":"):
                continue  # keep-alive comments are not events
            yield block
    if buffer.strip():
        yield buffer


def _response_id(body: bytes) -> str | None:
    """The response id in a JSON body, or in the first SSE event that carries a response."""
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        payload = json.loads(body)
        return payload.get("id") if isinstance(payload, dict) else None
    for line in body.decode("utf-8", "replace").splitlines():
        if line.startswith("data:"):
            with contextlib.suppress(ValueError):
                event = json.loads(line[5:])
                response = event.get("response") if isinstance(event, dict) else None
                if isinstance(response, dict) and response.get("id"):
                    return str(response["id"])
    return None


async def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


async def _send_head(
    writer: asyncio.StreamWriter, status: int, headers: list[tuple[str, str]]
) -> None:
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers)]
    await _send(writer, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


async def _send_body(
    writer: asyncio.StreamWriter, status: int, content_type: str, body: bytes
) -> None:
    """A replaced body: SSE goes chunked (1 MB chunks, like a live stream), JSON in one."""
    if "text/event-stream" not in content_type:
        await _send_whole(writer, status, [("content-type", content_type)], body)
        return
    head = [("content-type", content_type), ("transfer-encoding", "chunked")]
    await _send_head(writer, status, head)
    for start in range(0, len(body), 1 << 20):
        piece = body[start : start + (1 << 20)]
        await _send(writer, f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    await _send(writer, b"0\r\n\r\n")


async def _send_whole(
    writer: asyncio.StreamWriter, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    await _send_head(writer, status, [*headers, ("content-length", str(len(body)))])
    await _send(writer, body)


async def _send_error(writer: asyncio.StreamWriter, fault: ErrorReply) -> None:
    if fault.html is not None:
        body, ctype = fault.html.encode(), "text/html"
    else:
        error = {"message": fault.message, "type": "server_error", "code": None}
        body, ctype = json.dumps({"error": error}).encode(), "application/json"
    headers = [("content-type", ctype), *fault.headers.items()]
    await _send_whole(writer, fault.status, headers, body)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Abort with a TCP RST (``SO_LINGER 0``): the client sees ECONNRESET, not a clean EOF."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
