"""History retention: ``console-app runs prune|delete``, the retention settings, and exports
without screenshots or typed secrets."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console_app.app import main
from console_app.core.records import ResponseRecord, RunInfo, StepRecord
from console_app.core.settings import Settings
from console_app.core.settings_store import SettingsStore
from console_app.history.retention import disk_usage, format_size, parse_size, prune
from console_app.history.store import HistoryStore

NOW = datetime.now(UTC)


def add_run(
    store: HistoryStore, days_ago: float, images: list[bytes], *, end: bool = True, text: str = ""
) -> str:
    run = RunInfo(
        task=f"task {days_ago}", profile="local", backend="http://127.0.0.1:1",
        started_at=NOW - timedelta(days=days_ago),
    )  # fmt: skip
    store.begin_run(run)
    for index, image in enumerate(images):
        store.record_step(
            StepRecord(
                run_id=run.run_id,
                index=index,
                action_type="type",
                action={"type": "type", "text": text or f"step {index}"},
                summary=f"type {text!r}" if text else "",
                decision="approved",
                execution="done",
                screenshot=image,
                screenshot_mime="image/png",
            )
        )
    store.record_response(
        ResponseRecord(response_id=f"resp_{run.run_id}", backend="http://x", profile="local",
                       run_id=run.run_id)
    )  # fmt: skip
    if end:
        store.end_run(run.run_id, "succeeded", "ok")
    return run.run_id


def image(tag: int, size: int = 20_000) -> bytes:
    return bytes([tag]) * 8 + os.urandom(size)


def shot_path(store: HistoryStore, data: bytes) -> Path:
    import hashlib

    return store.files.path_for(hashlib.sha256(data).hexdigest(), "image/png")


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def rows(path: Path, table: str, run_id: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(
            conn.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", (run_id,)).fetchone()[0]  # noqa: S608
        )


def test_prune_by_age_removes_old_runs_rows_and_screenshots(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared, old_only, older_only, new_only = image(1), image(2), image(3), image(4)
    with HistoryStore() as store:
        older = add_run(store, 40, [older_only, shared])
        old = add_run(store, 20, [old_only])
        new = add_run(store, 1, [new_only, shared])
        db = store.path
        named = {"shared": shared, "old": old_only, "older": older_only, "new": new_only}
        paths = {name: shot_path(store, data) for name, data in named.items()}
    assert all(p.exists() for p in paths.values())

    assert main(["runs", "prune", "--older-than", "10", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert sorted(result["deleted_runs"]) == sorted([older, old])
    assert result["files_removed"] == 2 and result["bytes_after"] < result["bytes_before"]

    for run_id in (older, old):
        assert rows(db, "runs", run_id) == 0 and rows(db, "steps", run_id) == 0
    assert rows(db, "runs", new) == 1 and rows(db, "steps", new) == 2
    assert not paths["old"].exists() and not paths["older"].exists()
    assert paths["shared"].exists() and paths["new"].exists()  # still used by the new run
    assert rows(db, "responses", older) == 0  # the ledger entry stays, unlinked
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 3
    assert integrity(db) == "ok"
    with HistoryStore() as store:
        assert [s.index for s in store.steps_of(new)] == [0, 1]
        assert store.step_screenshot(new, 1) == shared


def test_prune_by_size_deletes_the_oldest_runs_until_the_history_fits(home: Path) -> None:
    with HistoryStore() as store:
        ids = [add_run(store, 10 - n, [image(n, 200_000)]) for n in range(5)]
        full = disk_usage(store).total
        limit = full - 450_000  # three runs' screenshots must go
        result = prune(store, max_bytes=limit)
        assert result.runs == ids[:3], result.describe()
        assert result.after is not None and result.after.total <= limit
        assert [r.run_id for r in store.list_runs()] == list(reversed(ids[3:]))
        assert disk_usage(store).screenshot_files == 2
        path = store.path
    assert integrity(path) == "ok"


def test_running_runs_are_kept_and_orphan_files_removed(home: Path) -> None:
    with HistoryStore() as store:
        running = add_run(store, 30, [image(7)], end=False)
        orphan = store.files.path_for("ab" * 32, "image/png")
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"left by a crash")
        result = prune(store, older_than_days=1)
        assert result.runs == [] and result.skipped_running == [running]
        assert result.files_removed == 1 and not orphan.exists()
        assert store.get_run(running) is not None


def test_prune_uses_the_retention_settings_when_no_option_is_given(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with HistoryStore() as store:
        old = add_run(store, 9, [image(1)])
        new = add_run(store, 2, [image(2)])
    assert main(["runs", "prune"]) == 1
    assert "nothing to prune by" in capsys.readouterr().err
    settings = Settings()
    settings.privacy.keep_days = 5
    SettingsStore().save(settings)
    assert main(["runs", "prune"]) == 0
    assert "deleted 1 run(s)" in capsys.readouterr().out
    with HistoryStore() as store:
        assert store.get_run(old) is None and store.get_run(new) is not None


def test_bad_prune_options_are_usage_errors(home: Path) -> None:
    for bad in (["--older-than", "-3"], ["--max-size", "lots"], ["--older-than", "nan"]):
        with pytest.raises(SystemExit) as exc:
            main(["runs", "prune", *bad])
        assert exc.value.code == 2


def test_runs_delete_removes_the_run_and_its_screenshots(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = image(5)
    with HistoryStore() as store:
        run_id = add_run(store, 0, [data])
        path = shot_path(store, data)
    assert path.exists()
    assert main(["runs", "delete", run_id]) == 0
    assert not path.exists()
    assert main(["runs", "delete", run_id]) == 1
    assert "no run" in capsys.readouterr().err


def test_sizes() -> None:
    assert parse_size("500M") == 500 * 1024**2
    assert parse_size("2 GB") == 2 * 1024**3
    assert parse_size("750k") == 750 * 1024
    assert parse_size("1048576") == 1048576
    with pytest.raises(ValueError):
        parse_size("12 parsecs")
    assert format_size(1536) == "1.5 KiB"


def test_export_without_screenshots_and_with_typed_secrets_redacted(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = "4111 1111 1111 1111"
    with HistoryStore() as store:
        run_id = add_run(store, 0, [image(9)], text=f"pay with {card}")
    out = tmp_path / "out"
    assert main(["runs", "export", run_id, "--out", str(out), "--no-screenshots"]) == 0
    html = (out / f"{run_id}.html").read_text("utf-8")
    data = json.loads((out / f"{run_id}.json").read_text("utf-8"))
    assert "data:image" not in html and "left out" in html
    assert data["screenshots_included"] is False
    assert all("screenshot_sha256" not in step for step in data["steps"])
    for text in (html, json.dumps(data)):
        assert card not in text and "4111" not in text
    assert data["steps"][0]["action"]["text"] == "pay with [SECRET]"
    assert data["run"]["run_id"] == run_id

    assert main(["runs", "export", run_id, "--out", str(out)]) == 0
    assert "data:image/png" in (out / f"{run_id}.html").read_text("utf-8")
    capsys.readouterr()
    assert main(["runs", "list"]) == 0
    assert "history: " in capsys.readouterr().err  # the size on disk


def test_automatic_retention_never_deletes_the_run_that_just_ended(home: Path) -> None:
    from console_app.core.records import MemoryRecorder
    from console_app.history.retention import apply_retention

    assert apply_retention(MemoryRecorder(), 1, None) is None
    with HistoryStore() as store:
        old = add_run(store, 3, [image(1, 300_000)])
        newest = add_run(store, 0, [image(2, 300_000)])
        assert apply_retention(store, None, None) is None  # nothing configured
        result = apply_retention(store, 30, 0.1)  # 100 KiB: smaller than the newest run alone
        assert result is not None and result.runs == [old]
        assert [r.run_id for r in store.list_runs()] == [newest]
