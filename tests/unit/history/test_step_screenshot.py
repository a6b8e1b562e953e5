"""`HistoryStore.step_screenshot`: the console's timeline reads older steps' screenshots back."""

from __future__ import annotations

from console_app.core.records import RunInfo
from console_app.history.store import HistoryStore
from tests.unit.history.conftest import jpeg, step


def test_a_steps_screenshot_is_read_back_by_run_and_index(store: HistoryStore) -> None:
    run = RunInfo(task="t", profile="local", backend="http://127.0.0.1:1")
    store.begin_run(run)
    first, second = jpeg(1), jpeg(2)
    store.record_step(step(run.run_id, 0, screenshot=first, screenshot_mime="image/jpeg"))
    store.record_step(step(run.run_id, 1, screenshot=second, screenshot_mime="image/jpeg"))
    store.record_step(step(run.run_id, 2))  # no screenshot

    assert store.step_screenshot(run.run_id, 0) == first
    assert store.step_screenshot(run.run_id, 1) == second
    assert store.step_screenshot(run.run_id, 2) is None
    assert store.step_screenshot(run.run_id, 3) is None
    assert store.step_screenshot("run_unknown", 0) is None


def test_a_missing_file_is_none_not_an_error(store: HistoryStore) -> None:
    run = RunInfo(task="t", profile="local", backend="http://127.0.0.1:1")
    store.begin_run(run)
    store.record_step(step(run.run_id, 0, screenshot=jpeg(3), screenshot_mime="image/jpeg"))
    for path in store.files.root.rglob("*.jp*g"):
        path.unlink()
    assert store.step_screenshot(run.run_id, 0) is None
