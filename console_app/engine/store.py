"""Responses and conversation state in SQLite (WAL), so chaining survives a restart.

One row per response: the response object as the client sees it (JSON), the planner state
after that turn (what ``previous_response_id`` resumes from) and the ``call_id`` it issued
(so a client that sends a ``computer_call_output`` without ``previous_response_id`` still
continues the right conversation). Screenshots are never written: only text and coordinates.

Why synchronous sqlite3 on the event loop: every statement touches one small row by primary
key and takes well under a millisecond; a thread hop would cost more than the query.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from console_app.api.types import Response
from console_app.engine.planner import PlanState

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT,
    call_id TEXT
);
CREATE INDEX IF NOT EXISTS responses_call_id ON responses (call_id);
"""


@dataclass(frozen=True)
class Stored:
    response: Response
    state: PlanState | None


class ResponseStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # task texts are private: owner-only (WAL files inherit it)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def save(self, response: Response, state: PlanState | None, call_id: str | None) -> None:
        """Insert or replace the row of ``response``."""
        assert response.id is not None
        body = response.model_dump_json(exclude_none=True)
        state_json = state.model_dump_json() if state is not None else None
        created = int(response.created_at) if isinstance(response.created_at, int | float) else 0
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (id, created_at, status, body, state, call_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (response.id, created, response.status or "", body, state_json, call_id),
            )

    def get(self, response_id: str) -> Stored | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body, state FROM responses WHERE id = ?", (response_id,)
            ).fetchone()
        return _stored(row)

    def by_call_id(self, call_id: str) -> Stored | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body, state FROM responses WHERE call_id = ? ORDER BY created_at DESC "
                "LIMIT 1",
                (call_id,),
            ).fetchone()
        return _stored(row)

    def delete(self, response_id: str) -> bool:
        with self._lock:
            cursor = self._db.execute("DELETE FROM responses WHERE id = ?", (response_id,))
        return cursor.rowcount > 0

    def fail_interrupted(self) -> int:
        """Mark responses left ``in_progress`` by a previous process as failed; return how many."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, body FROM responses WHERE status = 'in_progress'"
            ).fetchall()
        for _id, body in rows:
            response = Response.model_validate(json.loads(body))
            response.status = "failed"
            response.error = {
                "message": "the local engine stopped before this response finished",
                "type": "server_error",
                "code": "engine_restarted",
            }
            self.save(response, None, None)
        return len(rows)

    def prune(self, created_before: float) -> int:
        """Delete finished responses created before ``created_before`` (Unix seconds); returns
        how many (``engine/retention.py`` decides when)."""
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM responses WHERE created_at < ? AND status != 'in_progress'",
                (int(created_before),),
            )
        return cursor.rowcount

    def count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM responses").fetchone()
        return int(row[0])


def _stored(row: tuple[str, str | None] | None) -> Stored | None:
    if row is None:
        return None
    body, state = row
    response = Response.model_validate(json.loads(body))
    plan = PlanState.model_validate_json(state) if state else None
    return Stored(response=response, state=plan)
