"""A process that records a run into a history store, for the crash tests to kill.

``python crash_child.py DB MODE``:

* ``steps N``: begin a run, record N steps (each committed, each with a screenshot), then
  record step N as approved with ``execution="pending"`` — the moment before its action would
  run — print ``ready RUN_ID`` and sleep until killed.
* ``stream``: begin a run and record steps as fast as it can, printing ``committed I`` after
  each `record_step` returns, until killed (the kill lands in the middle of a write).
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

from console_app.core.records import RunInfo, StepRecord
from console_app.history.store import HistoryStore


def image(index: int) -> bytes:
    return b"\xff\xd8\xff" + hashlib.sha256(str(index).encode()).digest() * 300


def record(store: HistoryStore, run_id: str, index: int, execution: str = "done") -> None:
    store.record_step(
        StepRecord(
            run_id=run_id,
            index=index,
            action_type="click",
            action={"type": "click", "x": index, "y": index * 2},
            summary=f"click {index}",
            decision="approved",
            execution=execution,  # type: ignore[arg-type]
            screenshot=image(index),
            screenshot_mime="image/jpeg",
            upload_bytes=len(image(index)),
        )
    )


def main() -> None:
    db, mode = Path(sys.argv[1]), sys.argv[2]
    store = HistoryStore(db)
    run = RunInfo(task=f"crash test ({mode})", profile="local", backend="http://127.0.0.1:1")
    store.begin_run(run)
    if mode == "steps":
        count = int(sys.argv[3])
        for index in range(count):
            record(store, run.run_id, index)
        record(store, run.run_id, count, execution="pending")
        print(f"ready {run.run_id}", flush=True)
        time.sleep(600)
    else:
        print(f"run {run.run_id}", flush=True)
        index = 0
        while True:
            record(store, run.run_id, index)
            print(f"committed {index}", flush=True)
            index += 1


if __name__ == "__main__":
    main()
