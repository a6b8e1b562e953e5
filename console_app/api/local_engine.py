"""Start and stop the local engine as a child process on a free loopback port.

Why a child process and not a thread: the engine runs OCR (onnxruntime, OpenCV) that would
compete with the GUI thread for the GIL, and a crash in it must not take the console down.

Handshake: the console picks a token (``CONSOLE_ENGINE_TOKEN`` if set, else a random one) and
passes it in the child's *environment* (never on the command line, which ``ps`` shows). The
child binds port 0 on 127.0.0.1 and writes ``{"port": N, "pid": P}`` to a ready file; the
console then polls ``GET /health`` until it answers.

Never an orphan: the child gets a pipe on its stdin whose write end only the console holds, and
``--parent-pid``; it exits when the pipe closes (the console stopped or died, even by SIGKILL)
or, on Linux, when the parent-death signal says the console is gone. Its log is
``engine.log`` (rotating, size-capped, written by the engine itself); what it prints before its
logging is up goes to ``engine-start.log``, truncated at each start.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from console_app.core.secrets import ENGINE_TOKEN_ENV as TOKEN_ENV

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0
_NOT_FOR_THE_ENGINE = frozenset({"TZAFON_API_KEY", "OPENAI_API_KEY"})


class EngineStartError(RuntimeError):
    """The local engine did not come up; the message says what was seen."""


def engine_command() -> list[str]:
    """The command line that runs ``console-app engine`` with this interpreter or bundle."""
    if getattr(sys, "frozen", False):  # PyInstaller bundle: the executable is console-app
        return [sys.executable, "engine"]
    return [sys.executable, "-m", "console_app.engine"]  # skips the other commands' imports


@dataclass
class LocalEngine:
    """A running local engine. Use `start`, then `base_url` and `token`; `stop` when done."""

    data_dir: Path | None = None
    token: str = field(
        default_factory=lambda: os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)
    )
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    _log_file: Path | None = None
    _exit_code: int | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise EngineStartError("the local engine is not running")
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> LocalEngine:
        from console_app.core.paths import data_dir, log_dir
        from console_app.core.redact import register_secret

        register_secret(self.token)
        workdir = Path(tempfile.mkdtemp(prefix="console-engine-"))
        ready = workdir / "ready.json"
        self._log_file = log_dir() / "engine.log"
        start_log = log_dir() / "engine-start.log"
        engine_data = self.data_dir or (data_dir() / "engine")
        command = [
            *engine_command(),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--ready-file",
            str(ready),
            "--data-dir",
            str(engine_data),
            "--log-file",
            str(self._log_file),
            "--parent-pid",
            str(os.getpid()),
            "--watch-stdin",
        ]
        # The engine needs no cloud credentials: they stay out of its environment.
        env = {k: v for k, v in os.environ.items() if k not in _NOT_FOR_THE_ENGINE}
        env[TOKEN_ENV] = self.token
        log.info("starting the local engine (data in %s)", engine_data)
        with start_log.open("wb") as log_handle:
            self.process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.PIPE,  # the watchdog pipe: only we hold its write end
                stdout=log_handle,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = _last_line(start_log)
                self.stop()
                raise EngineStartError(
                    f"the local engine exited with code {self.process_code}"
                    + (f": {said}" if said else f"; see {self._log_file}")
                )
            if ready.exists():
                try:
                    info = json.loads(ready.read_text())
                    self.port = int(info["port"])
                    break
                except (ValueError, KeyError, json.JSONDecodeError):
                    pass  # half-written; try again
            time.sleep(0.05)
        else:
            self.stop()
            raise EngineStartError(f"the local engine did not start within {timeout:.0f} s")
        self._wait_healthy(deadline)
        with contextlib.suppress(OSError):
            ready.unlink()
            workdir.rmdir()
        log.info("local engine ready on %s", self.base_url)
        return self

    def _wait_healthy(self, deadline: float) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        last_error = "no answer"
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"{self.base_url}/health", headers=headers, timeout=2.0)
                if response.status_code == 200:
                    return
                last_error = f"status {response.status_code}"
            except httpx.HTTPError as exc:
                last_error = type(exc).__name__
            if not self.running:
                break
            time.sleep(0.1)
        self.stop()
        raise EngineStartError(f"the local engine did not become healthy ({last_error})")

    @property
    def process_code(self) -> int | None:
        return self._exit_code

    def stop(self, timeout: float = 5.0) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        if process.poll() is not None:
            self._exit_code = process.returncode
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        self._exit_code = process.returncode

    def __enter__(self) -> LocalEngine:
        return self.start() if not self.running else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _last_line(path: Path) -> str:
    """The engine's last words before it exited (e.g. which process holds its data folder)."""
    try:
        lines = path.read_text("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    last = lines[-1].strip() if lines else ""
    return last.removeprefix("console-app engine: ")[:300]
