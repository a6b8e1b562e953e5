"""The local engine forgets old responses: its store is pruned at start and every hour.

Why: every response the engine created (task text, reasoning, the plan state that
``previous_response_id`` resumes from) would otherwise stay in ``engine.sqlite3`` forever. By
default responses older than **7 days** are deleted (``in_progress`` ones never); a chain whose
start was pruned can no longer be continued, which after a week is what a user expects.

Configuration: ``console-app engine --keep-days N`` or the environment variable
``CONSOLE_ENGINE_KEEP_DAYS`` (the console passes its environment to the engine it starts);
``0`` keeps everything. Screenshots are never stored by the engine, so there is nothing else
to prune.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

KEEP_DAYS_ENV = "CONSOLE_ENGINE_KEEP_DAYS"
DEFAULT_KEEP_DAYS = 7.0
PRUNE_INTERVAL_S = 3600.0


class PrunableStore(Protocol):
    def prune(self, created_before: float) -> int: ...


def keep_days(environ: dict[str, str] | None = None) -> float | None:
    """Days to keep responses (``None``: forever), from ``CONSOLE_ENGINE_KEEP_DAYS``; an
    unreadable value falls back to the default (and says so in the log)."""
    raw = (environ if environ is not None else os.environ).get(KEEP_DAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_KEEP_DAYS
    try:
        days = float(raw)
    except ValueError:
        days = math.nan
    if math.isnan(days) or days < 0 or math.isinf(days):
        log.warning("%s=%r is not a number of days; keeping %g days", KEEP_DAYS_ENV, raw,
                    DEFAULT_KEEP_DAYS)  # fmt: skip
        return DEFAULT_KEEP_DAYS
    return None if days == 0 else days


def prune_once(
    store: PrunableStore, days: float | None, clock: Callable[[], float] = time.time
) -> int:
    """Delete responses created more than ``days`` ago; returns how many."""
    if days is None:
        return 0
    removed = store.prune(clock() - days * 86_400)
    if removed:
        log.info("pruned %d response(s) older than %g day(s)", removed, days)
    return removed


class Pruner:
    """A daemon thread pruning ``store`` now and then every ``interval`` seconds until `stop`
    (or until the store is closed under it)."""

    def __init__(
        self,
        store: PrunableStore,
        days: float | None,
        interval: float = PRUNE_INTERVAL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.days = days
        self.interval = interval
        self.clock = clock
        self.runs = 0
        self.removed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="engine-prune", daemon=True)

    def start(self) -> Pruner:
        if self.days is not None:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.removed += prune_once(self.store, self.days, self.clock)
            except Exception as exc:  # the store was closed (engine stopping) or is broken
                log.debug("engine pruning stopped: %s", exc)
                return
            self.runs += 1
            self._stop.wait(self.interval)


def start_pruning(store: PrunableStore) -> Pruner:
    """What the engine calls at start: prune now, then hourly, as configured."""
    return Pruner(store, keep_days()).start()
