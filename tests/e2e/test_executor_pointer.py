"""Real pointer input from `DesktopComputer` lands where and how the action says (Xvfb)."""

from __future__ import annotations

from typing import Any

import pytest

from console_app.api.normalize import normalize_action
from console_app.capture.mapping import ViewportMapping
from console_app.capture.monitors import Monitor
from console_app.core.actions import (
    Click,
    DoubleClick,
    HScroll,
    MouseDown,
    MouseUp,
    Move,
    RightClick,
    Scroll,
    TripleClick,
    build_action,
)
from console_app.executor.desktop import DesktopComputer
from tests.e2e.conftest import TargetApp

pytestmark = pytest.mark.e2e


def presses(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Button presses as Qt reports them: a second press within the double-click time is a
    ``dblclick`` event instead of a ``press``."""
    return [e for e in events if e["event"] in ("press", "dblclick")]


def assert_inside(event: dict[str, Any], target: TargetApp, name: str) -> None:
    rect = target.rect(name)
    x, y = event["global_pos"]
    assert rect.contains(x, y), f"{event['event']} at {(x, y)} is not inside {name} {rect}"
    assert event["widget"] == name


def test_click_lands_inside_the_intended_button(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    x, y = target.center("ok_button")
    result = desktop.execute(Click(x=x, y=y), screen_mapping)
    target.sync()

    assert result.ok and result.screen_points == ((x, y),)
    (press,) = presses(target.input_events())
    (release,) = target.events("release")
    assert_inside(press, target, "ok_button")
    assert press["global_pos"] == [x, y] and press["button"] == "left"
    assert release["global_pos"] == [x, y] and release["button"] == "left"
    assert [e["widget"] for e in target.events("clicked")] == ["ok_button"]


def test_click_in_a_scaled_viewport_lands_on_the_mapped_pixel(
    target: TargetApp, desktop: DesktopComputer, monitor: Monitor
) -> None:
    """A 1280×720 model view of the 1920×1080 screen: aim at the Submit button's centre as the
    model would see it, and the press lands at the exact pixel the mapping promises."""
    mapping = ViewportMapping(1280, 720, monitor)
    mx, my = mapping.to_model(*target.center("submit_button"))
    mx, my = round(mx), round(my)
    expected = mapping.to_screen(mx, my)

    desktop.execute(Click(x=mx, y=my), mapping)
    target.sync()

    (press,) = presses(target.input_events())
    assert_inside(press, target, "submit_button")
    assert tuple(press["global_pos"]) == expected
    assert [e["widget"] for e in target.events("clicked")] == ["submit_button"]


def test_normalized_click_lands_on_the_mapped_pixel(
    target: TargetApp, desktop: DesktopComputer, monitor: Monitor
) -> None:
    mapping = ViewportMapping(1280, 720, monitor, coordinates="normalized")
    cx, cy = target.center("ok_button")
    vx, vy = round(cx * 1000 / monitor.width), round(cy * 1000 / monitor.height)

    desktop.execute(Click(x=vx, y=vy), mapping)
    target.sync()

    (press,) = presses(target.input_events())
    assert_inside(press, target, "ok_button")
    assert tuple(press["global_pos"]) == (vx * monitor.width // 1000, vy * monitor.height // 1000)


@pytest.mark.parametrize("button", ["right", "middle", "back", "forward"])
def test_click_with_every_button(
    button: str, target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    x, y = target.center("drag_area")
    action = build_action(normalize_action({"type": "click", "x": x, "y": y, "button": button}))
    desktop.execute(action, screen_mapping)
    target.sync()

    events = target.input_events()
    (press,) = presses(events)
    (release,) = target.events("release")
    assert press["button"] == release["button"] == button
    assert press["global_pos"] == release["global_pos"] == [x, y]
    assert press["widget"] == "drag_area"


def test_right_click_action(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    x, y = target.center("drag_area")
    desktop.execute(RightClick(x=x, y=y), screen_mapping)
    target.sync()
    assert [e["button"] for e in presses(target.input_events())] == ["right"]
    assert [e["button"] for e in target.events("release")] == ["right"]


@pytest.mark.parametrize(
    ("action_type", "count"), [(DoubleClick, 2), (TripleClick, 3)], ids=["double", "triple"]
)
def test_double_and_triple_click(
    action_type: type[DoubleClick] | type[TripleClick],
    count: int,
    target: TargetApp,
    desktop: DesktopComputer,
    screen_mapping: ViewportMapping,
) -> None:
    target.focus("line_edit")
    target.mark()
    x, y = target.center("line_edit")
    desktop.execute(action_type(x=x, y=y), screen_mapping)
    target.sync()

    events = presses(target.input_events())
    assert len(events) == count
    assert [e["event"] for e in events][:2] == ["press", "dblclick"]
    assert all(e["global_pos"] == [x, y] and e["widget"] == "line_edit" for e in events)
    assert len(target.events("release")) == count
    # Within the double-click time: Qt turned the second press into a double click.
    assert events[-1]["t"] - events[0]["t"] < target.geometry["double_click_ms"] / 1000


def test_move_moves_the_pointer_without_pressing(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    x, y = target.center("drag_area")
    result = desktop.execute(Move(x=x, y=y), screen_mapping)
    target.sync()

    moves = target.events("move")
    assert moves and moves[-1]["global_pos"] == [x, y]
    assert all(e["buttons"] == [] for e in moves)
    assert presses(target.input_events()) == []
    assert result.screen_points == ((x, y),)


def test_mouse_down_then_mouse_up_are_a_real_press_and_release(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    box = target.rect("drag_box")
    start = (box.left + 10, box.top + 10)
    end = (start[0] + 200, start[1] + 120)

    desktop.execute(MouseDown(x=start[0], y=start[1]), screen_mapping)
    assert desktop.held() == ["button:left"]
    desktop.execute(MouseUp(x=end[0], y=end[1]), screen_mapping)
    assert desktop.held() == []
    target.sync()

    (press,) = target.events("press")
    (release,) = target.events("release")
    assert press["global_pos"] == list(start) and press["widget"] == "drag_area"
    assert release["global_pos"] == list(end)
    (dropped,) = target.events("dropped")
    assert dropped["box_global"][:2] == [box.left + 200, box.top + 120]


@pytest.mark.parametrize(
    "shape",
    ["end_xy", "path", "x1y1x2y2"],
)
def test_drag_all_three_wire_shapes(
    shape: str, target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    box = target.rect("drag_box")
    sx, sy = box.left + 30, box.top + 30
    mid = (sx + 150, sy + 20)
    ex, ey = sx + 300, sy + 140
    wire: dict[str, Any] = {
        "end_xy": {"type": "drag", "x": sx, "y": sy, "end_x": ex, "end_y": ey},
        "path": {
            "type": "drag",
            "path": [{"x": sx, "y": sy}, {"x": mid[0], "y": mid[1]}, {"x": ex, "y": ey}],
        },
        "x1y1x2y2": {"type": "drag", "x1": sx, "y1": sy, "x2": ex, "y2": ey},
    }[shape]
    result = desktop.execute(build_action(normalize_action(wire)), screen_mapping)
    target.sync()

    events = target.input_events()
    (press,) = [e for e in events if e["event"] == "press"]
    (release,) = [e for e in events if e["event"] == "release"]
    assert press["global_pos"] == [sx, sy] and press["button"] == "left"
    assert release["global_pos"] == [ex, ey] and release["button"] == "left"
    between = [e for e in events if press["seq"] < e["seq"] < release["seq"]]
    assert between and all(e["event"] == "move" for e in between)
    assert all(e["buttons"] == ["left"] for e in between)
    assert len(between) >= 10  # interpolated motion, not a jump
    if shape == "path":
        assert mid in [tuple(e["global_pos"]) for e in between]
    (dropped,) = target.events("dropped")
    assert dropped["box_global"][:2] == [box.left + 300, box.top + 140]
    assert result.screen_points[0] == (sx, sy) and result.screen_points[-1] == (ex, ey)


def test_scroll_direction_and_notches(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    """scroll_y > 0 scrolls down; 300 px at 100 px per notch is three wheel notches."""
    x, y = target.center("scroll_area")
    desktop.execute(Scroll(x=x, y=y, scroll_y=300), screen_mapping)
    target.sync()
    wheels = target.events("wheel")
    assert [e["angle"] for e in wheels] == [[0, -120]] * 3
    assert all(e["global_pos"] == [x, y] for e in wheels)
    down = [e["value"] for e in target.events("scrolled") if e["axis"] == "y"]
    assert down and down[-1] > 0

    target.mark()
    desktop.execute(Scroll(x=x, y=y, scroll_y=-100), screen_mapping)
    target.sync()
    assert [e["angle"] for e in target.events("wheel")] == [[0, 120]]
    up = [e["value"] for e in target.events("scrolled") if e["axis"] == "y"]
    assert up and up[-1] < down[-1]


def test_hscroll_and_horizontal_scroll_direction(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    """scroll_x > 0 scrolls right (Qt reports a negative horizontal angle for that)."""
    x, y = target.center("scroll_area")
    desktop.execute(HScroll(x=x, y=y, scroll_x=200), screen_mapping)
    target.sync()
    assert [e["angle"] for e in target.events("wheel")] == [[-120, 0]] * 2
    right = [e["value"] for e in target.events("scrolled") if e["axis"] == "x"]
    assert right and right[-1] > 0

    target.mark()
    desktop.execute(Scroll(x=x, y=y, scroll_x=-100), screen_mapping)
    target.sync()
    assert [e["angle"] for e in target.events("wheel")] == [[120, 0]]
    left = [e["value"] for e in target.events("scrolled") if e["axis"] == "x"]
    assert left and left[-1] < right[-1]


def test_scroll_without_position_scrolls_where_the_pointer_is(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    x, y = target.center("scroll_area")
    desktop.execute(Move(x=x, y=y), screen_mapping)
    result = desktop.execute(Scroll(scroll_y=100), screen_mapping)
    target.sync()
    assert result.screen_points == ((x, y),)
    assert [e["angle"] for e in target.events("wheel")] == [[0, -120]]
