"""Connection limits for the engine: local abuse must not lock out the console.

Anything on this machine can open sockets to the engine's loopback port without a token. Left
alone, ~1,100 idle sockets that send half a request use up the open-file limit and the
console's own request cannot even be accepted. So (`GuardedProtocol`, uvicorn's h11 protocol
with limits):

* **A cap below the file limit** (`connection_cap`): at most ``min(MAX_CONNECTIONS, soft file
  limit − FD_RESERVE)`` connections are held. When a new one would exceed it, the oldest
  connection that is *not* running a request (idle, or still sending headers or a body) is
  closed — a flood only ever evicts itself, and a client that sends its request promptly is
  served. If every held connection is running a request, the newcomer is closed instead.
* **Deadlines**: request headers must be complete ``HEADER_TIMEOUT_S`` after their first byte
  (or after the connection opened), a body ``BODY_TIMEOUT_S`` after its headers; idle
  keep-alive connections close after ``KEEP_ALIVE_S`` (uvicorn's own timer).
* **Quiet logs**: each kind of closure is logged at most once per interval (the engine's
  handlers carry `core.logs.RateLimitFilter`); a client that hangs up is INFO, not an error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("console_app.engine.connections")

MAX_CONNECTIONS = 512
FD_RESERVE = 96  # the store, OCR models, logs, pipes
ACCEPT_BACKLOG = 64  # sockets accepted in one burst before `connection_made` can evict
HEADER_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 60.0
KEEP_ALIVE_S = 5.0


def raise_file_limit(target: int = 4096) -> int:
    """Raise the soft open-file limit towards ``target`` (never above the hard limit)."""
    try:
        import resource
    except ImportError:  # Windows: no per-process file limit to raise
        return target
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = target if hard == resource.RLIM_INFINITY else min(target, hard)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
    except (ValueError, OSError):
        soft = 1024
    return int(soft) if soft != resource.RLIM_INFINITY else target


def connection_cap(file_limit: int) -> int:
    """Held connections, with room for the reserve and a few accept bursts in flight."""
    return max(8, min(MAX_CONNECTIONS, (file_limit - FD_RESERVE) // 2))


class GuardedProtocol(H11Protocol):
    """uvicorn's h11 protocol with a connection cap and header/body deadlines."""

    cap = MAX_CONNECTIONS  # set by `configure`
    counters: ClassVar[dict[str, int]] = {
        "evicted": 0,
        "refused": 0,
        "header_timeout": 0,
        "body_timeout": 0,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._deadline_kind = ""
        self._active_since = time.monotonic()

    @classmethod
    def configure(cls, cap: int) -> type[GuardedProtocol]:
        return type(
            "GuardedProtocol", (cls,), {"cap": cap, "counters": dict.fromkeys(cls.counters, 0)}
        )

    # ------------------------------------------------------------------ protocol

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("header", HEADER_TIMEOUT_S)
        if len(self.connections) > self.cap:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if exc is not None:
            log.info("a client connection was lost: %s", type(exc).__name__)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._active_since = time.monotonic()
        self._update_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._disarm()  # uvicorn's keep-alive timer takes over until the next request

    # ------------------------------------------------------------------ limits

    def _busy(self) -> bool:
        """Running a request: headers and body are in, the app is working on it."""
        cycle = self.cycle
        return cycle is not None and not cycle.response_complete and not cycle.more_body

    def _update_deadline(self) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            if self._deadline_kind != "header":  # first bytes of a new request's headers
                self._arm("header", HEADER_TIMEOUT_S)
        elif cycle.more_body:
            if self._deadline_kind != "body":
                self._arm("body", BODY_TIMEOUT_S)
        else:
            self._disarm()

    def _arm(self, kind: str, seconds: float) -> None:
        self._disarm()
        self._deadline_kind = kind
        self._deadline = self.loop.call_later(seconds, self._expired, kind)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._deadline_kind = ""

    def _expired(self, kind: str) -> None:
        self._deadline = None
        if self._busy() or self.transport.is_closing():
            return
        self.counters[f"{kind}_timeout"] += 1
        limit = HEADER_TIMEOUT_S if kind == "header" else BODY_TIMEOUT_S
        log.warning("closed a connection that did not send its request %s within %.0f s",
                    "headers" if kind == "header" else "body", limit)  # fmt: skip
        self.transport.close()

    def _make_room(self) -> None:
        victims = [c for c in self.connections if isinstance(c, GuardedProtocol) and c is not self]
        idle = [c for c in victims if not c._busy() and not c.transport.is_closing()]
        if idle:
            oldest = min(idle, key=lambda c: c._active_since)
            self.counters["evicted"] += 1
            log.warning(
                "connection limit (%d) reached: closed the longest-idle connection", self.cap
            )
            oldest.transport.abort()
            return
        self.counters["refused"] += 1
        log.warning("connection limit (%d) reached and every connection is busy: refused one",
                    self.cap)  # fmt: skip
        self.transport.abort()
