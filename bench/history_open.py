"""History view open time with 10,000 responses in the store.

Seeds a real `HistoryStore` with ``--responses`` responses (spread over profiles, statuses and
runs, as `tests/gui/test_history_view.py` does), then opens the history window the way the
console's "History…" action does (`ui.history_controller.HistoryLauncher.show`: a new window
and controller over the store), switches to the Responses tab and waits until the first page
of rows is in the model and painted. Open time: from ``show()`` to that paint. Each run opens a
fresh window (closed again before the next), in one process, after one warm-up open.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import worker_main
from bench.stats import p50

BASE = datetime(2025, 1, 1, tzinfo=UTC)


def seeded_records(count: int) -> list[Any]:
    from console_app.core.records import ResponseRecord

    rng = random.Random(6)
    return [
        ResponseRecord(
            response_id=f"resp_{n:06d}",
            backend=rng.choice(("https://api.tzafon.ai", "http://127.0.0.1:8800")),
            profile=rng.choice(("local", "lightcone", "vllm")),
            status=rng.choice(("completed", "failed", "cancelled", "incomplete", "in_progress")),
            model=rng.choice(("tzafon.northstar-cua-fast", "tzafon.sm-1")),
            created_at=str(int((BASE + timedelta(seconds=n)).timestamp())),
            run_id=f"run_{n // 10:05d}" if n % 3 == 0 else None,
            last_seen=BASE + timedelta(seconds=rng.randrange(90 * 86_400)),
        )
        for n in range(count)
    ]


class _Profiles:
    """What the launcher reads from the console's profile picker."""

    def __init__(self) -> None:
        from console_app.core.settings import Settings

        self.settings = Settings()

    @property
    def profile(self) -> Any:
        return self.settings.active()


def run(args: argparse.Namespace) -> dict[str, Any]:
    import qasync
    from PySide6.QtWidgets import QApplication

    from console_app.history.store import HistoryStore
    from console_app.ui.console.console_view import MainWindow
    from console_app.ui.history.history_controller import HistoryLauncher

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    store = HistoryStore(Path(tempfile.mkdtemp(prefix="bench-history-")) / "history.sqlite3")
    started = time.perf_counter()
    store.record_responses(seeded_records(args.responses))
    seed_s = time.perf_counter() - started
    console_window = MainWindow()
    profiles = _Profiles()

    async def open_once() -> float:
        launcher = HistoryLauncher(console_window, None, profiles, store=store)
        started = time.perf_counter()
        view = launcher.show()
        assert view is not None and launcher.controller is not None
        model = launcher.controller.responses
        view.tabs.setCurrentIndex(1)
        table = view.responses_table
        deadline = time.monotonic() + 30
        while model.loading or model.row_at(0) is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the history view did not load its first page")
            await asyncio.sleep(0.001)
        table.viewport().repaint()
        opened = (time.perf_counter() - started) * 1000
        if model.rowCount() != args.responses:
            raise RuntimeError(f"the view shows {model.rowCount()} responses")
        await launcher.controller.aclose()
        view.close()
        view.deleteLater()
        await asyncio.sleep(0.05)
        return opened

    async def scenario() -> tuple[float, list[float]]:
        first = await open_once()  # the process's first history window (fonts, styles)
        return first, [await open_once() for _ in range(args.runs)]

    try:
        first, times = loop.run_until_complete(scenario())
    finally:
        store.close()
        loop.close()
        asyncio.set_event_loop(None)
    return {
        "responses": args.responses,
        "seed_s": seed_s,
        "first_open_ms": first,
        "open_ms": times,
        "open_ms_p50": p50(times),
    }


def add_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--responses", type=int, default=10_000)


if __name__ == "__main__":
    worker_main(run, add_args)
