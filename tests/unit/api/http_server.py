"""A scriptable HTTP/1.1 server on 127.0.0.1, written on raw asyncio streams.

Why not a framework: the client must be proven against what frameworks make hard to produce —
a body cut in the middle, a connection reset (RST via ``SO_LINGER 0``), a server that stalls,
an SSE stream delivered in arbitrary pieces, a close without the final chunk. Each request is
answered by the next *handler* of the script (``server.script(h1, h2, ...)``); a handler gets an
`Exchange` and writes whatever bytes it likes.

The server records every request (method, target, headers, body, connection number) and every
connection the client closes, so a test can assert how many attempts were made and that a
cancelled request really closed its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.http_wire import read_request_body

Handler = Callable[["Exchange"], Awaitable[None]]

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class RecordedRequest:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int
    received_at: float = field(default_factory=time.perf_counter)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)

    def json(self) -> Any:
        return json.loads(self.body)


class Exchange:
    """One request and the connection it came on; the handler answers through it."""

    def __init__(
        self,
        server: ScriptedServer,
        request: RecordedRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.server = server
        self.request = request
        self.reader = reader
        self.writer = writer
        self.closed = False  # no further request may be read from this connection

    # -- complete answers

    async def respond(
        self,
        status: int = 200,
        body: bytes | str = b"",
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> None:
        if json_body is not None:
            body = json.dumps(json_body)
            content_type = content_type or "application/json"
        data = body.encode() if isinstance(body, str) else body
        head = dict(headers or {})
        if content_type:
            head["Content-Type"] = content_type
        head["Content-Length"] = str(len(data))
        await self.send_head(status, head)
        await self.send(data)

    async def send_head(self, status: int, headers: dict[str, str] | None = None) -> None:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await self.writer.drain()

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    # -- chunked transfer (SSE)

    async def start_chunked(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        await self.send_head(status, {**(headers or {}), "Transfer-Encoding": "chunked"})

    async def send_chunk(self, data: bytes | str) -> None:
        raw = data.encode() if isinstance(data, str) else data
        if raw:
            await self.send(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")

    async def end_chunked(self) -> None:
        await self.send(b"0\r\n\r\n")

    # -- misbehaviour

    async def wait_for_client_close(self, timeout: float = 30.0) -> bool:
        """Stall: read until the client closes the connection (True) or ``timeout`` (False)."""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return False
        except ConnectionError:
            pass
        self.closed = True
        self.server.note_client_close(self.request.connection)
        return True

    async def reset(self, settle: float = 0.05) -> None:
        """Abort the connection with a TCP RST (``SO_LINGER 0``) after letting what was written
        reach the client."""
        await asyncio.sleep(settle)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()
        self.closed = True

    async def close(self) -> None:
        """Close cleanly (FIN) — for bodies delimited by the end of the connection."""
        self.closed = True
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


class ScriptedServer:
    """``async with ScriptedServer() as server:`` → ``server.url``, ``server.script(...)``."""

    def __init__(self, *handlers: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[RecordedRequest] = []
        self.errors: list[BaseException] = []
        self.client_closes: list[tuple[int, float]] = []
        self.connections = 0
        self._script: list[Handler] = list(handlers)
        self._default: Handler | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- scripting

    def script(self, *handlers: Handler, default: Handler | None = None) -> None:
        """Answer the next requests with these handlers, in order (then ``default``)."""
        self._script.extend(handlers)
        if default is not None:
            self._default = default

    def always(self, handler: Handler) -> None:
        self._default = handler

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- lifecycle

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Abort every connection (a stalled handler then reads EOF and returns); cancel only
        what is still running a second later."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            _, still_running = await asyncio.wait(pending, timeout=1.0)
            for task in still_running:
                task.cancel()
            if still_running:
                await asyncio.wait(still_running, timeout=1.0)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> ScriptedServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- observation

    def note_client_close(self, connection: int) -> None:
        self.client_closes.append((connection, time.perf_counter()))

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll ``predicate`` (every 5 ms) until it holds; TimeoutError after ``timeout``."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.005)

    async def wait_requests(self, count: int, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: len(self.requests) >= count, timeout)

    def paths(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    # -- serving

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        self.connections += 1
        connection = self.connections
        try:
            while True:
                request = await self._read_request(reader, connection)
                if request is None:
                    self.note_client_close(connection)
                    return
                self.requests.append(request)
                handler = self._next_handler()
                exchange = Exchange(self, request, reader, writer)
                await handler(exchange)
                if exchange.closed:
                    return
        except asyncio.CancelledError:
            # Only stop() cancels these tasks; asyncio's stream callback would log a re-raise.
            return
        except (ConnectionError, asyncio.IncompleteReadError):
            self.note_client_close(connection)
        except Exception as exc:  # a broken handler must fail the test, not hang it
            self.errors.append(exc)
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
            if task is not None:
                self._tasks.discard(task)

    def _next_handler(self) -> Handler:
        if self._script:
            return self._script.pop(0)
        if self._default is not None:
            return self._default
        return _unscripted

    @staticmethod
    async def _read_request(
        reader: asyncio.StreamReader, connection: int
    ) -> RecordedRequest | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await read_request_body(reader, headers)
        return RecordedRequest(method, target, headers, body, connection)


async def _unscripted(exchange: Exchange) -> None:
    await exchange.respond(
        599, json_body={"error": {"message": f"unscripted request {exchange.request.target}"}}
    )


# ---------------------------------------------------------------------- handler factories


def reply(
    status: int = 200,
    payload: Any = None,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    content_type: str | None = None,
) -> Handler:
    """A complete answer: JSON ``payload`` or a raw ``body``."""

    async def handler(exchange: Exchange) -> None:
        if body is not None:
            await exchange.respond(status, body, headers=headers, content_type=content_type)
        else:
            await exchange.respond(status, json_body=payload, headers=headers)

    return handler


def stall(timeout: float = 30.0) -> Handler:
    """Read the request, never answer; return when the client gives up (closes)."""

    async def handler(exchange: Exchange) -> None:
        await exchange.wait_for_client_close(timeout)
        exchange.closed = True

    return handler


def cut_body(
    status: int = 200,
    partial: bytes = b'{"id": "resp_',
    declared: int = 4096,
    *,
    how: str = "reset",
) -> Handler:
    """Send the head with ``Content-Length: declared`` and only ``partial``; then reset
    (``how="reset"``) or close cleanly (``how="close"``)."""

    async def handler(exchange: Exchange) -> None:
        await exchange.send_head(
            status, {"Content-Type": "application/json", "Content-Length": str(declared)}
        )
        await exchange.send(partial)
        if how == "reset":
            await exchange.reset()
        else:
            await exchange.close()

    return handler


def drop_after_request(how: str = "close") -> Handler:
    """Read the request and hang up without a byte of answer."""

    async def handler(exchange: Exchange) -> None:
        if how == "reset":
            await exchange.reset(settle=0)
        else:
            await exchange.close()

    return handler


def sse(
    pieces: Sequence[bytes | str],
    *,
    delay: float = 0.0,
    end: str = "chunked",
    status: int = 200,
    headers: dict[str, str] | None = None,
    content_type: str = "text/event-stream",
) -> Handler:
    """Stream ``pieces`` (each one write) with ``delay`` between them, then end the body:

    * ``"chunked"`` — chunked encoding, closed properly with the zero chunk;
    * ``"close"`` — no framing (``Connection: close``), body ends with a clean FIN;
    * ``"reset"`` — chunked, then a TCP reset instead of the zero chunk;
    * ``"stall"`` — chunked, then silence until the client hangs up.
    """

    async def handler(exchange: Exchange) -> None:
        head = {"Content-Type": content_type, "Cache-Control": "no-cache", **(headers or {})}
        if end == "close":
            await exchange.send_head(status, {**head, "Connection": "close"})
        else:
            await exchange.start_chunked(status, head)
        for piece in pieces:
            raw = piece.encode() if isinstance(piece, str) else piece
            if end == "close":
                await exchange.send(raw)
            else:
                await exchange.send_chunk(raw)
            if delay:
                await asyncio.sleep(delay)
        if end == "chunked":
            await exchange.end_chunked()
        elif end == "close":
            await exchange.close()
        elif end == "reset":
            await exchange.reset()
        elif end == "stall":
            await exchange.wait_for_client_close()
            exchange.closed = True

    return handler


def sse_event(payload: Any, event: str | None = None, *, newline: str = "\n") -> str:
    """One SSE event: ``event:`` line (optional), one ``data:`` line, blank line."""
    lines = [] if event is None else [f"event: {event}"]
    lines.append("data: " + (payload if isinstance(payload, str) else json.dumps(payload)))
    return newline.join(lines) + newline + newline


def free_port() -> int:
    """A port nothing listens on (bound and released; the kernel will not hand it out again
    at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
