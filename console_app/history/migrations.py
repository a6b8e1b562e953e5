"""The history schema, as a chain of migrations tracked by SQLite's ``user_version``.

Every database — a new one included — is built by running the chain from its current version:
an empty file is version 0 and goes through v1 then v2, exactly like a database a user kept
from the first release. So the path users take on upgrade is the path every test takes.

* **v1** — what shipped first: runs, steps, the responses ledger and the profiles used, with
  primary keys only.
* **v2** — what the history view needs: per-run totals kept on the run row (so paging and
  sorting 10,000 runs by steps or tokens needs no join), the run's coordinate space (so overlays
  can be drawn later), the owner token of a running run (see ``liveness.py``), and indexes
  for every filter and sort the view offers.

Each step runs in one ``BEGIN IMMEDIATE`` transaction together with its ``user_version``
bump, so a crash mid-migration leaves the previous version intact, and two processes
opening an old database at once migrate it once.
"""

from __future__ import annotations

import sqlite3

from console_app.history.models import SchemaTooNewError

V1_DDL: tuple[str, ...] = (
    """CREATE TABLE runs (
        run_id      TEXT PRIMARY KEY,
        task        TEXT NOT NULL,
        profile     TEXT NOT NULL,
        backend     TEXT NOT NULL,
        model       TEXT,
        status      TEXT NOT NULL,
        result      TEXT,
        started_at  TEXT NOT NULL,
        ended_at    TEXT
    )""",
    """CREATE TABLE steps (
        run_id             TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
        idx                INTEGER NOT NULL,
        response_id        TEXT,
        call_id            TEXT,
        action_type        TEXT,
        action_json        TEXT,
        raw_action_json    TEXT,
        action_error       TEXT,
        edited_action_json TEXT,
        summary            TEXT NOT NULL DEFAULT '',
        reasoning          TEXT NOT NULL DEFAULT '',
        message            TEXT NOT NULL DEFAULT '',
        decision           TEXT NOT NULL,
        feedback           TEXT,
        safety_json        TEXT NOT NULL DEFAULT '[]',
        execution          TEXT NOT NULL,
        execution_detail   TEXT NOT NULL DEFAULT '',
        screenshot_sha256  TEXT,
        screenshot_mime    TEXT,
        viewport_w         INTEGER,
        viewport_h         INTEGER,
        timings_json       TEXT NOT NULL DEFAULT '{}',
        upload_bytes       INTEGER NOT NULL DEFAULT 0,
        input_tokens       INTEGER,
        output_tokens      INTEGER,
        created_at         TEXT NOT NULL,
        PRIMARY KEY (run_id, idx)
    )""",
    """CREATE TABLE responses (
        response_id TEXT PRIMARY KEY,
        backend     TEXT NOT NULL,
        profile     TEXT NOT NULL,
        status      TEXT,
        model       TEXT,
        created_at  TEXT,
        run_id      TEXT,
        last_seen   TEXT NOT NULL
    )""",
    """CREATE TABLE profiles (
        name        TEXT PRIMARY KEY,
        backend     TEXT,
        model       TEXT,
        first_used  TEXT NOT NULL,
        last_used   TEXT NOT NULL
    )""",
)

V2_DDL: tuple[str, ...] = (
    "ALTER TABLE runs ADD COLUMN owner TEXT",
    "ALTER TABLE runs ADD COLUMN coordinates TEXT NOT NULL DEFAULT 'pixels'",
    "ALTER TABLE runs ADD COLUMN step_count INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN upload_bytes INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE profiles ADD COLUMN kind TEXT",
    # Back-fill the totals of runs recorded by v1.
    """UPDATE runs SET
        step_count    = (SELECT count(*) FROM steps s WHERE s.run_id = runs.run_id),
        upload_bytes  = (SELECT coalesce(sum(upload_bytes), 0) FROM steps s
                         WHERE s.run_id = runs.run_id),
        input_tokens  = (SELECT coalesce(sum(input_tokens), 0) FROM steps s
                         WHERE s.run_id = runs.run_id),
        output_tokens = (SELECT coalesce(sum(output_tokens), 0) FROM steps s
                         WHERE s.run_id = runs.run_id)""",
    "CREATE INDEX runs_started ON runs(started_at)",
    "CREATE INDEX runs_status_started ON runs(status, started_at)",
    "CREATE INDEX runs_profile_started ON runs(profile, started_at)",
    "CREATE INDEX responses_last_seen ON responses(last_seen)",
    "CREATE INDEX responses_status_seen ON responses(status, last_seen)",
    "CREATE INDEX responses_profile_seen ON responses(profile, last_seen)",
    "CREATE INDEX responses_run ON responses(run_id)",
    "CREATE INDEX steps_screenshot ON steps(screenshot_sha256)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (V1_DDL, V2_DDL)
"""``MIGRATIONS[n]`` takes a database from version ``n`` to ``n + 1``."""

CURRENT_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def check_version(conn: sqlite3.Connection) -> int:
    """The database's version; `SchemaTooNewError` if this code is too old to touch it."""
    version = user_version(conn)
    if version > CURRENT_VERSION:
        raise SchemaTooNewError(
            f"the history database is schema version {version}, newer than this version "
            f"understands ({CURRENT_VERSION}); it was left untouched — update the console"
        )
    return version


def migrate(conn: sqlite3.Connection, target: int = CURRENT_VERSION) -> list[int]:
    """Bring the database up to ``target``; returns the versions applied (often none).

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    applied: list[int] = []
    version = check_version(conn)
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = user_version(conn)  # another process may have migrated meanwhile
            if version >= target:
                conn.execute("COMMIT")
                break
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
        applied.append(version)
    return applied
