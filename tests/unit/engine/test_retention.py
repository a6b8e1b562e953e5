"""The local engine prunes its own store: old finished responses go, at start and hourly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from console_app.api.types import Response
from console_app.engine.retention import (
    DEFAULT_KEEP_DAYS,
    KEEP_DAYS_ENV,
    Pruner,
    keep_days,
    prune_once,
)
from console_app.engine.server import DATABASE_FILE
from console_app.engine.store import ResponseStore
from tests.unit.engine.helpers import engine_in_thread

DAY = 86_400


def save(store: ResponseStore, rid: str, age_days: float, status: str = "completed") -> None:
    response = Response(
        id=rid, object="response", created_at=int(time.time() - age_days * DAY),
        model="tzafon.northstar-cua-fast", status=status, output=[],
    )  # fmt: skip
    store.save(response, None, f"call_{rid}")


def test_store_prune_keeps_recent_and_unfinished_responses(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path / "engine.sqlite3")
    try:
        save(store, "resp_old", 10)
        save(store, "resp_old_failed", 30, "failed")
        save(store, "resp_old_running", 30, "in_progress")
        save(store, "resp_new", 1)
        assert prune_once(store, 7) == 2
        assert store.get("resp_old") is None and store.get("resp_old_failed") is None
        assert store.by_call_id("call_resp_old") is None
        assert store.get("resp_old_running") is not None and store.get("resp_new") is not None
        assert prune_once(store, None) == 0  # "keep everything"
        row = store._db.execute("PRAGMA integrity_check").fetchone()
        assert row[0] == "ok"
    finally:
        store.close()


def test_keep_days_comes_from_the_environment() -> None:
    assert keep_days({}) == DEFAULT_KEEP_DAYS == 7
    assert keep_days({KEEP_DAYS_ENV: "30"}) == 30
    assert keep_days({KEEP_DAYS_ENV: "0"}) is None
    assert keep_days({KEEP_DAYS_ENV: "0.5"}) == 0.5
    for bad in ("soon", "-1", "nan", "inf"):
        assert keep_days({KEEP_DAYS_ENV: bad}) == DEFAULT_KEEP_DAYS


def test_the_pruner_runs_again_after_its_interval(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path / "engine.sqlite3")
    now = [time.time()]
    pruner = Pruner(store, 1, interval=0.01, clock=lambda: now[0])
    try:
        save(store, "resp_a", 0)
        pruner.start()
        deadline = time.monotonic() + 10
        while pruner.runs < 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert store.get("resp_a") is not None
        now[0] += 2 * DAY  # two days later, the next round removes it
        while store.get("resp_a") is not None:
            assert time.monotonic() < deadline, "the pruner did not run again"
            time.sleep(0.01)
        assert pruner.removed == 1
    finally:
        pruner.stop()
        store.close()


def test_a_starting_engine_prunes_responses_older_than_seven_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEEP_DAYS_ENV, raising=False)
    store = ResponseStore(tmp_path / DATABASE_FILE)
    save(store, "resp_eight_days", 8)
    save(store, "resp_six_days", 6)
    store.close()
    with engine_in_thread(tmp_path) as engine, engine.client() as client:
        deadline = time.monotonic() + 10
        while client.get("/v1/responses/resp_eight_days").status_code != 404:
            assert time.monotonic() < deadline, "the old response was not pruned"
            time.sleep(0.02)
        assert client.get("/v1/responses/resp_six_days").status_code == 200
