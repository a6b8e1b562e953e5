"""The store as the loop's `Recorder`: what is written, when, and what never is."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from console_app.core.records import Recorder, ResponseRecord, RunInfo, Timings
from console_app.core.redact import register_secret
from console_app.history.models import HistoryError
from console_app.history.store import HistoryStore
from tests.unit.history.conftest import jpeg, step


def begin(store: HistoryStore, task: str = "open the editor", **fields: object) -> RunInfo:
    run = RunInfo(task=task, profile="local", backend="http://127.0.0.1:8765", **fields)  # type: ignore[arg-type]
    store.begin_run(run)
    return run


def test_the_store_is_a_recorder(store: HistoryStore) -> None:
    recorder: Recorder = store  # mypy checks the protocol; this checks nothing is missing
    assert callable(recorder.record_step)


def test_a_run_round_trip(store: HistoryStore) -> None:
    run = begin(store, coordinates="normalized", model="m1")
    image = jpeg(1)
    store.record_step(
        step(
            run.run_id,
            0,
            screenshot=image,
            screenshot_mime="image/jpeg",
            viewport=(320, 200),
            timings=Timings(capture_ms=1.5, model_ms=800),
            feedback=None,
            acknowledged_safety_checks=["sc_1"],
        )
    )
    store.record_step(step(run.run_id, 1, decision="rejected", feedback="wrong button"))
    store.end_run(run.run_id, "succeeded", "all done")

    summary = store.get_run(run.run_id)
    assert summary is not None
    assert (summary.status, summary.result, summary.model) == ("succeeded", "all done", "m1")
    assert summary.coordinates == "normalized"
    assert (summary.step_count, summary.upload_bytes) == (2, 2000)
    assert (summary.input_tokens, summary.output_tokens) == (200, 20)
    assert summary.ended_at is not None and summary.duration_s is not None
    first, second = store.steps_of(run.run_id)
    assert first.viewport == (320, 200) and first.timings.model_ms == 800
    assert first.acknowledged_safety_checks == ["sc_1"]
    assert first.screenshot is None  # readers get a path, not bytes
    assert store.load_screenshot(first) == image
    assert (second.decision, second.feedback, second.screenshot_path) == (
        "rejected",
        "wrong button",
        None,
    )


def test_screenshots_are_content_addressed_files_next_to_the_db(
    store: HistoryStore, db_path: Path
) -> None:
    run = begin(store)
    image = jpeg(2)
    digest = hashlib.sha256(image).hexdigest()
    for index in range(3):  # the same screen three times: one file
        store.record_step(step(run.run_id, index, screenshot=image, screenshot_mime="image/jpeg"))
    expected = db_path.parent / "screenshots" / digest[:2] / f"{digest[2:]}.jpg"
    assert expected.read_bytes() == image
    assert len(list((db_path.parent / "screenshots").rglob("*.jpg"))) == 1
    assert {s.screenshot_path for s in store.steps_of(run.run_id)} == {expected}
    # no image bytes in the database file itself
    assert image[:64] not in db_path.read_bytes()


def test_re_recording_a_step_replaces_it_and_keeps_its_image(store: HistoryStore) -> None:
    run = begin(store)
    image = jpeg(3)
    store.record_step(step(run.run_id, 0, screenshot=image, screenshot_mime="image/jpeg"))
    store.record_step(step(run.run_id, 0, execution="done", execution_detail="clicked"))
    (only,) = store.steps_of(run.run_id)
    assert (only.execution, only.execution_detail) == ("done", "clicked")
    assert store.load_screenshot(only) == image
    assert store.get_run(run.run_id).step_count == 1  # type: ignore[union-attr]


def test_each_step_is_committed_when_record_step_returns(
    store: HistoryStore, db_path: Path
) -> None:
    run = begin(store)
    store.record_step(step(run.run_id, 0, execution="pending"))
    other = sqlite3.connect(db_path)  # an independent reader sees it at once
    assert other.execute("SELECT execution FROM steps").fetchall() == [("pending",)]


def test_a_step_of_an_unknown_run_is_refused(store: HistoryStore) -> None:
    with pytest.raises(HistoryError, match="never begun"):
        store.record_step(step("run_nobody", 0))


def test_a_run_id_cannot_be_begun_twice(store: HistoryStore) -> None:
    run = begin(store)
    with pytest.raises(HistoryError, match="recorded already"):
        store.begin_run(run)


def test_ending_an_unknown_run_is_an_error(store: HistoryStore) -> None:
    with pytest.raises(HistoryError):
        store.end_run("run_nobody", "failed")


def test_auth_headers_and_secrets_never_reach_the_database(
    store: HistoryStore, db_path: Path
) -> None:
    secret = "sk-test-history-secret-0123456789"
    register_secret(secret)
    run = RunInfo(
        task=f"use key {secret}",
        profile="cloud",
        backend="https://user:hunter22@api.example.com/v1",
    )
    store.begin_run(run)
    store.record_step(
        step(
            run.run_id,
            0,
            raw_action={
                "type": "click",
                "x": 1,
                "y": 2,
                "headers": {"Authorization": f"Bearer {secret}", "X-Api-Key": secret},
                "debug": f"Authorization: Bearer {secret}",
            },
            action={"type": "type", "text": f"my key is {secret}"},
            message=f"I used Bearer {secret}",
            reasoning=f"token={secret}",
            feedback=f"do not type {secret}",
            execution_detail=f"typed {secret}",
            action_error=f"bad {secret}",
        )
    )
    store.end_run(run.run_id, "failed", f"answer {secret}")
    store.record_response(
        ResponseRecord(response_id="resp_s", backend="https://user:pw123456@h/v1", profile="c")
    )
    store.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob("history.sqlite3*") if p.is_file())
    assert secret.encode() not in raw
    assert b"hunter22" not in raw and b"pw123456" not in raw
    assert b"Bearer" not in raw and b"Authorization" not in raw
    with HistoryStore(db_path) as reopened:
        (stored,) = reopened.steps_of(run.run_id)
        assert stored.raw_action is not None
        assert stored.raw_action["headers"] == {}  # auth-looking keys are dropped entirely
        assert (stored.raw_action["x"], stored.raw_action["y"]) == (1, 2)  # the rest is kept
        assert reopened.get_run(run.run_id).backend == "https://api.example.com/v1"  # type: ignore[union-attr]


def test_the_ledger_upserts_and_normalises_created_at(store: HistoryStore) -> None:
    store.record_response(
        ResponseRecord(
            response_id="resp_1",
            backend="http://a",
            profile="p",
            status="in_progress",
            created_at="1700000000",
            run_id="run_x",
        )
    )
    store.record_response(
        ResponseRecord(response_id="resp_1", backend="http://b", profile="p", status="completed")
    )
    entry = store.get_response("resp_1")
    assert entry is not None
    assert (entry.status, entry.backend, entry.run_id) == ("completed", "http://b", "run_x")
    # ledger writes skip the fsync; steps written afterwards on this connection must not
    assert store.db.conn().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert entry.created_at == "2023-11-14T22:13:20.000000Z"
    store.record_response(
        ResponseRecord(
            response_id="resp_2", backend="x", profile="q", created_at="2025-01-02T03:04:05Z"
        )
    )
    assert store.get_response("resp_2").created_at == "2025-01-02T03:04:05.000000Z"  # type: ignore[union-attr]
    assert store.profiles_used() == ["p", "q"]
    assert store.delete_response_local("resp_1") is True
    assert store.delete_response_local("resp_1") is False
    assert store.get_response("resp_1") is None


def test_deleting_a_run_removes_only_unshared_screenshots(store: HistoryStore) -> None:
    shared, own = jpeg(10), jpeg(11)
    first, second = begin(store), begin(store, "second")
    store.record_step(step(first.run_id, 0, screenshot=shared, screenshot_mime="image/jpeg"))
    store.record_step(step(first.run_id, 1, screenshot=own, screenshot_mime="image/jpeg"))
    store.record_step(step(second.run_id, 0, screenshot=shared, screenshot_mime="image/jpeg"))
    store.record_response(
        ResponseRecord(response_id="resp_r", backend="x", profile="p", run_id=first.run_id)
    )
    store.end_run(first.run_id, "succeeded")
    own_path = store.steps_of(first.run_id)[1].screenshot_path
    assert own_path is not None and own_path.exists()

    assert store.delete_run(first.run_id) is True
    assert store.get_run(first.run_id) is None and store.steps_of(first.run_id) == []
    assert not own_path.exists()
    assert store.load_screenshot(store.steps_of(second.run_id)[0]) == shared
    assert store.get_response("resp_r").run_id is None  # type: ignore[union-attr]
    assert store.delete_run(first.run_id) is False


def test_a_run_in_progress_cannot_be_deleted(store: HistoryStore, db_path: Path) -> None:
    run = begin(store)
    with pytest.raises(HistoryError, match="still running"):
        store.delete_run(run.run_id)
    # another store (another window, the CLI) cannot delete it either
    with HistoryStore(db_path) as other, pytest.raises(HistoryError, match="still running"):
        other.delete_run(run.run_id)


def test_a_closed_store_says_so(db_path: Path) -> None:
    store = HistoryStore(db_path)
    store.close()
    with pytest.raises(HistoryError, match="closed"):
        store.count_runs()


def test_rows_hold_json_not_python_reprs(store: HistoryStore, db_path: Path) -> None:
    run = begin(store)
    store.record_step(step(run.run_id, 0, edited_action={"type": "click", "x": 1.5, "y": 2}))
    conn = sqlite3.connect(db_path)
    action_json, edited_json, timings_json = conn.execute(
        "SELECT action_json, edited_action_json, timings_json FROM steps"
    ).fetchone()
    assert json.loads(edited_json) == {"type": "click", "x": 1.5, "y": 2}
    assert json.loads(action_json)["type"] == "click"
    assert json.loads(timings_json)["capture_ms"] is None
