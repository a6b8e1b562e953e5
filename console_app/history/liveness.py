"""Is the process that owns a ``running`` run still alive? An OS file lock answers it.

Why: at start-up the store marks runs that were left ``running`` as ``interrupted``. But the
database is shared — ``console-app runs list`` in a terminal opens it while the window is in
the middle of a run — and marking a live run ``interrupted`` would be a lie. So each store that
begins a run holds an exclusive lock on its own small file (``<db>.owners/<token>.lock``) for as
long as it is open, and writes ``token`` into the run's ``owner`` column. The kernel drops the
lock when the process dies, however it dies (SIGKILL included), so "can I take the lock?"
means "the owner is gone". PIDs are not used: they are reused.
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        # flock locks belong to the open file description: a second open() of the same file,
        # even in this process, is refused, which is what "another store owns it" needs.
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


class OwnerLock:
    """The lock a store holds while it may have runs in progress."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.token = uuid.uuid4().hex
        self.path = folder / f"{self.token}.lock"
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.write(self._fd, b"\0")
        if not _try_lock(self._fd):  # a fresh random name: cannot be held by anyone else
            os.close(self._fd)
            raise OSError(f"could not lock {self.path}")

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        _unlock(fd)
        os.close(fd)


def owner_alive(folder: Path, token: str | None) -> bool:
    """True if the store that wrote ``token`` still holds its lock. A missing lock file, or one
    that can be locked, means the owner is gone (its stale file is removed)."""
    if not token or not all(ch in "0123456789abcdef" for ch in token):
        return False
    path = folder / f"{token}.lock"
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        if not _try_lock(fd):
            return True
        with contextlib.suppress(OSError):
            path.unlink()
        _unlock(fd)
        return False
    finally:
        os.close(fd)
