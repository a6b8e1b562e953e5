"""SIGKILL a process in the middle of a run: every committed step survives, the run is found
``interrupted`` — and a run whose process is alive is never marked so."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import IO

from console_app.history.store import INTERRUPTED_RESULT, HistoryStore
from tests.unit.history.crash_child import image

CHILD = Path(__file__).with_name("crash_child.py")


def spawn(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_line(stream: IO[str] | None) -> str:
    assert stream is not None
    line = stream.readline()
    assert line, "the child exited early"
    return line.strip()


def kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL


def test_kill_after_committed_steps_loses_nothing(db_path: Path) -> None:
    child = spawn(db_path, "steps", "12")
    try:
        word, run_id = read_line(child.stdout).split()
        assert word == "ready"
    finally:
        kill(child)

    with HistoryStore(db_path) as store:
        assert store.interrupted_at_open == [run_id]
        run = store.get_run(run_id)
        assert run is not None
        assert (run.status, run.result) == ("interrupted", INTERRUPTED_RESULT)
        steps = store.steps_of(run_id)
        assert [s.index for s in steps] == list(range(13))
        assert [s.execution for s in steps] == ["done"] * 12 + ["pending"]  # approved, not run
        for s in steps:
            assert s.action == {"type": "click", "x": s.index, "y": s.index * 2}
            assert store.load_screenshot(s) == image(s.index)
        assert run.step_count == 13
        assert run.ended_at == steps[-1].created_at  # the last moment anything was recorded
    with HistoryStore(db_path) as again:
        assert again.interrupted_at_open == []  # marked once


def test_kill_in_the_middle_of_writing(db_path: Path) -> None:
    child = spawn(db_path, "stream")
    committed = -1
    try:
        run_id = read_line(child.stdout).split()[1]
        while committed < 40:
            committed = int(read_line(child.stdout).split()[1])
    finally:
        kill(child)  # lands while the child is inside record_step (it never pauses)

    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with HistoryStore(db_path) as store:
        steps = store.steps_of(run_id)
        indexes = [s.index for s in steps]
        assert indexes == list(range(len(indexes)))
        assert len(indexes) >= committed + 1  # every step reported committed is there
        for s in steps:
            assert store.load_screenshot(s) == image(s.index)  # no row without its file
        assert store.get_run(run_id).status == "interrupted"  # type: ignore[union-attr]


def test_a_live_run_in_another_process_is_not_interrupted(db_path: Path) -> None:
    child = spawn(db_path, "steps", "2")
    try:
        run_id = read_line(child.stdout).split()[1]
        with HistoryStore(db_path) as viewer:  # e.g. `console-app runs list` during a run
            assert viewer.interrupted_at_open == []
            assert viewer.get_run(run_id).status == "running"  # type: ignore[union-attr]
    finally:
        kill(child)
    with HistoryStore(db_path) as after:
        assert after.interrupted_at_open == [run_id]
    assert list((db_path.parent / "history.sqlite3.owners").iterdir()) == []  # stale lock gone


def test_a_closed_store_leaves_its_unfinished_run_to_be_found(db_path: Path) -> None:
    from console_app.core.records import RunInfo

    store = HistoryStore(db_path)
    run = RunInfo(task="t", profile="p", backend="http://x")
    store.begin_run(run)
    with HistoryStore(db_path) as other:  # same process, other store: the owner is alive
        assert other.interrupted_at_open == []
    store.close()
    with HistoryStore(db_path) as later:
        assert later.interrupted_at_open == [run.run_id]
