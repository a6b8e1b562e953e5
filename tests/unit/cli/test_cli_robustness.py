"""Terminal commands on broken local state and at the prompt: one clear line, never a hang."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from console_app.cli.terminal import read_line


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONSOLE_APP_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "console_app", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "command", [["runs", "list"], ["responses", "list"], ["run", "--task", "wait 0"]]
)
def test_a_corrupt_history_database_is_one_line_and_exit_2(
    tmp_path: Path, command: list[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir(parents=True)
    (data / "history.sqlite3").write_bytes(b"this is not a database" * 100)
    done = cli(tmp_path, *command)
    assert done.returncode == 2, done.stderr
    assert "history database" in done.stderr and "Traceback" not in done.stderr


def test_a_monitor_that_does_not_exist_is_a_configuration_error(tmp_path: Path) -> None:
    if not os.environ.get("DISPLAY"):
        pytest.fail("run under xvfb-run (scripts/pytest-suites does)")
    done = cli(tmp_path, "run", "--task", "wait 0", "--approve", "auto", "--monitor", "99")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "monitor 99" in done.stderr and "Traceback" not in done.stderr


async def test_read_line_returns_what_was_typed() -> None:
    assert await read_line("? ", lambda prompt: "y") == "y"


async def test_read_line_never_keeps_the_process_waiting() -> None:
    # A reader that never returns (nobody answers) must not block cancellation or shutdown:
    # it runs on a daemon thread, not in the event loop's executor.
    gate = threading.Event()
    task = asyncio.create_task(read_line("? ", lambda prompt: str(gate.wait(60))))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    readers = [t for t in threading.enumerate() if t.name == "terminal-prompt"]
    assert readers and all(t.daemon for t in readers)
    gate.set()


async def test_eof_at_the_prompt_is_passed_on() -> None:
    def closed(prompt: str) -> str:
        raise EOFError

    with pytest.raises(EOFError):
        await read_line("? ", closed)


def test_a_line_typed_after_the_run_ended_answers_nothing_and_raises_nothing() -> None:
    """The prompt's thread outlives the run (stdin cannot be interrupted): a line that arrives
    after the loop closed is dropped, not an exception in a thread."""
    release = threading.Event()
    finished = threading.Event()
    failures: list[BaseException | None] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)

    def slow(prompt: str) -> str:
        release.wait(10)
        finished.set()
        return "too late"

    async def run() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(read_line("? ", slow), 0.05)

    try:
        asyncio.run(run())  # the run ends, its loop closes, the prompt still waits
        release.set()
        assert finished.wait(10)
        time.sleep(0.2)  # the thread hands its line to the closed loop now
    finally:
        threading.excepthook = previous
    assert failures == []
