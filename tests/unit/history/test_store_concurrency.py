"""Reading while writing: the history view (GUI thread) pages through history while the loop
(a worker thread) commits steps — neither waits for the other, neither sees half a write."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from console_app.core.records import ResponseRecord, RunInfo
from console_app.history.models import RunFilter
from console_app.history.store import HistoryStore
from tests.unit.history.conftest import jpeg, step

STEPS = 150


def test_reads_run_while_a_worker_thread_writes(store: HistoryStore) -> None:
    image = jpeg(5)
    run = RunInfo(task="busy run", profile="local", backend="http://x")
    store.begin_run(run)
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        try:
            for index in range(STEPS):
                store.record_step(
                    step(run.run_id, index, screenshot=image, screenshot_mime="image/jpeg")
                )
                store.record_response(
                    ResponseRecord(response_id=f"resp_{index}", backend="x", profile="local")
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=write, name="loop-worker")
    writer.start()
    seen_steps: list[int] = []
    seen_responses: list[int] = []
    slowest = 0.0
    while not done.is_set():
        started = time.perf_counter()
        summary = store.get_run(run.run_id)
        steps = store.steps_of(run.run_id)
        seen_responses.append(store.count_responses())
        page = store.list_runs(RunFilter(text="busy"), limit=10)
        slowest = max(slowest, time.perf_counter() - started)
        then = store.get_run(run.run_id)
        assert summary is not None and then is not None and len(page) == 1
        # Each step row and the run's totals are committed together. Steps may land between
        # two reads (any number of them: the reader can be descheduled on a busy machine),
        # so read both ways round: totals then steps never shows a total without its step,
        # steps then totals never a step without its total.
        assert summary.step_count <= len(steps) <= then.step_count
        assert [s.index for s in steps] == list(range(len(steps)))
        seen_steps.append(len(steps))
    writer.join()
    assert errors == []
    assert seen_steps == sorted(seen_steps) and seen_responses == sorted(seen_responses)
    assert any(0 < n < STEPS for n in seen_steps), "the reader never overlapped the writer"
    assert len(store.steps_of(run.run_id)) == STEPS and store.count_responses() == STEPS
    assert slowest < 1.0, f"a read waited {slowest:.3f} s for the writer"


def test_a_reader_is_not_blocked_by_an_open_write_transaction(
    store: HistoryStore, db_path: Path
) -> None:
    run = RunInfo(task="t", profile="p", backend="http://x")
    store.begin_run(run)
    store.record_step(step(run.run_id, 0))
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO steps (run_id, idx, decision, execution, created_at) "
        "VALUES (?, 1, 'approved', 'pending', '2025-01-01T00:00:00.000000Z')",
        (run.run_id,),
    )
    started = time.perf_counter()
    assert len(store.steps_of(run.run_id)) == 1  # the last committed state, at once
    assert time.perf_counter() - started < 0.5
    writer.execute("COMMIT")
    assert len(store.steps_of(run.run_id)) == 2


def test_two_writer_threads_do_not_collide(store: HistoryStore) -> None:
    runs = [RunInfo(task=f"run {n}", profile="p", backend="http://x") for n in range(2)]
    errors: list[BaseException] = []

    def write(run: RunInfo) -> None:
        try:
            store.begin_run(run)
            for index in range(60):
                store.record_step(step(run.run_id, index))
            store.end_run(run.run_id, "succeeded")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [store.get_run(r.run_id).step_count for r in runs] == [60, 60]  # type: ignore[union-attr]
