"""How long the history keeps runs: size on disk, and pruning by age and by total size.

``console-app runs prune [--older-than DAYS] [--max-size SIZE]`` and the retention settings
(``privacy.keep_days`` / ``privacy.max_history_mb``, applied when the console starts and after
each run) both end here. Pruning deletes whole runs, oldest first, through
`HistoryStore.delete_run` — so a run's steps and every screenshot no other step uses go with
it, in one transaction per run — then removes screenshot files no step refers to any more
(left by a crash between writing a file and committing its row) and compacts the database
(``VACUUM``; the WAL is checkpointed and truncated), so the space really comes back.

A run another live process is still recording is never touched. Responses in the ledger are
kept (they are a few hundred bytes each and name responses that may still exist on a server);
their link to a deleted run is cleared.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console_app.history.models import HistoryError, to_db_time
from console_app.history.store import HistoryStore

log = logging.getLogger(__name__)

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2,
          "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}  # fmt: skip


def parse_size(text: str) -> int:
    """``500M``, ``2 GB``, ``750k``, ``1048576`` → bytes (binary units). `ValueError` if not."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(f"not a size: {text!r} (examples: 500M, 2G, 750k)")
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


@dataclass(frozen=True)
class DiskUsage:
    database: int
    screenshots: int
    screenshot_files: int

    @property
    def total(self) -> int:
        return self.database + self.screenshots

    def describe(self) -> str:
        return (
            f"{format_size(self.total)} on disk ({format_size(self.database)} database, "
            f"{self.screenshot_files} screenshots {format_size(self.screenshots)})"
        )


