"""Schema migrations: from an empty file, from the previous schema (v1), and never downwards."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from console_app.history.migrations import CURRENT_VERSION, MIGRATIONS, V1_DDL, migrate
from console_app.history.models import SchemaTooNewError
from console_app.history.store import HistoryStore

V2_INDEXES = {
    "runs_started",
    "runs_status_started",
    "runs_profile_started",
    "responses_last_seen",
    "responses_status_seen",
    "responses_profile_seen",
    "responses_run",
    "steps_screenshot",
}


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def indexes(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    return {row[0] for row in rows}


def make_v1(path: Path) -> None:
    """A database exactly as the first release left it, with data in every table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    for statement in V1_DDL:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.executemany(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("run_old1", "open the editor", "local", "http://127.0.0.1:5", "m", "succeeded",
             "done", "2024-05-01T10:00:00.000000Z", "2024-05-01T10:05:00.000000Z"),
            ("run_old2", "crashed run", "cloud", "https://api.tzafon.ai", "m", "running",
             None, "2024-05-02T10:00:00.000000Z", None),
        ],
    )  # fmt: skip
    for run_id, count in (("run_old1", 3), ("run_old2", 2)):
        for idx in range(count):
            conn.execute(
                "INSERT INTO steps (run_id, idx, action_type, action_json, decision, execution, "
                "upload_bytes, input_tokens, output_tokens, created_at) "
                'VALUES (?, ?, \'click\', \'{"type": "click", "x": 1, "y": 2}\', \'approved\', '
                "'done', 500, 40, 4, ?)",
                (run_id, idx, f"2024-05-0{1 if run_id == 'run_old1' else 2}T10:0{idx}:00.000000Z"),
            )
    conn.execute(
        "INSERT INTO responses VALUES ('resp_old', 'https://api.tzafon.ai', 'cloud', 'completed',"
        " 'm', '2024-05-02T10:00:00.000000Z', 'run_old2', '2024-05-02T10:01:00.000000Z')"
    )
    conn.execute(
        "INSERT INTO profiles VALUES ('cloud', 'https://api.tzafon.ai', 'm', "
        "'2024-05-02T10:00:00.000000Z', '2024-05-02T10:00:00.000000Z')"
    )
    conn.commit()
    conn.close()


def test_an_empty_file_is_built_by_the_whole_chain(db_path: Path) -> None:
    with HistoryStore(db_path) as store:
        assert store.count_runs() == 0
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"owner", "coordinates", "step_count", "input_tokens"} <= columns(conn, "runs")
    assert "kind" in columns(conn, "profiles")
    assert indexes(conn) >= V2_INDEXES


def test_the_previous_schema_is_migrated_with_its_data_intact(db_path: Path) -> None:
    make_v1(db_path)
    with HistoryStore(db_path) as store:
        old1 = store.get_run("run_old1")
        old2 = store.get_run("run_old2")
        assert old1 is not None and old2 is not None
        assert (old1.task, old1.status, old1.result) == ("open the editor", "succeeded", "done")
        # v2's totals are back-filled from the v1 steps
        assert (old1.step_count, old1.upload_bytes, old1.input_tokens) == (3, 1500, 120)
        assert old1.coordinates == "pixels"
        assert [s.action for s in store.steps_of("run_old1")] == [
            {"type": "click", "x": 1, "y": 2}
        ] * 3
        # a v1 run left "running" has no owner: it is found interrupted on open
        assert store.interrupted_at_open == ["run_old2"]
        assert old2.status == "interrupted"
        assert old2.ended_at is not None and old2.ended_at.minute == 1  # its last step
        response = store.get_response("resp_old")
        assert response is not None and response.run_id == "run_old2"
        assert store.profiles_used() == ["cloud"]
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    assert indexes(conn) >= V2_INDEXES


def test_migrating_twice_applies_nothing(db_path: Path) -> None:
    make_v1(db_path)
    conn = sqlite3.connect(db_path, isolation_level=None)
    assert migrate(conn) == [2]
    assert migrate(conn) == []


def test_a_newer_schema_is_refused_and_left_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(SchemaTooNewError, match="newer"):
        HistoryStore(db_path)
    assert db_path.read_bytes() == before


def test_a_failing_migration_rolls_back_to_the_previous_version(db_path: Path) -> None:
    make_v1(db_path)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("CREATE INDEX runs_started ON runs(started_at)")  # v2 will collide with this
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "owner" not in columns(conn, "runs")  # the ALTERs before the failure were undone
    assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == 5


def open_at_once(path: Path) -> list[BaseException]:
    """Two threads open a `HistoryStore` on ``path`` at the same moment; what they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def open_store() -> None:
        try:
            barrier.wait()
            HistoryStore(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_openers_racing_to_switch_an_old_database_to_wal_never_see_it_locked(
    tmp_path: Path,
) -> None:
    """SQLite refuses a concurrent journal-mode switch at once ("database is locked", its busy
    handler not consulted): about 1 race in 20 failed before the store waited for it."""
    failures: list[BaseException] = []
    for n in range(100):
        path = tmp_path / f"history-{n}.sqlite3"
        make_v1(path)
        failures += open_at_once(path)
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()
    assert failures == []


def test_two_openers_of_an_old_database_migrate_it_once(db_path: Path) -> None:
    make_v1(db_path)
    assert open_at_once(db_path) == []
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == 5
