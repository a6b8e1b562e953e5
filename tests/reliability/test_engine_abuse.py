"""The real engine process under local abuse, and its life cycle (loopback only: 127.0.0.1).

* 1,100 sockets that send half a request (more than the engine's open-file limit of 1024):
  the engine holds at most its cap, keeps its file descriptors below the limit, still serves an
  authorised request quickly, and its log stays small (one line per kind of closure per minute).
* The engine exits by itself when the console that started it is SIGKILLed (watchdog pipe and
  parent-death signal), and a second engine on the same data directory refuses to start,
  naming the process that holds it — without touching the first one's responses.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console_app.api.local_engine import engine_command
from console_app.engine.limits import connection_cap

TOKEN = "abuse-test-token-0123456789"
FLOOD = 1100
ENGINE_FILE_LIMIT = 1024


def _limit_files() -> None:  # in the engine child, before exec
    resource.setrlimit(resource.RLIMIT_NOFILE, (ENGINE_FILE_LIMIT, ENGINE_FILE_LIMIT))


def wait_for(probe, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class EngineProcess:
    def __init__(self, folder: Path, *, limit_files: bool = False) -> None:
        self.ready = folder / "ready.json"
        self.log_file = folder / "logs" / "engine.log"
        self.data_dir = folder / "engine"
        env = {**os.environ, "CONSOLE_ENGINE_TOKEN": TOKEN}
        self.process = subprocess.Popen(
            [
                *engine_command(),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--ready-file",
                str(self.ready),
                "--data-dir",
                str(self.data_dir),
                "--log-file",
                str(self.log_file),
                "--watch-stdin",
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_limit_files if limit_files else None,
        )
        info = wait_for(lambda: self._ready(), 60, "the engine's ready file")
        self.port = int(info["port"])
        self.url = f"http://127.0.0.1:{self.port}"

    def _ready(self) -> dict[str, int] | None:
        if self.process.poll() is not None:
            raise AssertionError(f"the engine exited with {self.process.returncode}")
        try:
            return json.loads(self.ready.read_text()) if self.ready.exists() else None
        except ValueError:
            return None

    def open_fds(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def log_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.log_file.parent.glob("engine.log*"))

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(15)


@pytest.fixture
def raised_file_limit() -> Iterator[None]:
    """This test process opens more sockets than 1024 itself."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FLOOD + 512
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.fail(f"the hard open-file limit {hard} is below {wanted}; raise it (ulimit -Hn)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.slow
def test_an_authorised_client_is_served_while_1100_half_requests_are_open(
    tmp_path: Path, raised_file_limit: None
) -> None:
    engine = EngineProcess(tmp_path, limit_files=True)
    flood: list[socket.socket] = []
    try:
        for _ in range(FLOOD):
            sock = socket.create_connection(("127.0.0.1", engine.port), timeout=5)
            sock.sendall(b"POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
            flood.append(sock)
        opened = time.monotonic()
        held = engine.open_fds()
        started = time.perf_counter()
        answer = httpx.get(
            f"{engine.url}/health", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        served_ms = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200, answer.text
        assert held < ENGINE_FILE_LIMIT, f"{held} open files in the engine"
        assert engine.process.poll() is None
        unauthorised = httpx.get(f"{engine.url}/health", timeout=10)
        assert unauthorised.status_code == 401
        # Every socket still open after the deadline has been closed by the engine.
        still_open = _count_open(flood, deadline=opened + 25)
        log_size = engine.log_bytes()
        log_text = engine.log_file.read_text("utf-8")
        print(
            f"\nflood of {FLOOD} half requests: engine held {held} fds (file limit "
            f"{ENGINE_FILE_LIMIT}, cap {connection_cap(ENGINE_FILE_LIMIT)} connections); "
            f"authorised /health served in {served_ms:.0f} ms; {still_open} flood sockets "
            f"still open after the "
            f"header deadline; engine.log {log_size} bytes"
        )
        assert served_ms < 5000
        assert still_open == 0
        assert log_size < 20_000, log_text[-3000:]
        assert "Traceback" not in log_text and "Too many open files" not in log_text
    finally:
        for sock in flood:
            sock.close()
        engine.stop()


def _count_open(sockets: list[socket.socket], deadline: float) -> int:
    """How many of ``sockets`` the server has not closed by ``deadline``."""
    pending = list(sockets)
    for sock in pending:
        sock.setblocking(False)
    while pending and time.monotonic() < deadline:
        survivors = []
        for sock in pending:
            try:
                if sock.recv(4096) == b"":
                    continue  # closed by the engine
                survivors.append(sock)  # an answer (e.g. 408/400): wait for the close
            except BlockingIOError:
                survivors.append(sock)
            except OSError:
                continue  # reset by the engine
        pending = survivors
        if pending:
            time.sleep(0.2)
    return len(pending)


@pytest.mark.slow
def test_the_engine_exits_when_its_console_is_killed(tmp_path: Path) -> None:
    console = subprocess.Popen(
        [sys.executable, "-c", CONSOLE_SCRIPT],
        env={**os.environ, "CONSOLE_APP_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert console.stdout is not None
        engine_pid = int(console.stdout.readline())
        os.kill(console.pid, signal.SIGKILL)
        console.wait(10)
        started = time.monotonic()
        wait_for(lambda: not _alive(engine_pid), 15, "the orphaned engine to exit")
        print(f"\nengine exited {time.monotonic() - started:.1f} s after its console's SIGKILL")
    finally:
        if console.poll() is None:
            console.kill()
        if _alive(engine_pid):
            os.kill(engine_pid, signal.SIGKILL)


CONSOLE_SCRIPT = """
import time
from console_app.api.local_engine import LocalEngine
engine = LocalEngine().start()
print(engine.process.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_second_engine_on_the_same_data_directory_refuses_and_names_the_first(
    tmp_path: Path,
) -> None:
    first = EngineProcess(tmp_path / "a")
    try:
        second = subprocess.run(
            [*engine_command(), "--data-dir", str(first.data_dir)],
            env={**os.environ, "CONSOLE_ENGINE_TOKEN": TOKEN},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 3, second.stderr
        assert f"process {first.process.pid}" in second.stderr, second.stderr
        assert str(first.data_dir) in second.stderr
        health = httpx.get(
            f"{first.url}/health", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        assert health.status_code == 200
    finally:
        first.stop()
