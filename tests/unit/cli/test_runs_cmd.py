"""``console-app runs list|export``, and where the data lives (platform conventions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console_app.app import main
from console_app.core.records import RunInfo, StepRecord
from console_app.history.store import HistoryStore


def make_runs() -> list[str]:
    ids = []
    with HistoryStore() as store:
        for n, (task, status) in enumerate(
            [("open the editor", "succeeded"), ("file a bug", "failed"), ("open mail", "stopped")]
        ):
            run = RunInfo(task=task, profile="local", backend="http://127.0.0.1:1")
            store.begin_run(run)
            store.record_step(
                StepRecord(
                    run_id=run.run_id,
                    index=0,
                    action_type="click",
                    action={"type": "click", "x": 10 + n, "y": 20},
                    decision="approved",
                    execution="done",
                )
            )
            store.end_run(run.run_id, status, f"result {n}")  # type: ignore[arg-type]
            ids.append(run.run_id)
    return ids


def test_runs_list_json_and_filters(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = make_runs()
    assert main(["runs", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in listed] == list(reversed(ids))  # newest first
    assert listed[0]["step_count"] == 1

    assert main(["runs", "list", "--json", "--text", "OPEN", "--sort", "task", "--ascending"]) == 0
    assert [r["task"] for r in json.loads(capsys.readouterr().out)] == [
        "open mail",
        "open the editor",
    ]
    assert main(["runs", "list", "--status", "failed"]) == 0
    captured = capsys.readouterr()
    assert ids[1] in captured.out and ids[0] not in captured.out
    assert "1 of 1 run" in captured.err


def test_runs_export_writes_html_and_json(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = make_runs()
    out_dir = tmp_path / "exports"
    assert main(["runs", "export", ids[0], "--out", str(out_dir), "--json"]) == 0
    paths = json.loads(capsys.readouterr().out)
    html = Path(paths["html"]).read_text()
    data = json.loads(Path(paths["json"]).read_text())
    assert Path(paths["html"]).parent == out_dir
    assert "open the editor" in html and "result 0" in html
    assert data["run"]["run_id"] == ids[0] and len(data["steps"]) == 1


def test_runs_export_of_an_unknown_run_exits_1(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runs", "export", "run_nope"]) == 1
    assert "no run 'run_nope'" in capsys.readouterr().err


def test_locations_follow_xdg_when_no_override(tmp_path: Path) -> None:
    """Without CONSOLE_APP_HOME, the history goes to $XDG_DATA_HOME/operator-console and the
    log to $XDG_STATE_HOME/operator-console/log (platformdirs' Linux conventions)."""
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_APP_HOME"}
    env.update(
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "console_app", "runs", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    assert (tmp_path / "data" / "operator-console" / "history.sqlite3").is_file()
    assert (tmp_path / "state" / "operator-console" / "log" / "console.log").is_file()
