"""The history store: a SQLite (WAL) ledger of runs, steps and responses, plus screenshot files.

It implements `core.records.Recorder` for the agent loop (which calls it from a worker thread)
and offers the read queries the history view (GUI thread), the CLI and the report use.

Guarantees:

* **Committed before it runs.** Every `record_step` is its own committed transaction
  (``synchronous=FULL``), and its screenshot file is written and fsynced before the row that
  names it. When the loop records a step as approved and then executes it, a crash at any
  moment leaves the step in the database.
* **Crashes are visible.** A run found ``running`` whose owner is gone (see ``liveness.py``) is
  marked ``interrupted`` when a store opens — never a run another live process is recording.
* **Readers never wait for the writer.** WAL mode, one connection per thread, and a busy timeout:
  the view can page through history while the loop commits steps (``database.py``).
* **Storage faults in words.** A full disk (or a read-only folder) raises `StorageProblem` with
  one sentence naming the folder and the space needed (``faults.py``); the failed write is
  rolled back, so it can be retried, and nothing committed is lost. Files are private: the
  folders 0700, the database and screenshots 0600.
* **No secrets.** Every text and JSON value passes through `scrub` / `scrub_obj` on the way in
  (``scrub.py``): registered keys and bearer values become ``[REDACTED]``, auth-looking keys
  (``Authorization``, ``api_key``…) are dropped from JSON; backend URLs lose ``user:pw@``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from console_app.core.paths import data_dir
from console_app.core.records import ResponseRecord, RunInfo, RunStatus, StepRecord
from console_app.history import queries
from console_app.history.database import Database
from console_app.history.faults import storage_problem
from console_app.history.files import ScreenshotFiles
from console_app.history.liveness import OwnerLock, owner_alive
from console_app.history.migrations import check_version, migrate
from console_app.history.models import (
    HistoryError,
    ResponseFilter,
    ResponseSortKey,
    RunFilter,
    RunSortKey,
    RunSummary,
    StoredStep,
    db_now,
    normalize_created_at,
    to_db_time,
)
from console_app.history.rows import STEP_COLUMNS, clean_backend, step_row
from console_app.history.scrub import scrub

log = logging.getLogger(__name__)

DB_NAME = "history.sqlite3"
BUSY_TIMEOUT_S = 10.0
INTERRUPTED_RESULT = "interrupted: the console stopped before the run ended (crash or kill)"

_KEEP_OLD = {"screenshot_sha256", "screenshot_mime"}  # a re-record without an image keeps it
# Column names are constants (rows.STEP_COLUMNS), never input.
_UPSERT_STEP = (
    f"INSERT INTO steps ({', '.join(STEP_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in STEP_COLUMNS)}) "
    "ON CONFLICT(run_id, idx) DO UPDATE SET "
    + ", ".join(
        f"{c} = coalesce(excluded.{c}, steps.{c})" if c in _KEEP_OLD else f"{c} = excluded.{c}"
        for c in STEP_COLUMNS[2:]
    )
)
_UPDATE_TOTALS = """UPDATE runs SET
    step_count = (SELECT count(*) FROM steps WHERE run_id = :run),
    upload_bytes = (SELECT coalesce(sum(upload_bytes), 0) FROM steps WHERE run_id = :run),
    input_tokens = (SELECT coalesce(sum(input_tokens), 0) FROM steps WHERE run_id = :run),
    output_tokens = (SELECT coalesce(sum(output_tokens), 0) FROM steps WHERE run_id = :run)
    WHERE run_id = :run"""
_UPSERT_RESPONSE = f"""INSERT INTO responses ({queries.RESPONSE_COLUMNS})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(response_id) DO UPDATE SET
        backend = excluded.backend, profile = excluded.profile,
        status = coalesce(excluded.status, responses.status),
        model = coalesce(excluded.model, responses.model),
        created_at = coalesce(excluded.created_at, responses.created_at),
        run_id = coalesce(excluded.run_id, responses.run_id),
        last_seen = max(excluded.last_seen, responses.last_seen)"""  # noqa: S608
_SELECT_RUN = f"SELECT {queries.RUN_COLUMNS} FROM runs WHERE run_id = ?"  # noqa: S608
_SELECT_STEPS = f"SELECT {', '.join(STEP_COLUMNS)} FROM steps WHERE run_id = ? ORDER BY idx"  # noqa: S608
_SELECT_STEP_SCREENSHOT = (
    "SELECT screenshot_sha256, screenshot_mime FROM steps WHERE run_id = ? AND idx = ?"
)
_SELECT_RESPONSE = f"SELECT {queries.RESPONSE_COLUMNS} FROM responses WHERE response_id = ?"  # noqa: S608
_UPSERT_PROFILE = """INSERT INTO profiles (name, backend, model, kind, first_used, last_used)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(name) DO UPDATE SET
        backend = coalesce(excluded.backend, profiles.backend),
        model = coalesce(excluded.model, profiles.model),
        kind = coalesce(excluded.kind, profiles.kind),
        last_used = max(excluded.last_used, profiles.last_used)"""


def default_path() -> Path:
    return data_dir() / DB_NAME


class HistoryStore:
    """``HistoryStore()`` opens (creating or migrating) ``data_dir()/history.sqlite3``."""

    def __init__(self, path: Path | None = None, *, busy_timeout_s: float = BUSY_TIMEOUT_S):
        self.path = path or default_path()
        self.db = Database(self.path, busy_timeout_s)
        self.files = ScreenshotFiles(self.path.parent / "screenshots")
        self._owners = self.path.parent / f"{self.path.name}.owners"
        self._lock = threading.Lock()  # guards _owner
        self._owner: OwnerLock | None = None
        try:
            self.db.create_private()
            conn = self.db.conn()
        except (OSError, sqlite3.Error) as exc:
            self.close()
            raise storage_problem(exc, self.path.parent) or exc from None
        try:
            check_version(conn)  # before anything writes to a file a newer version owns
            self.db.use_wal()
            migrate(conn)
        except (OSError, sqlite3.Error) as exc:
            self.close()
            raise storage_problem(exc, self.path.parent) or exc from None
        except BaseException:
            self.close()
            raise
        self.files.remove_stale_temporaries()
        self.interrupted_at_open = self.mark_interrupted_runs()
        if self.interrupted_at_open:
            log.warning("marked %d unfinished run(s) interrupted", len(self.interrupted_at_open))

    def close(self) -> None:
        """Close every connection and release the owner lock (unfinished runs will be found
        ``interrupted`` by the next store that opens)."""
        self.db.close()
        with self._lock:
            owner, self._owner = self._owner, None
        if owner is not None:
            owner.release()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ Recorder

    def begin_run(self, run: RunInfo) -> None:
        with self._lock:
            if self._owner is None:
                self._owner = OwnerLock(self._owners)
            token = self._owner.token
        started = to_db_time(run.started_at)
        backend = clean_backend(run.backend)
        try:
            with self.db.write() as conn:
                conn.execute(
                    "INSERT INTO runs (run_id, task, profile, backend, model, status, started_at, "
                    "owner, coordinates) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                    (run.run_id, scrub(run.task), run.profile, backend, run.model, started,
                     token, run.coordinates),
                )  # fmt: skip
                conn.execute(
                    _UPSERT_PROFILE,
                    (run.profile, backend, run.model, run.profile_kind, started, started),
                )
        except sqlite3.IntegrityError:
            raise HistoryError(f"a run with id {run.run_id!r} was recorded already") from None

    def record_step(self, step: StepRecord) -> None:
        """Insert or replace step (``run_id``, ``index``) and commit before returning."""
        try:
            with self.db.write() as conn:
                sha = None
                if step.screenshot:
                    sha = self.files.put(step.screenshot, step.screenshot_mime)
                conn.execute(_UPSERT_STEP, step_row(step, sha))
                conn.execute(_UPDATE_TOTALS, {"run": step.run_id})
        except sqlite3.IntegrityError as exc:
            raise HistoryError(
                f"step {step.index} names run {step.run_id!r}, which was never begun ({exc})"
            ) from None

    def record_response(self, response: ResponseRecord) -> None:
        self.record_responses([response])

    def record_responses(self, responses: Iterable[ResponseRecord]) -> None:
        """Upsert ledger entries in one transaction (the loop sends one; imports send many)."""
        with self.db.write(fsync=False) as conn:
            for r in responses:
                seen = to_db_time(r.last_seen)
                backend = clean_backend(r.backend)
                conn.execute(
                    _UPSERT_RESPONSE,
                    (r.response_id, backend, r.profile, r.status, r.model,
                     normalize_created_at(r.created_at), r.run_id, seen),
                )  # fmt: skip
                conn.execute(_UPSERT_PROFILE, (r.profile, backend, r.model, None, seen, seen))

    def end_run(self, run_id: str, status: RunStatus, result: str | None = None) -> None:
        with self.db.write() as conn:
            cursor = conn.execute(
                "UPDATE runs SET status = ?, result = ?, ended_at = ?, owner = NULL "
                "WHERE run_id = ?",
                (status, scrub(result) if result is not None else None, db_now(), run_id),
            )
            if cursor.rowcount == 0:
                raise HistoryError(f"no run {run_id!r} to end")

    # ------------------------------------------------------------------ crash recovery

    def mark_interrupted_runs(self) -> list[str]:
        """Mark ``running`` runs whose owner process is gone as ``interrupted``; their ids."""
        rows = self.db.conn().execute("SELECT run_id, owner FROM runs WHERE status = 'running'")
        dead = [
            row["run_id"]
            for row in rows.fetchall()
            if not self._is_mine(row["owner"]) and not owner_alive(self._owners, row["owner"])
        ]
        if not dead:
            return []
        with self.db.write() as conn:
            for run_id in dead:
                conn.execute(
                    "UPDATE runs SET status = 'interrupted', owner = NULL, "
                    "result = coalesce(result, ?), ended_at = coalesce("
                    "(SELECT max(created_at) FROM steps WHERE run_id = runs.run_id), started_at) "
                    "WHERE run_id = ? AND status = 'running'",
                    (INTERRUPTED_RESULT, run_id),
                )
        return dead

    def _is_mine(self, owner: str | None) -> bool:
        return owner is not None and self._owner is not None and owner == self._owner.token

    # ------------------------------------------------------------------ queries

    def list_runs(
        self,
        filter: RunFilter | None = None,
        sort: RunSortKey = "started_at",
        descending: bool = True,
        limit: int = 100,
        offset: int = 0,
    ) -> list[RunSummary]:
        return queries.list_runs(self.db.conn(), filter, sort, descending, limit, offset)

    def count_runs(self, filter: RunFilter | None = None) -> int:
        return queries.count_runs(self.db.conn(), filter)

    def list_responses(
        self,
        filter: ResponseFilter | None = None,
        sort: ResponseSortKey = "last_seen",
        descending: bool = True,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ResponseRecord]:
        return queries.list_responses(self.db.conn(), filter, sort, descending, limit, offset)

    def count_responses(self, filter: ResponseFilter | None = None) -> int:
        return queries.count_responses(self.db.conn(), filter)

    def get_run(self, run_id: str) -> RunSummary | None:
        row = self.db.conn().execute(_SELECT_RUN, (run_id,)).fetchone()
        return queries.run_from_row(row) if row else None

    def steps_of(self, run_id: str) -> list[StoredStep]:
        rows = self.db.conn().execute(_SELECT_STEPS, (run_id,)).fetchall()
        return [queries.step_from_row(row, self.files) for row in rows]

    def get_response(self, response_id: str) -> ResponseRecord | None:
        row = self.db.conn().execute(_SELECT_RESPONSE, (response_id,)).fetchone()
        return queries.response_from_row(row) if row else None

    def profiles_used(self) -> list[str]:
        """Every profile name seen in runs or the ledger (for the view's profile filter)."""
        rows = self.db.conn().execute("SELECT name FROM profiles ORDER BY name COLLATE NOCASE")
        return [str(row[0]) for row in rows.fetchall()]

    def load_screenshot(self, step: StoredStep) -> bytes | None:
        if step.screenshot_path is None:
            return None
        try:
            return step.screenshot_path.read_bytes()
        except FileNotFoundError:
            log.warning("screenshot of step %d of %s is missing", step.index, step.run_id)
            return None

    def step_screenshot(self, run_id: str, index: int) -> bytes | None:
        """The screenshot stored with step ``index`` of ``run_id``, if any. The console's
        timeline reads older steps back with this instead of keeping every step in memory."""
        row = self.db.conn().execute(_SELECT_STEP_SCREENSHOT, (run_id, index)).fetchone()
        if row is None or row[0] is None:
            return None
        path = self.files.find(row[0], row[1])
        if path is None:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            log.warning("screenshot of step %d of %s is missing", index, run_id)
            return None

    # ------------------------------------------------------------------ deletion

    def delete_response_local(self, response_id: str) -> bool:
        """Remove a ledger entry (the response on the server is not touched)."""
        with self.db.write() as conn:
            cursor = conn.execute("DELETE FROM responses WHERE response_id = ?", (response_id,))
            return cursor.rowcount > 0

    def delete_run(self, run_id: str) -> bool:
        """Delete a run, its steps and the screenshots no other step uses. A run another live
        process is still recording cannot be deleted."""
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT status, owner FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
            if row is None:
                return False
            if row["status"] == "running" and (
                self._is_mine(row["owner"]) or owner_alive(self._owners, row["owner"])
            ):
                raise HistoryError(f"run {run_id!r} is still running; stop it first")
            shots = conn.execute(
                "SELECT DISTINCT screenshot_sha256, screenshot_mime FROM steps "
                "WHERE run_id = ? AND screenshot_sha256 IS NOT NULL",
                (run_id,),
            ).fetchall()
            conn.execute("DELETE FROM steps WHERE run_id = ?", (run_id,))
            conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            conn.execute("UPDATE responses SET run_id = NULL WHERE run_id = ?", (run_id,))
            # Inside the write transaction: no step can start using one of these files now.
            for sha, mime in shots:
                used = conn.execute(
                    "SELECT 1 FROM steps WHERE screenshot_sha256 = ? LIMIT 1", (sha,)
                ).fetchone()
                if used is None:
                    self.files.remove(sha, mime)
        return True
