"""Planning, refusals and hold tracking, through the recording computer (no display)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from console_app.api.normalize import normalize_action
from console_app.capture.mapping import ViewportMapping
from console_app.capture.monitors import Monitor
from console_app.core.actions import (
    ACTION_TYPES,
    Action,
    Answer,
    Click,
    Done,
    DoubleClick,
    HScroll,
    KeyDown,
    Keypress,
    KeyUp,
    MouseDown,
    MouseUp,
    Move,
    Navigate,
    PointAndType,
    RightClick,
    Screenshot,
    Scroll,
    Terminate,
    TripleClick,
    TypeText,
    Wait,
    build_action,
)
from console_app.executor import (
    ActionRefused,
    Computer,
    ExecutionError,
    ExecutionInterrupted,
    RecordingBackend,
    RecordingComputer,
    Timing,
    wheel_notches,
)
from console_app.executor.backend import (
    MoveTo,
    OpenUrl,
    Pause,
    PressButton,
    PressKey,
    ReleaseButton,
    ReleaseKey,
    Step,
    Wheel,
    WriteText,
)

MONITOR = Monitor(index=2, left=-1920, top=0, width=1920, height=1080, scale=1.25)
MAPPING = ViewportMapping(1280, 720, MONITOR)  # 1.5 screen px per model px


def inputs(steps: list[Step] | tuple[Step, ...]) -> list[Step]:
    """Steps without the pauses (timing is not what these tests are about)."""
    return [step for step in steps if not isinstance(step, Pause)]


def act(computer: RecordingComputer, data: dict[str, Any], **kwargs: Any) -> list[Step]:
    before = len(computer.steps)
    computer.execute(build_action(normalize_action(data)), MAPPING, **kwargs)
    return inputs(computer.steps[before:])


@pytest.fixture
def computer() -> RecordingComputer:
    return RecordingComputer(backend=RecordingBackend(pointer=(-960, 540)))


def test_is_a_computer(computer: RecordingComputer) -> None:
    assert isinstance(computer, Computer)


# -- pointer ----------------------------------------------------------------------------------


def test_click_maps_and_presses_the_button(computer: RecordingComputer) -> None:
    result = computer.execute(Click(x=640, y=360), MAPPING)
    assert result.ok and result.screen_points == ((-960, 540),)
    assert "(-960, 540)" in result.detail
    assert inputs(computer.steps) == [
        MoveTo(-960, 540),
        PressButton("left"),
        ReleaseButton("left"),
    ]
    assert computer.records[0].screen_points == ((-960, 540),)
    assert computer.held() == []


@pytest.mark.parametrize("button", ["left", "right", "middle", "back", "forward"])
def test_click_with_every_button(computer: RecordingComputer, button: str) -> None:
    steps = act(computer, {"type": "click", "x": 0, "y": 0, "button": button})
    assert steps == [MoveTo(-1920, 0), PressButton(button), ReleaseButton(button)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("action", "button", "count"),
    [
        (DoubleClick(x=10, y=10), "left", 2),
        (TripleClick(x=10, y=10), "left", 3),
        (RightClick(x=10, y=10), "right", 1),
    ],
)
def test_multi_clicks(computer: RecordingComputer, action: Action, button: str, count: int) -> None:
    computer.execute(action, MAPPING)
    steps = inputs(computer.steps)
    assert steps[0] == MoveTo(-1905, 15)
    assert steps[1:] == [PressButton(button), ReleaseButton(button)] * count  # type: ignore[arg-type]


def test_multi_clicks_pause_between_clicks() -> None:
    computer = RecordingComputer(timing=Timing())  # the desktop's timing, not the instant one
    computer.execute(TripleClick(x=10, y=10), MAPPING)
    pauses = [s.seconds for s in computer.steps if isinstance(s, Pause)]
    assert pauses == [0.02, 0.03, 0.03]


def test_move_and_mouse_down_up_track_the_button(computer: RecordingComputer) -> None:
    assert act(computer, {"type": "move", "x": 100, "y": 100}) == [MoveTo(-1770, 150)]
    assert act(computer, {"type": "mouse_down", "x": 100, "y": 100, "button": "right"}) == [
        MoveTo(-1770, 150),
        PressButton("right"),
    ]
    assert computer.held() == ["button:right"]
    with pytest.raises(ActionRefused, match="already held"):
        computer.execute(RightClick(x=5, y=5), MAPPING)
    assert act(computer, {"type": "mouse_up", "x": 200, "y": 100, "button": "right"}) == [
        MoveTo(-1620, 150),
        ReleaseButton("right"),
    ]
    assert computer.held() == []


def test_mouse_up_without_a_hold_still_releases_and_says_so(computer: RecordingComputer) -> None:
    result = computer.execute(MouseUp(x=1, y=1), MAPPING)
    assert "was not held" in result.detail
    assert inputs(computer.steps)[-1] == ReleaseButton("left")


@pytest.mark.parametrize(
    "wire",
    [
        {"type": "drag", "x": 10, "y": 20, "end_x": 110, "end_y": 220},
        {"type": "drag", "path": [{"x": 10, "y": 20}, {"x": 110, "y": 220}]},
        {"type": "drag", "path": [[10, 20], [110, 220]]},
        {"type": "drag", "x1": 10, "y1": 20, "x2": 110, "y2": 220},
    ],
    ids=["end_xy", "path_objects", "path_pairs", "x1y1x2y2"],
)
def test_drag_wire_shapes_press_move_release(computer: RecordingComputer, wire: dict) -> None:
    steps = act(computer, wire)
    start, end = MAPPING.to_screen(10, 20), MAPPING.to_screen(110, 220)
    assert steps[0] == MoveTo(*start)
    assert steps[1] == PressButton("left")
    assert steps[-1] == ReleaseButton("left")
    moves = steps[2:-1]
    assert all(isinstance(s, MoveTo) for s in moves)
    assert moves[-1] == MoveTo(*end)
    assert len(moves) >= 10  # interpolated: applications see motion, not a jump
    xs = [s.x for s in moves if isinstance(s, MoveTo)]
    assert xs == sorted(xs)
    assert computer.records[-1].screen_points == (start, end)
    assert computer.held() == []


def test_drag_through_a_path_visits_every_point(computer: RecordingComputer) -> None:
    points = [(10, 10), (300, 10), (300, 300), (20, 300)]
    act(computer, {"type": "drag", "path": [{"x": x, "y": y} for x, y in points]})
    visited = [(s.x, s.y) for s in computer.steps if isinstance(s, MoveTo)]
    for point in points:
        assert MAPPING.to_screen(*point) in visited


def test_drag_while_the_left_button_is_held_is_refused(computer: RecordingComputer) -> None:
    computer.execute(MouseDown(x=1, y=1), MAPPING)
    with pytest.raises(ActionRefused, match="already held"):
        act(computer, {"type": "drag", "x": 1, "y": 1, "end_x": 50, "end_y": 50})


# -- scroll -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "notches"),
    [
        (100, 100, 1),
        (250, 100, 3),  # halves round up
        (249, 100, 2),
        (1, 100, 1),  # never zero for a non-zero amount
        (-1, 100, -1),
        (-300, 100, -3),
        (3, 1, 3),
        (0, 100, 0),
        (120, 120, 1),
    ],
)
def test_wheel_notches(amount: int, unit: int, notches: int) -> None:
    assert wheel_notches(amount, unit) == notches


def test_scroll_directions_and_units() -> None:
    computer = RecordingComputer(scroll_unit_px=50)
    computer.execute(Scroll(x=10, y=10, scroll_y=150), MAPPING)
    computer.execute(Scroll(x=10, y=10, scroll_y=-50, scroll_x=100), MAPPING)
    computer.execute(HScroll(x=10, y=10, scroll_x=-20), MAPPING)
    wheels = [s for s in computer.steps if isinstance(s, Wheel)]
    assert wheels == [Wheel(down=3), Wheel(down=-1, right=2), Wheel(right=-1)]
    assert "3 notches down" in computer.execute(Scroll(x=1, y=1, scroll_y=150), MAPPING).detail


def test_scroll_without_position_uses_the_pointer(computer: RecordingComputer) -> None:
    result = computer.execute(Scroll(scroll_y=100), MAPPING)
    assert result.screen_points == ((-960, 540),)
    assert inputs(computer.steps) == [Wheel(down=1)]


def test_scroll_without_position_refuses_a_pointer_off_the_monitor() -> None:
    computer = RecordingComputer(backend=RecordingBackend(pointer=(100, 100)))
    with pytest.raises(ActionRefused, match="outside the captured area"):
        computer.execute(Scroll(scroll_y=100), MAPPING)
    assert computer.steps == []


def test_scroll_without_position_refuses_a_pointer_on_the_console(
    computer: RecordingComputer,
) -> None:
    with pytest.raises(ActionRefused, match="protected area"):
        computer.execute(Scroll(scroll_y=100), MAPPING, forbidden=[(-1000, 500, 100, 100)])
    assert computer.steps == []


def test_absurd_scroll_is_refused(computer: RecordingComputer) -> None:
    with pytest.raises(ActionRefused, match="exceeds the limit"):
        computer.execute(Scroll(x=1, y=1, scroll_y=1_000_000), MAPPING)
    assert computer.steps == []


# -- keyboard ---------------------------------------------------------------------------------


def test_text_with_line_breaks_becomes_enter_presses(computer: RecordingComputer) -> None:
    computer.execute(TypeText(text="one\ntwo\r\n\rthree 😀"), MAPPING)
    assert inputs(computer.steps) == [
        WriteText("one"),
        PressKey("enter", "enter"),
        ReleaseKey("enter", "enter"),
        WriteText("two"),
        PressKey("enter", "enter"),
        ReleaseKey("enter", "enter"),
        PressKey("enter", "enter"),
        ReleaseKey("enter", "enter"),
        WriteText("three 😀"),
    ]


@pytest.mark.parametrize("text", ["bell\x07", "nul\x00", "c1\x85control"])
def test_control_characters_are_refused(computer: RecordingComputer, text: str) -> None:
    with pytest.raises(ActionRefused, match="control character"):
        computer.execute(TypeText(text=text), MAPPING)
    assert computer.steps == []


def test_point_and_type_clicks_then_types(computer: RecordingComputer) -> None:
    computer.execute(PointAndType(x=0, y=0, text="hi\tthere"), MAPPING)
    assert inputs(computer.steps) == [
        MoveTo(-1920, 0),
        PressButton("left"),
        ReleaseButton("left"),
        WriteText("hi\tthere"),
    ]


def test_keypress_presses_in_order_and_releases_in_reverse(computer: RecordingComputer) -> None:
    steps = act(computer, {"type": "key", "keys": "CTRL+Shift+ArrowDown"})
    assert steps == [
        PressKey("ctrl", "ctrl"),
        PressKey("shift", "shift"),
        PressKey("down", "down"),
        ReleaseKey("down", "down"),
        ReleaseKey("shift", "shift"),
        ReleaseKey("ctrl", "ctrl"),
    ]
    assert computer.held() == []


def test_key_down_holds_until_key_up_or_release_all(computer: RecordingComputer) -> None:
    act(computer, {"type": "key_down", "keys": ["shift"]})
    act(computer, {"type": "key_down", "keys": ["Control", "alt"]})
    assert computer.held() == ["key:shift", "key:ctrl", "key:alt"]
    # a chord that includes a held key does not press or release it again
    steps = act(computer, {"type": "keypress", "keys": ["shift", "tab"]})
    assert steps == [PressKey("tab", "tab"), ReleaseKey("tab", "tab")]
    assert computer.held() == ["key:shift", "key:ctrl", "key:alt"]
    act(computer, {"type": "key_up", "keys": ["ctrl"]})
    assert computer.held() == ["key:shift", "key:alt"]
    act(computer, {"type": "mouse_down", "x": 5, "y": 5})
    before = len(computer.steps)
    assert computer.release_all() == ["button:left", "key:alt", "key:shift"]
    assert computer.steps[before:] == [
        ReleaseButton("left"),
        ReleaseKey("alt", "alt"),
        ReleaseKey("shift", "shift"),
    ]
    assert computer.held() == [] and computer.release_all() == []


def test_key_down_of_a_held_key_is_not_pressed_twice(computer: RecordingComputer) -> None:
    computer.execute(KeyDown(keys=["shift"]), MAPPING)
    before = len(computer.steps)
    computer.execute(KeyDown(keys=["shift"]), MAPPING)
    assert computer.steps[before:] == []
    computer.execute(KeyUp(keys=["shift"]), MAPPING)
    assert computer.held() == []


def test_unknown_key_refuses_the_whole_chord(computer: RecordingComputer) -> None:
    action = Keypress.model_construct(type="keypress", keys=["ctrl", "hyper_l"])
    with pytest.raises(ActionRefused, match="unknown key 'hyper_l'"):
        computer.execute(action, MAPPING)
    assert computer.steps == [] and computer.held() == []


def test_key_the_backend_cannot_press_refuses_before_anything() -> None:
    computer = RecordingComputer(backend=RecordingBackend(unpressable={"volumeup"}))
    with pytest.raises(ActionRefused, match="'volumeup' cannot be pressed"):
        computer.execute(KeyDown(keys=["shift", "volumeup"]), MAPPING)
    assert computer.steps == [] and computer.held() == []


# -- refusals for targets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        Click(x=1280, y=10),
        Click(x=-1, y=10),
        Move(x=10, y=720),
        PointAndType(x=2000, y=10, text="x"),
        MouseDown(x=10, y=-5),
    ],
)
def test_out_of_screen_is_refused_before_anything(computer: RecordingComputer, action) -> None:
    with pytest.raises(ActionRefused, match="outside"):
        computer.execute(action, MAPPING)
    assert computer.steps == [] and computer.records == []


def test_one_bad_drag_point_refuses_the_whole_drag(computer: RecordingComputer) -> None:
    with pytest.raises(ActionRefused, match="outside"):
        act(computer, {"type": "drag", "path": [[1, 1], [50, 50], [5000, 5]]})
    assert computer.steps == []


def test_normalized_space_refuses_1000(computer: RecordingComputer) -> None:
    mapping = MAPPING.with_coordinates("normalized")
    computer.execute(Click(x=999, y=0), mapping)
    with pytest.raises(ActionRefused, match="0–999"):
        computer.execute(Click(x=1000, y=0), mapping)


def test_forbidden_rectangles_are_refused(computer: RecordingComputer) -> None:
    console = (-1000, 100, 400, 300)  # absolute screen pixels
    x, y = MAPPING.to_model(-900, 200)
    with pytest.raises(ActionRefused, match="protected area"):
        computer.execute(Click(x=x, y=y), MAPPING, forbidden=[console])
    with pytest.raises(ActionRefused, match="protected area"):
        act(computer, {"type": "drag", "path": [[1, 1], [x, y]]}, forbidden=[console])
    assert computer.steps == []
    # just outside the rectangle (half-open edges) is fine
    ox, oy = MAPPING.to_model(-600, 200)
    computer.execute(Click(x=ox, y=oy), MAPPING, forbidden=[console])
    assert inputs(computer.steps)[0] == MoveTo(-600, 200)


def test_failsafe_corners_are_refused() -> None:
    computer = RecordingComputer(backend=RecordingBackend(failsafe_points={(-1920, 0)}))
    with pytest.raises(ActionRefused, match="fail-safe"):
        computer.execute(Click(x=0, y=0), MAPPING)


def test_unsupported_button_is_refused() -> None:
    computer = RecordingComputer(backend=RecordingBackend(unsupported_buttons={"back"}))
    with pytest.raises(ActionRefused, match="back mouse button"):
        act(computer, {"type": "click", "x": 1, "y": 1, "button": "back"})


# -- navigate, wait, final ---------------------------------------------------------------------


def test_navigate_in_a_browser_types_into_the_address_bar() -> None:
    computer = RecordingComputer(environment="browser")
    computer.execute(Navigate(url="example.com/ä"), MAPPING)
    assert inputs(computer.steps) == [
        PressKey("ctrl", "ctrl"),
        PressKey("l", "l"),
        ReleaseKey("l", "l"),
        ReleaseKey("ctrl", "ctrl"),
        WriteText("https://example.com/ä"),
        PressKey("enter", "enter"),
        ReleaseKey("enter", "enter"),
    ]


def test_navigate_on_the_desktop_opens_http_only(computer: RecordingComputer) -> None:
    computer.execute(Navigate(url="http://example.com"), MAPPING)
    assert inputs(computer.steps) == [OpenUrl("http://example.com")]
    sneaky = Navigate.model_construct(type="navigate", url="file:///etc/passwd")
    with pytest.raises(ActionRefused, match="only http"):
        computer.execute(sneaky, MAPPING)


@pytest.mark.parametrize(("seconds", "expected"), [(None, 1.0), (2.5, 2.5), (0, 0.0), (60, 60.0)])
def test_wait_sleeps(computer: RecordingComputer, seconds, expected) -> None:
    computer.execute(Wait(seconds=seconds), MAPPING)
    assert computer.steps == ([Pause(expected)] if expected else [])


@pytest.mark.parametrize(
    "action",
    [Screenshot(), Terminate(status="success", result="ok"), Answer(result="42"), Done()],
)
def test_no_input_actions_succeed_without_steps(computer: RecordingComputer, action) -> None:
    result = computer.execute(action, MAPPING)
    assert result.ok and result.screen_points == ()
    assert computer.steps == []
    assert ("final" in result.detail) == (action.type != "screenshot")


def test_every_action_type_is_handled(computer: RecordingComputer) -> None:
    examples: dict[str, dict[str, Any]] = {
        "click": {"x": 1, "y": 1},
        "double_click": {"x": 1, "y": 1},
        "triple_click": {"x": 1, "y": 1},
        "right_click": {"x": 1, "y": 1},
        "move": {"x": 1, "y": 1},
        "mouse_down": {"x": 1, "y": 1},
        "mouse_up": {"x": 1, "y": 1},
        "drag": {"path": [{"x": 1, "y": 1}, {"x": 9, "y": 9}]},
        "scroll": {"x": 1, "y": 1, "scroll_y": 5},
        "hscroll": {"x": 1, "y": 1, "scroll_x": 5},
        "type": {"text": "a"},
        "point_and_type": {"x": 1, "y": 1, "text": "a"},
        "keypress": {"keys": ["a"]},
        "key_down": {"keys": ["a"]},
        "key_up": {"keys": ["a"]},
        "navigate": {"url": "https://a.example"},
        "wait": {"seconds": 0},
        "screenshot": {},
        "terminate": {},
        "answer": {"result": "x"},
        "done": {},
    }
    assert set(examples) == set(ACTION_TYPES)
    for kind in ACTION_TYPES:
        result = computer.execute(build_action({"type": kind, **examples[kind]}), MAPPING)
        assert result.ok, kind
    assert computer.held() == []


# -- failures, interruption, close ------------------------------------------------------------


def test_failure_half_way_releases_what_was_held() -> None:
    backend = RecordingBackend(fail_on=lambda step: step == PressKey("c", "c"))
    computer = RecordingComputer(backend=backend)
    computer.execute(MouseDown(x=1, y=1), MAPPING)
    with pytest.raises(ExecutionError) as failed:
        computer.execute(Keypress(keys=["ctrl", "shift", "c"]), MAPPING)
    assert failed.value.released == ["key:c", "key:shift", "key:ctrl", "button:left"]
    assert failed.value.steps_done == 2
    assert computer.held() == []
    assert inputs(backend.steps)[-3:] == [
        ReleaseKey("shift", "shift"),
        ReleaseKey("ctrl", "ctrl"),
        ReleaseButton("left"),
    ]


def test_release_all_interrupts_a_long_wait() -> None:
    computer = RecordingComputer(backend=RecordingBackend(real_pauses=True))
    computer.execute(KeyDown(keys=["shift"]), MAPPING)
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            computer.execute(Wait(seconds=30), MAPPING)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=wait)
    started = time.monotonic()
    thread.start()
    time.sleep(0.1)
    assert computer.release_all() == ["key:shift"]
    thread.join(5)
    assert time.monotonic() - started < 2
    assert len(errors) == 1 and isinstance(errors[0], ExecutionInterrupted)


def test_an_action_waiting_for_the_lock_when_stop_comes_is_refused() -> None:
    computer = RecordingComputer()
    outcome: list[BaseException | str] = []
    computer._lock.acquire()  # another action is running
    try:

        def run() -> None:
            try:
                computer.execute(Click(x=1, y=1), MAPPING)
                outcome.append("ran")
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.1)
        computer._interrupt()  # what release_all does first
    finally:
        computer._lock.release()
    thread.join(5)
    assert isinstance(outcome[0], ActionRefused)
    assert computer.steps == []


def test_close_releases_and_refuses_later_actions() -> None:
    backend = RecordingBackend()
    computer = RecordingComputer(backend=backend)
    computer.execute(KeyDown(keys=["meta"]), MAPPING)
    computer.close()
    assert backend.closed and computer.held() == []
    assert backend.steps[-1] == ReleaseKey("win", "win")
    with pytest.raises(ActionRefused, match="closed"):
        computer.execute(Click(x=1, y=1), MAPPING)
    computer.close()  # idempotent


def test_logical_input_space_sends_logical_coordinates() -> None:
    retina = Monitor(index=1, left=0, top=0, width=2880, height=1800, scale=2.0)
    mapping = ViewportMapping(1440, 900, retina, input_space="logical")
    computer = RecordingComputer()
    result = computer.execute(Click(x=720, y=450), mapping)
    assert result.screen_points == ((720, 450),)
    # forbidden rectangles are in screen (physical) pixels
    with pytest.raises(ActionRefused, match="protected area"):
        computer.execute(Click(x=720, y=450), mapping, forbidden=[(1400, 880, 100, 100)])


def test_an_unknown_action_object_is_refused(computer: RecordingComputer) -> None:
    class Teleport:
        type = "teleport"

    with pytest.raises(ActionRefused, match="cannot run 'teleport'"):
        computer.execute(Teleport(), MAPPING)  # type: ignore[arg-type]
    assert computer.steps == []
