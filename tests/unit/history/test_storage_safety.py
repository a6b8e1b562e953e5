"""The history's files are private, its screenshot references cannot point outside its folder,
and what a crash cut off is cleaned up."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path

from console_app.core.records import RunInfo
from console_app.history.files import ScreenshotFiles
from console_app.history.report import export_run
from console_app.history.store import HistoryStore
from tests.unit.history.conftest import jpeg, step


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_folders_are_created_private(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "data" / "history.sqlite3"
    with HistoryStore(db) as store:
        run = RunInfo(task="type the password", profile="local", backend="http://x")
        store.begin_run(run)
        store.record_step(step(run.run_id, 0, screenshot=jpeg(1), screenshot_mime="image/jpeg"))
        shot = next((db.parent / "screenshots").glob("*/*.jpg"))
        assert mode(db) == 0o600
        for wal in db.parent.glob("history.sqlite3-*"):
            assert mode(wal) & 0o077 == 0, wal
        assert mode(db.parent) == 0o700
        assert mode(db.parent / "screenshots") == 0o700 and mode(shot.parent) == 0o700
        assert mode(shot) == 0o600


def test_an_existing_world_readable_database_is_tightened(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    HistoryStore(db_path).close()
    db_path.chmod(0o644)
    HistoryStore(db_path).close()
    assert mode(db_path) == 0o600


def test_a_tampered_screenshot_reference_names_no_file(store: HistoryStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(jpeg(9))
    run = RunInfo(task="t", profile="local", backend="http://x")
    store.begin_run(run)
    store.record_step(step(run.run_id, 0, screenshot=jpeg(1), screenshot_mime="image/jpeg"))
    relative = os.path.relpath(outside.with_suffix(""), store.files.root / "ab")
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE steps SET screenshot_sha256 = ?", ("ab" + relative,))
    [stored] = store.steps_of(run.run_id)
    assert stored.screenshot_path is None
    assert store.step_screenshot(run.run_id, 0) is None
    report = export_run(store, run.run_id, tmp_path / "export")
    assert "data:image" not in report.html.read_text()
    store.end_run(run.run_id, "succeeded")
    assert store.delete_run(run.run_id)
    assert outside.exists()  # never unlinked


def test_only_hex_digests_become_paths(tmp_path: Path) -> None:
    files = ScreenshotFiles(tmp_path)
    good = "a" * 64
    assert files.find(good, "image/png") == tmp_path / "aa" / f"{'a' * 62}.png"
    for bad in ("../" * 3 + "a" * 55, "A" * 64, "a" * 63, "a" * 65, "g" * 64, "", "/etc/passwd"):
        assert files.find(bad, "image/png") is None, bad
        files.remove(bad, "image/png")  # a no-op, never an error


def test_stale_temporary_files_are_removed_when_the_store_opens(db_path: Path) -> None:
    with HistoryStore(db_path) as store:
        run = RunInfo(task="t", profile="local", backend="http://x")
        store.begin_run(run)
        store.record_step(step(run.run_id, 0, screenshot=jpeg(1), screenshot_mime="image/jpeg"))
        folder = next(p for p in store.files.root.iterdir() if p.is_dir())
    stale = folder / ".cut-off-by-a-crash.tmp"
    stale.write_bytes(b"half an image")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    in_flight = folder / ".being-written.tmp"  # another process may be writing it right now
    in_flight.write_bytes(b"partial")
    with HistoryStore(db_path) as store:
        assert not stale.exists()
        assert in_flight.exists()
        assert len(store.steps_of(run.run_id)) == 1
