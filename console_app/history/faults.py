"""Storage faults in words: which folder, how much space, and that nothing was lost.

Why: SQLite says "database or disk is full" and Python says "[Errno 28]"; a user needs to know
*which* folder is full and how much to free, and must never be told to move an intact database
away (it holds their whole history). A full disk is not damage: the write that failed was
rolled back, everything committed before it is still there, and the same write succeeds once
space is freed — so the run pauses with Retry/Stop instead of failing.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from console_app.core.records import StorageProblem

# What one more step needs with room to spare: a screenshot (≤ ~2 MB), the WAL growing to a
# checkpoint's worth, and SQLite's temporary files.
SPACE_NEEDED = 20 * 1024 * 1024
_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
_READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def free_space(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def is_disk_full(exc: BaseException, folder: Path) -> bool:
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        if "full" in text:  # SQLITE_FULL: "database or disk is full"
            return True
        if "disk i/o error" in text:  # a WAL that cannot grow can also surface as I/O error
            free = free_space(folder)
            return free is not None and free < SPACE_NEEDED
    return False


def storage_problem(exc: BaseException, folder: Path) -> StorageProblem | None:
    """The plain-sentence `StorageProblem` for a storage fault, or ``None`` for anything else."""
    if is_disk_full(exc, folder):
        return disk_full(folder)
    if isinstance(exc, OSError) and exc.errno in _READ_ONLY_ERRNOS:
        return StorageProblem(
            f"The console cannot write to {folder} ({exc.strerror}): make the folder writable; "
            "nothing recorded so far was lost."
        )
    if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc).lower():
        return StorageProblem(
            f"The history in {folder} is read-only: make it writable; "
            "nothing recorded so far was lost."
        )
    return None


def disk_full(folder: Path) -> StorageProblem:
    free = free_space(folder)
    have = f" (only {human_size(free)} free)" if free is not None else ""
    need = SPACE_NEEDED if free is None else max(SPACE_NEEDED - free, 1024 * 1024)
    return StorageProblem(
        f"The disk holding {folder} is full{have}: free at least {human_size(need)} there; "
        "nothing recorded so far was lost."
    )
