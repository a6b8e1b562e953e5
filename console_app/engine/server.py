"""Run the engine: bind loopback, hand the port to the console, serve until SIGTERM/SIGINT.

Handshake with ``api/local_engine.py``: the token comes in ``CONSOLE_ENGINE_TOKEN`` (never on
the command line); the engine binds ``--port`` (0 = a free one) on ``--host``, and once it is
accepting connections writes ``{"port": N, "pid": P}`` to ``--ready-file`` (atomically); the
console then polls ``GET /health`` with the token.

Started by hand without the variable, the engine makes a token and writes it to
``<data dir>/engine-token`` (mode 0600), printing only that file's path — a token is never
printed or logged. A non-loopback ``--host`` is refused with exit code 2: the engine drives a
real desktop and must not be reachable from the network.

Started by the console, the engine also gets ``--log-file`` (a rotating, size-capped log that
its own output goes to as well), ``--parent-pid`` and ``--watch-stdin`` (it exits when the
console dies); one engine per data directory (a second one exits 3 naming the holder). See
``lifecycle.py``; connection limits and deadlines are in ``limits.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from console_app.core.logs import FORMAT, RateLimitFilter, rotating_file
from console_app.core.redact import RedactingFilter, register_secret
from console_app.core.secrets import ENGINE_TOKEN_ENV as TOKEN_ENV
from console_app.engine.app import build_app
from console_app.engine.lifecycle import (
    EXIT_LOCKED,
    EngineLock,
    EngineLockedError,
    capture_output,
    forced_exit_later,
    watch_parent,
)
from console_app.engine.limits import (
    ACCEPT_BACKLOG,
    KEEP_ALIVE_S,
    GuardedProtocol,
    connection_cap,
    raise_file_limit,
)
from console_app.engine.ocr import OcrReader
from console_app.engine.retention import start_pruning
from console_app.engine.service import EngineService
from console_app.engine.store import ResponseStore

log = logging.getLogger("console_app.engine")

TOKEN_FILE = "engine-token"  # noqa: S105
DATABASE_FILE = "engine.sqlite3"
EXIT_USAGE = 2


class LoopbackOnlyError(ValueError):
    pass


def check_loopback(host: str) -> str:
    """Return ``host`` if every address it names is a loopback address; else raise."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        addresses = {str(info[4][0]) for info in infos}
    except (socket.gaierror, UnicodeError) as exc:
        raise LoopbackOnlyError(f"cannot resolve the host {host!r}: {exc}") from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_loopback:
            raise LoopbackOnlyError(
                f"refusing to bind {host!r} ({address}): the local engine listens on loopback "
                "addresses only (127.0.0.1, ::1, localhost)"
            )
    return host


def resolve_token(data_dir: Path) -> tuple[str, Path | None]:
    """The token from the environment, or a new one written to a 0600 file (returned too)."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        return token, None
    token = secrets.token_urlsafe(32)
    path = data_dir / TOKEN_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    path.chmod(0o600)
    return token, path


def _write_ready(path: Path, port: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"port": port, "pid": os.getpid()}), encoding="utf-8")
    partial.replace(path)


def _configure_logging(log_file: Path | None = None) -> None:
    """stderr (started by hand), or a rotating file (started by the console); both redacted
    and rate-limited (one line per kind of failure per minute)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_engine_handler", False)]:
        root.removeHandler(old)
        old.close()
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = rotating_file(log_file)
        handler.setFormatter(logging.Formatter(FORMAT))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    handler.addFilter(RateLimitFilter())
    setattr(handler, "_engine_handler", True)  # noqa: B010
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


class _Server(uvicorn.Server):
    """uvicorn's server, but SIGTERM/SIGINT end `serve` normally (uvicorn re-raises the
    signal after shutdown, which would kill the process before it returns its exit code)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket. ``IPPROTO_TCP`` must be explicit: asyncio disables Nagle only on
    sockets whose ``proto`` says TCP, and without that every keep-alive request waited ~40 ms
    for a delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(ACCEPT_BACKLOG)
    sock.setblocking(False)
    return sock


def make_server(
    *, sock: socket.socket, token: str, data_dir: Path, warm_ocr: bool = True
) -> tuple[_Server, EngineService]:
    """The uvicorn server and the service behind it (tests run this in a thread)."""
    store = ResponseStore(data_dir / DATABASE_FILE)
    interrupted = store.fail_interrupted()
    if interrupted:
        log.info("marked %d response(s) left in progress by a previous run as failed", interrupted)
    start_pruning(store)  # responses older than CONSOLE_ENGINE_KEEP_DAYS (7) are deleted
    ocr = OcrReader()
    if warm_ocr:
        ocr.start_loading()  # in the background, now: the first step must not wait for it
    service = EngineService(store, ocr)
    app = build_app(service, token)
    cap = connection_cap(raise_file_limit())
    config = uvicorn.Config(
        app,
        http=GuardedProtocol.configure(cap),
        backlog=ACCEPT_BACKLOG,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=3,
        timeout_keep_alive=int(KEEP_ALIVE_S),
    )
    log.info("holding at most %d connections", cap)
    return _Server(config), service


async def _serve_async(server: _Server, sock: socket.socket, ready_file: Path | None) -> None:
    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.02)
        if ready_file is not None:
            _write_ready(ready_file, sock.getsockname()[1])
        log.info("local engine listening on port %d", sock.getsockname()[1])

    watcher = asyncio.create_task(announce())
    try:
        await server.serve(sockets=[sock])
    finally:
        watcher.cancel()


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ready_file: str | None = None,
    data_dir: str | None = None,
    log_file: str | None = None,
    parent_pid: int | None = None,
    watch_stdin: bool = False,
) -> int:
    """Run in the foreground until SIGTERM/SIGINT (or the console's death); the exit code."""
    _configure_logging()
    try:
        check_loopback(host)
    except LoopbackOnlyError as exc:
        print(f"console-app engine: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= port <= 65535:
        print(f"console-app engine: port {port} is out of range", file=sys.stderr)
        return EXIT_USAGE
    if data_dir:
        directory = Path(data_dir)
    else:
        from console_app.core.paths import data_dir as default_data_dir

        directory = default_data_dir() / "engine"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        lock = EngineLock(directory).acquire()
    except (EngineLockedError, OSError) as exc:
        print(f"console-app engine: {exc}", file=sys.stderr, flush=True)
        return EXIT_LOCKED
    try:
        return _serve_locked(host, port, ready_file, directory, log_file, parent_pid, watch_stdin)
    finally:
        lock.release()


def _serve_locked(
    host: str,
    port: int,
    ready_file: str | None,
    directory: Path,
    log_file: str | None,
    parent_pid: int | None,
    watch_stdin: bool,
) -> int:
    if log_file:
        _configure_logging(Path(log_file))
        capture_output()  # print()s and library noise go to the rotating log, rate-limited
    token, token_path = resolve_token(directory)
    register_secret(token)
    if token_path is not None:
        print(f"console-app engine: no {TOKEN_ENV} set; the token is in {token_path}", flush=True)
    try:
        sock = bind(host, port)
    except OSError as exc:
        print(f"console-app engine: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    server, _service = make_server(sock=sock, token=token, data_dir=directory)

    def stop(reason: str) -> None:
        if not server.should_exit:
            log.info("stopping: %s", reason)
            server.should_exit = True
            forced_exit_later()

    watch_parent(stop, parent_pid=parent_pid, stdin=watch_stdin)
    try:
        asyncio.run(_serve_async(server, sock, Path(ready_file) if ready_file else None))
    finally:
        sock.close()
        _service.store.close()
    log.info("local engine stopped")
    return 0
