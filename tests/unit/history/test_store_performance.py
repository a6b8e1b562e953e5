"""10,000 responses: inserting them and paging through them stays fast.

Prints the measured times (run with ``-s`` to see them); the bounds are loose enough for a
slow CI disk and tight enough to catch a missing index or a per-row round trip.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from console_app.core.records import ResponseRecord, RunInfo
from console_app.history.models import ResponseFilter, RunFilter
from console_app.history.store import HistoryStore
from tests.unit.history.conftest import step

COUNT = 10_000
BASE = datetime(2025, 1, 1, tzinfo=UTC)


def records(count: int, prefix: str) -> list[ResponseRecord]:
    rng = random.Random(11)
    return [
        ResponseRecord(
            response_id=f"{prefix}_{n:06d}",
            backend="https://api.tzafon.ai",
            profile=rng.choice(("local", "lightcone", "vllm")),
            status=rng.choice(("completed", "failed", "cancelled", "incomplete")),
            model=rng.choice(("tzafon.northstar-cua-fast", "tzafon.sm-1")),
            created_at=str(int((BASE + timedelta(seconds=n)).timestamp())),
            last_seen=BASE + timedelta(seconds=rng.randrange(10_000_000)),
        )
        for n in range(count)
    ]


def test_ten_thousand_responses(store: HistoryStore) -> None:
    one_by_one = records(COUNT, "resp")
    started = time.perf_counter()
    for record in one_by_one:  # the loop's path: one committed transaction per response
        store.record_response(record)
    insert_s = time.perf_counter() - started

    batch = records(COUNT, "batch")
    started = time.perf_counter()
    store.record_responses(batch)
    batch_s = time.perf_counter() - started
    assert store.count_responses() == 2 * COUNT

    wanted = ResponseFilter(status=["failed", "cancelled"], profile="lightcone")
    timings = []
    for offset in (0, 1000, 3000):
        started = time.perf_counter()
        page = store.list_responses(wanted, sort="last_seen", limit=100, offset=offset)
        total = store.count_responses(wanted)
        timings.append(time.perf_counter() - started)
        assert len(page) == 100
        assert all(r.status in ("failed", "cancelled") and r.profile == "lightcone" for r in page)
        assert [r.last_seen for r in page] == sorted((r.last_seen for r in page), reverse=True)
    started = time.perf_counter()
    text_page = store.list_responses(ResponseFilter(text="sm-1"), limit=100)
    text_total = store.count_responses(ResponseFilter(text="sm-1"))
    text_s = time.perf_counter() - started
    assert len(text_page) == 100 and 0 < text_total < 2 * COUNT

    print(
        f"\n10,000 responses: one transaction each {insert_s:.2f} s "
        f"({insert_s / COUNT * 1000:.3f} ms each), one batch {batch_s:.2f} s; "
        f"filtered+sorted page of 100 + count over 20,000: "
        f"{', '.join(f'{t * 1000:.1f}' for t in timings)} ms (offsets 0/1000/3000); "
        f"text filter page + count: {text_s * 1000:.1f} ms; total matching {total}"
    )
    assert insert_s < 60 and batch_s < 10
    assert max(timings) < 0.25 and text_s < 0.5


def test_a_page_of_runs_among_ten_thousand(store: HistoryStore) -> None:
    conn_runs = []
    for n in range(COUNT):
        conn_runs.append(
            RunInfo(
                task=f"task number {n}",
                profile=("local", "lightcone")[n % 2],
                backend="http://x",
                started_at=BASE + timedelta(minutes=n),
            )
        )
    started = time.perf_counter()
    for run in conn_runs[:200]:
        store.begin_run(run)
        store.record_step(step(run.run_id, 0))
    per_run_ms = (time.perf_counter() - started) / 200 * 1000
    # the rest straight through SQL to keep the test short (begin_run is measured above)
    with store.db.write() as conn:
        conn.executemany(
            "INSERT INTO runs (run_id, task, profile, backend, status, started_at) "
            "VALUES (?, ?, ?, ?, 'succeeded', ?)",
            [
                (
                    r.run_id,
                    r.task,
                    r.profile,
                    r.backend,
                    r.started_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                )
                for r in conn_runs[200:]
            ],
        )
    started = time.perf_counter()
    page = store.list_runs(RunFilter(profile="lightcone"), limit=100, offset=2000)
    total = store.count_runs(RunFilter(profile="lightcone"))
    page_ms = (time.perf_counter() - started) * 1000
    print(
        f"\nruns: begin_run+record_step {per_run_ms:.2f} ms; page of 100 + count {page_ms:.1f} ms"
    )
    assert len(page) == 100 and total == COUNT // 2
    assert page_ms < 250
