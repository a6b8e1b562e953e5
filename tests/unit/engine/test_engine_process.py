"""``console-app engine`` as a process: the console's launcher handshake, clean exit on
SIGTERM/SIGINT, state surviving a restart, loopback-only binding and token handling."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from console_app.api.local_engine import LocalEngine
from console_app.core.paths import log_dir

pytestmark = pytest.mark.slow

ENGINE = [sys.executable, "-m", "console_app", "engine"]


def create(engine: LocalEngine, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{engine.base_url}/v1/responses",
        json=body,
        headers={"Authorization": f"Bearer {engine.token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


def get(engine: LocalEngine, response_id: str) -> httpx.Response:
    return httpx.get(
        f"{engine.base_url}/v1/responses/{response_id}",
        headers={"Authorization": f"Bearer {engine.token}"},
        timeout=10,
    )


def stop(engine: LocalEngine) -> int | None:
    process = engine.process
    assert process is not None
    engine.stop(timeout=10)
    return process.returncode


def test_launcher_handshake_restart_and_clean_exit(tmp_path: Path) -> None:
    data = tmp_path / "engine-data"
    first = LocalEngine(data_dir=data).start(timeout=60)
    try:
        done = create(first, {"input": "press tab then press enter"})
        pending = create(
            first,
            {"input": "wait", "background": True, "metadata": {"engine_delay_ms": "30000"}},
        )
        assert pending["status"] == "in_progress"
    finally:
        assert stop(first) == 0  # SIGTERM ends serve() normally: exit code 0

    second = LocalEngine(data_dir=data, token="a-different-token-after-restart").start(timeout=60)
    try:
        assert get(second, done["id"]).json() == done
        interrupted = get(second, pending["id"]).json()
        assert interrupted["status"] == "failed"
        assert interrupted["error"]["code"] in {"engine_stopped", "engine_restarted"}
        call_id = next(i["call_id"] for i in done["output"] if i["type"] == "computer_call")
        follow = create(
            second,
            {
                "previous_response_id": done["id"],
                "input": [{"type": "computer_call_output", "call_id": call_id}],
            },
        )
        action = next(i["action"] for i in follow["output"] if i["type"] == "computer_call")
        assert action == {"type": "keypress", "keys": ["enter"]}  # the plan survived too
        old_token = httpx.get(
            f"{second.base_url}/health", headers={"Authorization": f"Bearer {first.token}"}
        )
        assert old_token.status_code == 401
    finally:
        assert stop(second) == 0
    database = data / "engine.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    log_text = (log_dir() / "engine.log").read_text(errors="replace")
    assert first.token not in log_text and second.token not in log_text


def test_non_loopback_hosts_are_refused_with_exit_code_2(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "192.0.2.10"):
        done = subprocess.run(
            [*ENGINE, "--host", host, "--port", "0", "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "CONSOLE_ENGINE_TOKEN": "some-token-value"},
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "loopback" in done.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_without_a_token_one_is_written_to_a_private_file(tmp_path: Path, sig: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_ENGINE_TOKEN"}
    ready = tmp_path / "ready.json"
    process = subprocess.Popen(
        [*ENGINE, "--port", "0", "--ready-file", str(ready), "--data-dir", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert info["pid"] == process.pid
        token_file = tmp_path / "engine-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        health = httpx.get(
            f"http://127.0.0.1:{info['port']}/health",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert health.status_code == 200
    finally:
        process.send_signal(sig)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert str(token_file) in out
    assert token not in out and token not in err
