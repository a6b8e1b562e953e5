"""SIGTERM, SIGHUP and SIGINT end the console cleanly: the run stops the way Stop does (recorded
as stopped), the local engine stops, and the process exits — for ``console-app run`` and for
the console window. No engine is left behind."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

START_S = 90.0


def wait_for(probe, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def engine_pid(home: Path) -> int | None:
    lock = home / "data" / "engine" / "engine.lock"
    try:
        text = lock.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def query(home: Path, sql: str) -> list[tuple[object, ...]]:
    path = home / "data" / "history.sqlite3"
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_the_run_like_stop_and_the_engine_with_it(
    tmp_path: Path, sig: signal.Signals, backdrop: None
) -> None:
    env = {**os.environ, "CONSOLE_APP_HOME": str(tmp_path)}
    env.pop("TZAFON_API_KEY", None)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console_app",
            "run",
            "--task",
            "wait 60",
            "--profile",
            "local",
            "--approve",
            "auto",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The wait is recorded as approved and pending before it runs: the run is mid-action.
        wait_for(
            lambda: query(tmp_path, "SELECT 1 FROM steps WHERE execution = 'pending'"),
            START_S,
            "the wait action to start",
        )
        engine = engine_pid(tmp_path)
        assert engine is not None and alive(engine)
        started = time.monotonic()
        child.send_signal(sig)
        out, err = child.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 1, out + err
    assert took < 15, f"{took:.1f} s to stop"
    assert "run stopped" in out, out + err
    assert query(tmp_path, "SELECT status FROM runs") == [("stopped",)]
    wait_for(lambda: not alive(engine), 15, "the engine to stop")


def test_sigterm_closes_the_console_window_and_its_engine(tmp_path: Path) -> None:
    sig = signal.SIGTERM
    env = {**os.environ, "CONSOLE_APP_HOME": str(tmp_path), "QT_QPA_PLATFORM": "xcb"}
    env.pop("TZAFON_API_KEY", None)
    child = subprocess.Popen(
        [sys.executable, "-m", "console_app", "--profile", "local"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        engine = wait_for(
            lambda: (pid := engine_pid(tmp_path)) and alive(pid) and pid, START_S, "the engine"
        )
        child.send_signal(sig)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    wait_for(lambda: not alive(engine), 15, "the engine to stop")
