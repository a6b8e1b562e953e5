"""A full disk, for real: an 8 MB tmpfs made by the test (root only), filled to the last byte.

* Mid-run, a step cannot be recorded: the run pauses with one plain sentence (the folder, the
  space to free), nothing recorded before is lost, and Retry after freeing space goes on with
  the same step — it never runs unrecorded.
* At start, with the disk already full: ``console-app`` says which folder is full and how much
  to free — and never advises moving an intact database away.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from console_app.agent.events import Problem, StepRecorded
from console_app.agent.loop import AgentLoop, LoopConfig
from console_app.agent.turns import RequestSettings
from console_app.core.records import RunInfo
from console_app.history.store import HistoryStore
from tests.unit.agent.fakes import FakeScreen, ScriptedModel, SpyComputer, call, message


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.fail("the disk-full tests mount a tmpfs: run them as root (CI does)")
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount)],
                   check=True, timeout=30)  # fmt: skip
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, timeout=30)


def fill(disk: Path) -> Path:
    """Write zeros until the disk is full; returns the filler (delete it to free the space)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    assert os.statvfs(disk).f_bavail == 0
    return filler


def integrity(db: Path) -> str:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


async def test_a_full_disk_mid_run_pauses_with_retry_and_loses_nothing(small_disk: Path) -> None:
    db = small_disk / "data" / "history.sqlite3"
    store = HistoryStore(db)
    problems: list[Problem] = []
    filler: list[Path] = []
    seen_before_retry: list[int] = []

    def on_event(event: object) -> None:
        if isinstance(event, StepRecorded) and event.step.index == 0 and not filler:
            filler.append(fill(small_disk))  # the disk fills up after the first step

    async def on_problem(problem: Problem) -> Literal["retry", "stop"]:
        problems.append(problem)
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            seen_before_retry.append(conn.execute("SELECT count(*) FROM steps").fetchone()[0])
        filler[0].unlink()  # the user frees space, then chooses Retry
        return "retry"

    click = {"type": "click", "x": 100, "y": 200}
    computer = SpyComputer()
    loop = AgentLoop(
        client=ScriptedModel([call(click), call(click, rid="resp_2"), message("done")]),
        screen=FakeScreen(),
        computer=computer,
        recorder=store,
        approve=None,  # type: ignore[arg-type]
        config=LoopConfig(
            request=RequestSettings(model="m"),
            profile="t",
            backend="http://127.0.0.1:1",
            max_steps=5,
        ),
        on_event=on_event,
        on_problem=on_problem,
    )
    loop.policy.remember_auto("click")
    try:
        result = await loop.run("click twice")
        assert result.status == "succeeded", result
        [problem] = problems
        assert problem.kind == "storage" and problem.can_retry
        text = problem.text
        assert str(db.parent) in text and "is full" in text and "free at least" in text, text
        assert "nothing recorded so far was lost" in text and "move" not in text.lower()
        assert seen_before_retry and seen_before_retry[0] >= 1  # step 1 was there all along
        steps = store.steps_of(result.run_id)
        assert [(s.index, s.execution) for s in steps][:2] == [(0, "done"), (1, "done")]
        assert len(computer.executed) == 2  # each click ran once, after it was recorded
    finally:
        store.close()
    assert integrity(db) == "ok"


def test_a_full_disk_at_start_names_the_folder_and_keeps_the_database(small_disk: Path) -> None:
    env = {**os.environ, "CONSOLE_APP_HOME": str(small_disk)}
    env.pop("TZAFON_API_KEY", None)
    data = small_disk / "data"
    with HistoryStore(data / "history.sqlite3") as store:
        run = RunInfo(task="before the disk filled up", profile="local", backend="http://x")
        store.begin_run(run)
        store.end_run(run.run_id, "succeeded")
    filler = fill(small_disk)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "console_app", *args], env=env,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    # SQLite needs room for its WAL index even to read, so both commands stop at once — with
    # the folder and the space to free, never with advice to move the database away.
    for command in (("runs", "list"), ("run", "--task", "wait 0", "--approve", "auto")):
        done = cli(*command)
        said = done.stdout + done.stderr
        assert done.returncode == 2, said
        assert "is full" in said and str(data) in said and "free at least" in said, said
        assert "move" not in said.lower() and "Traceback" not in said
    filler.unlink()
    assert integrity(data / "history.sqlite3") == "ok"
    again = cli("runs", "list")
    assert again.returncode == 0 and run.run_id[:8] in again.stdout