def disk_usage(store: HistoryStore) -> DiskUsage:
    """The database (with its WAL) and the screenshot folder, in bytes."""
    database = 0
    for suffix in ("", "-wal", "-shm"):
        path = store.path.with_name(store.path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            database += path.stat().st_size
    shots, count = 0, 0
    for path in _screenshot_files(store.files.root):
        try:
            shots += path.stat().st_size
            count += 1
        except FileNotFoundError:
            pass
    return DiskUsage(database, shots, count)


@dataclass
class PruneResult:
    runs: list[str] = field(default_factory=list)
    files_removed: int = 0
    before: DiskUsage | None = None
    after: DiskUsage | None = None
    skipped_running: list[str] = field(default_factory=list)

    def describe(self) -> str:
        freed = (self.before.total - self.after.total) if self.before and self.after else 0
        text = f"deleted {len(self.runs)} run(s) and {self.files_removed} screenshot file(s)"
        if self.after is not None:
            text += f"; freed {format_size(max(freed, 0))}; history is {self.after.describe()}"
        if self.skipped_running:
            text += f"; {len(self.skipped_running)} running run(s) kept"
        return text


def prune(
    store: HistoryStore,
    *,
    older_than_days: float | None = None,
    max_bytes: int | None = None,
    now: datetime | None = None,
    keep_newest: int = 0,
) -> PruneResult:
    """Delete runs that started more than ``older_than_days`` ago, then the oldest runs until
    the history fits in ``max_bytes``. Either may be ``None`` (no limit of that kind). The
    size limit never deletes the ``keep_newest`` newest runs (automatic retention keeps the run
    that just ended, however big it is)."""
    if older_than_days is not None and older_than_days < 0:
        raise ValueError("older_than_days must not be negative")
    if max_bytes is not None and max_bytes < 0:
        raise ValueError("max_bytes must not be negative")
    result = PruneResult(before=disk_usage(store))
    rows = store.db.conn().execute(
        "SELECT run_id, started_at FROM runs ORDER BY started_at, run_id"
    )
    oldest_first = [(str(run_id), str(started)) for run_id, started in rows.fetchall()]
    if older_than_days is not None:
        cutoff = to_db_time((now or datetime.now(UTC)) - timedelta(days=older_than_days))
        for run_id, started in oldest_first:
            if started < cutoff:
                _delete(store, run_id, result)
    if max_bytes is not None:
        # Estimate as we go (the screenshots only this run uses), then measure exactly after
        # compaction and go on while still too big (the database shrinks only then).
        size = disk_usage(store).total
        candidates = oldest_first[: max(len(oldest_first) - keep_newest, 0)]
        for run_id, _started in candidates:
            if size <= max_bytes:
                break
            if run_id in result.runs or run_id in result.skipped_running:
                continue
            freed = _unique_screenshot_bytes(store, run_id)
            if _delete(store, run_id, result):
                size -= freed
                if size <= max_bytes:
                    _finish(store, result)
                    size = disk_usage(store).total
    _finish(store, result)
    result.after = disk_usage(store)
    if result.runs:
        log.info("history pruned: %s", result.describe())
    return result


def _finish(store: HistoryStore, result: PruneResult) -> None:
    removed = remove_orphan_files(store)
    result.files_removed += removed
    if result.runs or removed:
        compact(store)


def _delete(store: HistoryStore, run_id: str, result: PruneResult) -> bool:
    paths = [store.files.path_for(sha, mime) for sha, mime in _run_shots(store, run_id)]
    present = [p for p in paths if p.exists()]
    try:
        deleted = store.delete_run(run_id)
    except HistoryError:
        result.skipped_running.append(run_id)
        return False
    if deleted:
        result.runs.append(run_id)
        result.files_removed += sum(1 for p in present if not p.exists())
    return deleted


def _run_shots(store: HistoryStore, run_id: str) -> list[tuple[str, str | None]]:
    rows = store.db.conn().execute(
        "SELECT DISTINCT screenshot_sha256, screenshot_mime FROM steps "
        "WHERE run_id = ? AND screenshot_sha256 IS NOT NULL",
        (run_id,),
    )
    return [(str(sha), mime) for sha, mime in rows.fetchall()]


def _unique_screenshot_bytes(store: HistoryStore, run_id: str) -> int:
    """Bytes of the screenshots only this run uses (what deleting it frees)."""
    total = 0
    conn = store.db.conn()
    for sha, mime in _run_shots(store, run_id):
        shared = conn.execute(
            "SELECT 1 FROM steps WHERE screenshot_sha256 = ? AND run_id != ? LIMIT 1",
            (sha, run_id),
        ).fetchone()
        if shared is None:
            with contextlib.suppress(FileNotFoundError):
                total += store.files.path_for(sha, mime).stat().st_size
    return total


def remove_orphan_files(store: HistoryStore) -> int:
    """Delete screenshot files no step refers to (left by a crash between writing a file and
    committing its row). Runs inside a write transaction: a step being recorded writes its file
    after taking that lock, so no file about to be referred to can disappear. Returns how many
    files were removed."""
    removed = 0
    with store.db.write(fsync=False) as conn:
        used = {
            str(row[0])
            for row in conn.execute(
                "SELECT DISTINCT screenshot_sha256 FROM steps WHERE screenshot_sha256 IS NOT NULL"
            ).fetchall()
        }
        for path in _screenshot_files(store.files.root):
            if path.parent.name + path.stem in used:
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
            with contextlib.suppress(OSError):
                path.parent.rmdir()
    return removed


def compact(store: HistoryStore) -> None:
    """Give the space of deleted rows back to the file system."""
    conn = store.db.conn()
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as exc:  # another process is reading: try next time
        log.info("history compaction postponed: %s", exc)


def integrity_ok(store: HistoryStore) -> bool:
    row = store.db.conn().execute("PRAGMA integrity_check").fetchone()
    return row is not None and row[0] == "ok"


def _screenshot_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.glob("??/*") if p.is_file() and not p.name.startswith(".")]


def apply_retention(
    recorder: object, keep_days: float | None, max_history_mb: float | None
) -> PruneResult | None:
    """The retention settings, applied to the history when it is the SQLite store (the console
    calls this at start, ``console-app run`` after each run). Never raises: retention must not
    break the console; a failure is logged."""
    if not isinstance(recorder, HistoryStore) or (keep_days is None and max_history_mb is None):
        return None
    try:
        return prune(
            recorder,
            older_than_days=keep_days,
            max_bytes=int(max_history_mb * 1024 * 1024) if max_history_mb else None,
            keep_newest=1,
        )
    except Exception:
        log.exception("applying the history retention settings failed")
        return None
