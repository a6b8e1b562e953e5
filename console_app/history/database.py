"""The history database file: private on disk, one connection per thread, one writer at a time.

WAL mode lets readers (the history view on the GUI thread, the CLI) page through history while
the loop's worker thread commits steps; every connection waits up to the busy timeout for a
lock instead of failing. A write is one ``BEGIN IMMEDIATE`` transaction (`Database.write`),
rolled back on any error; a full disk or a read-only folder becomes a `StorageProblem` in words
(``faults.py``). The store (``store.py``) says what is written; this module how.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from console_app.history.faults import storage_problem
from console_app.history.files import make_private_dir
from console_app.history.models import HistoryError

log = logging.getLogger(__name__)


class Database:
    """``path``'s connections: `conn` for this thread, `write` for a transaction, `close`."""

    def __init__(self, path: Path, busy_timeout_s: float) -> None:
        self.path = path
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()  # guards _connections
        self._write_lock = threading.Lock()  # one writer per process at a time
        self._closed = False

    def create_private(self) -> None:
        """The folder 0700 and the database 0600 (it holds tasks and typed text); SQLite gives
        its -wal and -shm files the database's permissions."""
        make_private_dir(self.path.parent)
        if not self.path.exists():
            with contextlib.suppress(FileExistsError):  # another process was quicker
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with contextlib.suppress(OSError):  # not ours, or read-only: SQLite will say so
            info = self.path.stat()
            if info.st_mode & 0o077 and info.st_uid == os.getuid():
                self.path.chmod(0o600)

    def use_wal(self) -> None:
        """Put the file in WAL mode (persistent: stored in the file). SQLite answers "database
        is locked" at once, without its busy handler, when two connections switch the mode at
        the same moment (two processes opening an old history together: 5 % of 300 tries
        failed), so this waits for the other one like any lock, up to the busy timeout."""
        conn = self.conn()
        deadline = time.monotonic() + self._busy_timeout_s
        pause = 0.005
        while True:
            try:
                if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.1)

    def conn(self) -> sqlite3.Connection:
        if self._closed:
            raise HistoryError("the history store is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,  # closed from close() on another thread
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_s * 1000)}")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def write(self, *, fsync: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction. ``fsync=False`` (ledger entries) skips the fsync at commit:
        the entry survives a crash of the process, and the next step's commit — which does
        fsync the WAL, in order — makes it durable against power loss as well."""
        with self._write_lock:
            conn = self.conn()
            try:
                if not fsync:
                    conn.execute("PRAGMA synchronous=NORMAL")
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield conn
                    except BaseException:
                        with contextlib.suppress(sqlite3.Error):
                            conn.execute("ROLLBACK")
                        raise
                    try:
                        conn.execute("COMMIT")
                    except sqlite3.Error:
                        with contextlib.suppress(sqlite3.Error):
                            conn.execute("ROLLBACK")
                        raise
                finally:
                    if not fsync:
                        with contextlib.suppress(sqlite3.Error):
                            conn.execute("PRAGMA synchronous=FULL")
            except sqlite3.IntegrityError:
                raise
            except (OSError, sqlite3.Error) as exc:
                problem = storage_problem(exc, self.path.parent)
                if problem is None:
                    raise
                log.warning("history write failed: %s (%s)", problem, exc)
                raise problem from exc

    def close(self) -> None:
        """Close every connection; `conn` raises `HistoryError` from now on."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
