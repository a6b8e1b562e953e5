"""The query API the history view is built on: filters, sorts, pages and counts.

Every expectation is computed independently in Python from the data that was inserted.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console_app.core.records import ResponseRecord, RunInfo
from console_app.history.models import ResponseFilter, RunFilter
from console_app.history.store import HistoryStore
from tests.unit.history.conftest import step

BASE = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
STATUSES = ("completed", "failed", "cancelled", "in_progress")
PROFILES = ("local", "lightcone", "vllm_box")


def fill_responses(store: HistoryStore, count: int, seed: int = 7) -> list[ResponseRecord]:
    rng = random.Random(seed)
    records = [
        ResponseRecord(
            response_id=f"resp_{n:05d}",
            backend="http://127.0.0.1:9/v1",
            profile=rng.choice(PROFILES),
            status=rng.choice(STATUSES),
            model=rng.choice(("north-fast", "sm-1", "qwen_100%")),
            created_at=str(int((BASE + timedelta(minutes=n)).timestamp())),
            run_id=f"run_{n // 10:04d}",
            last_seen=BASE + timedelta(minutes=rng.randrange(100_000)),
        )
        for n in range(count)
    ]
    store.record_responses(records)
    return records


def test_responses_filter_sort_page_and_count(store: HistoryStore) -> None:
    records = fill_responses(store, 400)
    wanted = ResponseFilter(status=["failed", "cancelled"], profile="lightcone")
    expected = sorted(
        (r for r in records if r.status in ("failed", "cancelled") and r.profile == "lightcone"),
        key=lambda r: (r.last_seen, r.response_id),
        reverse=True,
    )
    assert store.count_responses(wanted) == len(expected) > 20
    pages = [store.list_responses(wanted, limit=10, offset=o) for o in range(0, len(expected), 10)]
    got = [r.response_id for page in pages for r in page]
    assert got == [r.response_id for r in expected]  # no overlap, no gap, right order

    oldest = store.list_responses(wanted, sort="last_seen", descending=False, limit=1)
    assert oldest[0].response_id == expected[-1].response_id
    by_id = store.list_responses(None, sort="response_id", descending=False, limit=3)
    assert [r.response_id for r in by_id] == ["resp_00000", "resp_00001", "resp_00002"]


def test_responses_text_and_date_filters(store: HistoryStore) -> None:
    records = fill_responses(store, 300)
    since, until = BASE + timedelta(minutes=20_000), BASE + timedelta(minutes=60_000)
    window = ResponseFilter(since=since, until=until)
    assert store.count_responses(window) == sum(since <= r.last_seen < until for r in records)
    # "%" and "_" are literal characters in the text filter, not LIKE wildcards
    percent = ResponseFilter(text="100%")
    assert store.count_responses(percent) == sum(r.model == "qwen_100%" for r in records)
    underscore = ResponseFilter(text="vllm_")
    assert store.count_responses(underscore) == sum(r.profile == "vllm_box" for r in records)
    assert store.count_responses(ResponseFilter(text="RESP_0001")) == 10  # case-insensitive
    assert store.count_responses(ResponseFilter(run_id="run_0003")) == 10


def test_runs_filter_sort_page_and_count(store: HistoryStore) -> None:
    rng = random.Random(3)
    runs = []
    for n in range(120):
        run = RunInfo(
            task=f"task {n} " + rng.choice(("open mail", "write report", "book flight")),
            profile=rng.choice(PROFILES),
            backend="http://x",
            started_at=BASE + timedelta(hours=n),
        )
        store.begin_run(run)
        steps = rng.randrange(4)
        for index in range(steps):
            store.record_step(step(run.run_id, index))
        status = rng.choice(("succeeded", "failed", "stopped"))
        store.end_run(run.run_id, status, f"result of {n}")  # type: ignore[arg-type]
        runs.append((run, status, steps))

    wanted = RunFilter(text="report", status="failed")
    expected = [r for r, s, _ in runs if "report" in r.task and s == "failed"]
    assert store.count_runs(wanted) == len(expected) > 3
    got = store.list_runs(wanted, limit=1000)
    assert [r.run_id for r in got] == [r.run_id for r in reversed(expected)]  # newest first

    by_steps = store.list_runs(None, sort="steps", descending=True, limit=1000)
    assert [r.step_count for r in by_steps] == sorted((s for *_, s in runs), reverse=True)
    window = RunFilter(since=BASE + timedelta(hours=10), until=BASE + timedelta(hours=20))
    assert store.count_runs(window) == 10
    assert store.count_runs(RunFilter(text="RESULT OF 11")) == 11  # 11 and 110…119


def test_page_limits_and_sort_keys_are_checked(store: HistoryStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        store.list_runs(limit=0)
    with pytest.raises(ValueError, match="offset"):
        store.list_responses(offset=-1)
    with pytest.raises(ValueError, match="cannot sort"):
        store.list_runs(sort="task; DROP TABLE runs")  # type: ignore[arg-type]


def test_the_views_default_queries_use_indexes(store: HistoryStore, db_path: Path) -> None:
    fill_responses(store, 50)
    conn = sqlite3.connect(db_path)

    def plan(sql: str, *params: object) -> str:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        return " | ".join(str(row[-1]) for row in rows)

    newest = plan("SELECT * FROM responses ORDER BY last_seen DESC, response_id DESC LIMIT 100")
    assert "responses_last_seen" in newest
    by_status = plan(
        "SELECT * FROM responses WHERE status IN (?) ORDER BY last_seen DESC LIMIT 100", "failed"
    )
    assert "responses_status_seen" in by_status
    runs = plan("SELECT * FROM runs WHERE profile = ? ORDER BY started_at DESC LIMIT 100", "p")
    assert "runs_profile_started" in runs
