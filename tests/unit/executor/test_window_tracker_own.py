"""Which windows the active-window tracker counts as the console's own (no X server needed)."""

from __future__ import annotations

import os
from typing import Any

from console_app.executor.x11_windows import CLIENT_ID_SHIFT, ActiveWindowTracker


class FakeWindows:
    def __init__(self, pids: dict[int, int]) -> None:
        self.pids = pids

    def pid_of(self, window: int) -> int | None:
        return self.pids.get(window)


def tracker(own: list[int], pids: dict[int, int] | None = None) -> ActiveWindowTracker:
    made: Any = ActiveWindowTracker.__new__(ActiveWindowTracker)
    made.windows = FakeWindows(pids or {})
    made._own = lambda: own
    return made


def test_a_window_of_the_same_x_client_is_own_even_before_the_snapshot_knows_it() -> None:
    console = 0x0400_0011
    sibling = 0x0400_0123  # a popup or a panel the console created just now
    other_app = 0x0200_0005
    t = tracker([console])
    assert t.is_own(console) and t.is_own(sibling)
    assert not t.is_own(other_app)
    assert sibling >> CLIENT_ID_SHIFT == console >> CLIENT_ID_SHIFT


def test_a_window_of_this_process_is_own_by_its_pid() -> None:
    window = 0x0600_0001
    assert tracker([], {window: os.getpid()}).is_own(window)
    assert not tracker([], {window: os.getpid() + 1}).is_own(window)
