"""Shared pieces of the history view tests: seeding a store, opening the real window and
controller with the dialogs replaced by answers, a stall meter for the GUI thread."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer

from console_app.agent.history_backend import BackendPool, ClientFactory
from console_app.core.records import ResponseRecord
from console_app.core.settings import Profile, Settings
from console_app.history.store import HistoryStore
from console_app.ui.history.history_controller import HistoryController
from console_app.ui.history.history_view import HistoryWindow

BASE = datetime(2025, 1, 1, tzinfo=UTC)
PROFILES = ("local", "lightcone", "vllm")
STATUSES = ("completed", "failed", "cancelled", "incomplete", "in_progress")
MODELS = ("tzafon.northstar-cua-fast", "tzafon.sm-1")


def seeded_records(count: int, prefix: str = "resp") -> list[ResponseRecord]:
    rng = random.Random(6)
    return [
        ResponseRecord(
            response_id=f"{prefix}_{n:06d}",
            backend=rng.choice(("https://api.tzafon.ai", "http://127.0.0.1:8800")),
            profile=rng.choice(PROFILES),
            status=rng.choice(STATUSES),
            model=rng.choice(MODELS),
            created_at=str(int((BASE + timedelta(seconds=n)).timestamp())),
            run_id=f"run_{n // 10:05d}" if n % 3 == 0 else None,
            last_seen=BASE + timedelta(seconds=rng.randrange(90 * 86_400)),
        )
        for n in range(count)
    ]


@dataclass
class Answers:
    """What the dialogs would have answered."""

    confirm: bool = True
    response_id: str | None = None
    folder: Path | None = None
    asked: list[str] = field(default_factory=list)


@dataclass
class Opened:
    view: HistoryWindow
    controller: HistoryController
    answers: Answers


def open_history(
    qtbot: Any,
    store: HistoryStore,
    *,
    settings: Settings | None = None,
    factory: ClientFactory | None = None,
    active: str | None = None,
) -> Opened:
    settings = settings or Settings()
    answers = Answers()

    def confirm(title: str, question: str) -> bool:
        answers.asked.append(question)
        return answers.confirm

    def active_profile() -> Profile:
        return settings.profile(active) if active else settings.active()

    view = HistoryWindow()
    qtbot.addWidget(view)
    controller = HistoryController(
        view,
        store,
        settings=lambda: settings,
        active_profile=active_profile,
        pool=BackendPool(factory=factory),
        confirm=confirm,
        ask_id=lambda: answers.response_id,
        choose_folder=lambda: answers.folder,
        parent=view,  # as in the app: the controller and its timers go with the window
    )
    return Opened(view, controller, answers)


class StallMeter:
    """Ticks a 5 ms timer on the GUI thread and keeps the longest gap between ticks: how long
    the window could not have answered input."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest_ms = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.longest_ms = max(self.longest_ms, (now - self.last) * 1000)
        self.last = now

    def __enter__(self) -> StallMeter:
        self.last = 0.0
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()


def column_texts(model: Any, column: int, rows: range) -> list[str]:
    return [model.data(model.index(row, column)) for row in rows]


def wait_rows(model: Any, rows: range) -> Callable[[], bool]:
    """A predicate: every row in ``rows`` is loaded (touching them requests their pages)."""

    def ready() -> bool:
        return all(model.row_at(row) is not None for row in rows)

    return ready
