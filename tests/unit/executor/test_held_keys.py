"""Keys held during pointer actions (``keys`` on click, drag, move, scroll): pressed once the
pointer is on the target, released right after, and released on stop or failure."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from console_app.api.normalize import normalize_action
from console_app.core.actions import KeyDown, Wait, build_action
from console_app.executor import (
    ActionRefused,
    ExecutionError,
    ExecutionInterrupted,
    RecordingBackend,
    RecordingComputer,
)
from console_app.executor.backend import (
    MoveTo,
    Pause,
    PressButton,
    PressKey,
    ReleaseButton,
    ReleaseKey,
    Step,
    Wheel,
)
from tests.unit.executor.test_recording_computer import MAPPING, inputs


def run(computer: RecordingComputer, data: dict[str, Any]) -> list[Step]:
    before = len(computer.steps)
    computer.execute(build_action(normalize_action(data)), MAPPING)
    return inputs(computer.steps[before:])


def test_shift_click_holds_shift_around_the_click_only() -> None:
    computer = RecordingComputer()
    steps = run(
        computer, {"type": "click", "x": 640, "y": 360, "button": "left", "keys": ["SHIFT"]}
    )
    assert steps == [
        MoveTo(-960, 540),
        PressKey("shift", "shift"),
        PressButton("left"),
        ReleaseButton("left"),
        ReleaseKey("shift", "shift"),
    ]
    assert computer.held() == []


def test_ctrl_alt_double_click_releases_in_reverse_order() -> None:
    computer = RecordingComputer()
    steps = run(computer, {"type": "double_click", "x": 0, "y": 0, "keys": ["Control", "Option"]})
    assert steps[1:3] == [PressKey("ctrl", "ctrl"), PressKey("alt", "alt")]
    assert steps[-2:] == [ReleaseKey("alt", "alt"), ReleaseKey("ctrl", "ctrl")]
    assert steps.count(PressButton("left")) == 2


def test_held_keys_on_drag_move_and_scroll() -> None:
    computer = RecordingComputer()
    drag = run(
        computer,
        {"type": "drag", "path": [{"x": 0, "y": 0}, {"x": 100, "y": 0}], "keys": ["ctrl"]},
    )
    press = drag.index(PressKey("ctrl", "ctrl"))
    assert press < drag.index(PressButton("left")) and drag[-1] == ReleaseKey("ctrl", "ctrl")
    assert drag[-2] == ReleaseButton("left")
    move = run(computer, {"type": "move", "x": 10, "y": 10, "keys": ["shift"]})
    assert move == [PressKey("shift", "shift"), MoveTo(-1905, 15), ReleaseKey("shift", "shift")]
    scroll = run(
        computer,
        {"type": "scroll", "x": 10, "y": 10, "scroll_x": 0, "scroll_y": 300, "keys": ["ctrl"]},
    )
    assert scroll == [
        MoveTo(-1905, 15),
        PressKey("ctrl", "ctrl"),
        Wheel(down=3, right=0),
        ReleaseKey("ctrl", "ctrl"),
    ]
    assert computer.held() == []


def test_a_key_already_held_by_key_down_stays_held() -> None:
    computer = RecordingComputer()
    computer.execute(KeyDown(keys=["shift"]), MAPPING)
    steps = run(computer, {"type": "click", "x": 1, "y": 1, "keys": ["shift", "ctrl"]})
    assert PressKey("shift", "shift") not in steps and ReleaseKey("shift", "shift") not in steps
    assert PressKey("ctrl", "ctrl") in steps
    assert computer.held() == ["key:shift"]


def test_an_unpressable_held_key_refuses_the_whole_click() -> None:
    computer = RecordingComputer(backend=RecordingBackend(unpressable={"ctrl"}))
    with pytest.raises(ActionRefused, match="ctrl"):
        computer.execute(
            build_action(normalize_action({"type": "click", "x": 1, "y": 1, "keys": ["ctrl"]})),
            MAPPING,
        )
    assert computer.steps == []


def test_failure_during_the_click_releases_the_held_key() -> None:
    backend = RecordingBackend(fail_on=lambda step: step == PressButton("left"))
    computer = RecordingComputer(backend=backend)
    with pytest.raises(ExecutionError) as failed:
        run(computer, {"type": "click", "x": 1, "y": 1, "keys": ["shift"]})
    assert failed.value.released == ["button:left", "key:shift"]
    assert computer.held() == []
    assert backend.steps[-1] == ReleaseKey("shift", "shift")


def test_stop_during_a_held_key_drag_releases_it() -> None:
    backend = RecordingBackend(real_pauses=True)
    computer = RecordingComputer(backend=backend)
    computer.planner.timing = type(computer.planner.timing)(drag_step=0.2, drag_hold=0.2)
    errors: list[BaseException] = []
    pressed = threading.Event()
    original = backend.press_key

    def press_key(key: str) -> None:
        original(key)
        pressed.set()

    backend.press_key = press_key  # type: ignore[method-assign]

    def drag() -> None:
        try:
            run(
                computer,
                {"type": "drag", "path": [{"x": 0, "y": 0}, {"x": 600, "y": 0}], "keys": ["alt"]},
            )
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=drag)
    thread.start()
    assert pressed.wait(5)
    deadline = time.monotonic() + 5
    while "button:left" not in computer.held() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert computer.release_all() == ["button:left", "key:alt"]
    thread.join(5)
    assert len(errors) == 1 and isinstance(errors[0], ExecutionInterrupted)
    assert computer.held() == []
    assert backend.steps[-2:] == [ReleaseButton("left"), ReleaseKey("alt", "alt")]
    assert not any(isinstance(s, Pause) and s.seconds > 1 for s in backend.steps)
    computer.execute(Wait(seconds=0), MAPPING)  # the executor stays usable after the stop
