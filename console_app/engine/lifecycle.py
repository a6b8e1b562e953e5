"""The engine process's life: one per data directory, never an orphan, logs that stay small.

* **One engine per data directory** (`EngineLock`): an exclusive lock on ``engine.lock``, taken
  before the response store opens — a second engine would otherwise mark the first one's live
  responses ``failed/engine_restarted``. The second engine exits with a sentence naming the
  process that holds the lock.
* **No orphans** (`watch_parent`): the console starts the engine with a pipe on its stdin and
  keeps the write end; the engine treats end-of-file as "the console is gone" and shuts down
  (works on every OS, and after SIGKILL of the console). On Linux ``PR_SET_PDEATHSIG`` adds a
  signal when the parent dies; the signal is also sent when only the *thread* that started the
  engine ends, so the handler checks that the parent process really changed.
* **Bounded output** (`capture_output`): once the engine logs to its rotating file, its fds 1
  and 2 are a pipe whose lines go through logging (rate-limited, rotated), so nothing the
  engine or a library prints can grow a file without bound.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("console_app.engine")

LOCK_FILE = "engine.lock"
EXIT_LOCKED = 3
FORCED_EXIT_AFTER_S = 10.0


class EngineLockedError(RuntimeError):
    pass


class EngineLock:
    """An exclusive, non-blocking lock on ``<data dir>/engine.lock`` holding our pid."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._handle: IO[str] | None = None

    def acquire(self) -> EngineLock:
        handle = self.path.open("a+", encoding="utf-8")
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise EngineLockedError(
                f"another local engine (process {holder}) is already using {self.path.parent}; "
                "stop it first, or give this one its own --data-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.seek(0)
                handle.truncate()
            handle.close()  # closing the file releases the lock


def _lock(handle: IO[str]) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def watch_parent(stop: Callable[[str], None], *, parent_pid: int | None, stdin: bool) -> None:
    """Call ``stop(reason)`` once the console that started us is gone (see the module doc)."""
    if parent_pid is not None and sys.platform.startswith("linux"):
        _death_signal(stop, parent_pid)
    if stdin:

        def read_until_eof() -> None:
            stream = sys.stdin.buffer
            with contextlib.suppress(OSError, ValueError):
                while stream.read(4096):
                    pass
            stop("the console closed the engine's pipe (it stopped or died)")

        threading.Thread(target=read_until_eof, name="parent-watchdog", daemon=True).start()


def _death_signal(stop: Callable[[str], None], parent_pid: int) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, int(signal.SIGUSR2), 0, 0, 0) != 0:
            return
    except (OSError, AttributeError):
        return

    def on_signal(_signum: int, _frame: Any) -> None:
        if os.getppid() != parent_pid:
            stop("the console that started the engine died")

    with contextlib.suppress(ValueError):  # not the main thread (tests): the pipe still works
        signal.signal(signal.SIGUSR2, on_signal)
    if os.getppid() != parent_pid:  # it died before the signal was armed
        stop("the console that started the engine died")


def forced_exit_later(delay: float = FORCED_EXIT_AFTER_S) -> None:
    """If a graceful stop hangs, leave anyway: an engine must never outlive its console."""

    def later() -> None:
        time.sleep(delay)
        log.warning("the engine did not stop within %.0f s; exiting now", delay)
        logging.shutdown()
        os._exit(1)

    threading.Thread(target=later, name="forced-exit", daemon=True).start()


def capture_output(logger_name: str = "console_app.engine.output") -> None:
    """Send everything written to fds 1 and 2 through logging (see the module doc)."""
    read_fd, write_fd = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os.dup2(write_fd, 1)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    output = logging.getLogger(logger_name)

    def forward() -> None:
        with os.fdopen(read_fd, "rb") as pipe:
            for raw in pipe:
                line = raw.decode("utf-8", "replace").rstrip()
                if line:
                    output.warning(line[:2000])  # the text is the kind: repeats are limited

    threading.Thread(target=forward, name="engine-output", daemon=True).start()
