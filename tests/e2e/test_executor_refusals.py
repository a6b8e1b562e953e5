"""Refused actions send nothing at all: the target app logs no input after a refusal (Xvfb)."""

from __future__ import annotations

import subprocess

import pytest

from console_app.capture.mapping import ViewportMapping
from console_app.capture.monitors import Monitor
from console_app.core.action_fields import Point
from console_app.core.actions import (
    Action,
    Click,
    Drag,
    KeyDown,
    Keypress,
    Move,
    PointAndType,
    Scroll,
    TypeText,
)
from console_app.executor.desktop import DesktopComputer
from console_app.executor.outcomes import ActionRefused, FailSafeTriggered
from tests.e2e.conftest import TargetApp

pytestmark = pytest.mark.e2e


def assert_refused_silently(
    target: TargetApp,
    desktop: DesktopComputer,
    action: Action,
    mapping: ViewportMapping,
    reason: str,
    forbidden: tuple[tuple[int, int, int, int], ...] = (),
) -> None:
    pointer_before = desktop.backend.position()
    with pytest.raises(ActionRefused) as refused:
        desktop.execute(action, mapping, forbidden=forbidden)
    assert reason in refused.value.reason
    target.sync(settle=0.3)
    assert target.input_events() == [], "input reached the app after a refusal"
    assert [e for e in target.events() if e["event"] != "ack"] == []
    assert desktop.backend.position() == pointer_before
    assert desktop.held() == []


@pytest.mark.parametrize(
    ("x", "y"),
    [(1920, 500), (500, 1080), (-1, 10), (10, -0.5)],
    ids=["right", "below", "left", "above"],
)
def test_out_of_screen_targets_are_refused(
    x: float,
    y: float,
    target: TargetApp,
    desktop: DesktopComputer,
    screen_mapping: ViewportMapping,
) -> None:
    assert_refused_silently(target, desktop, Click(x=x, y=y), screen_mapping, "outside")


def test_out_of_range_normalized_target_is_refused(
    target: TargetApp, desktop: DesktopComputer, monitor: Monitor
) -> None:
    mapping = ViewportMapping(1280, 720, monitor, coordinates="normalized")
    assert_refused_silently(target, desktop, Click(x=1000, y=500), mapping, "outside")


def test_a_drag_with_one_point_off_screen_sends_nothing(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    box = target.rect("drag_box")
    path = [Point(x=box.left + 5, y=box.top + 5), Point(x=400, y=400), Point(x=2500, y=400)]
    assert_refused_silently(target, desktop, Drag(path=path), screen_mapping, "outside")


def test_targets_on_a_forbidden_rectangle_are_refused(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    """The console passes its own window as forbidden: here the OK button plays that part."""
    ok = target.rect("ok_button").as_tuple()
    x, y = target.center("ok_button")
    assert_refused_silently(
        target, desktop, Click(x=x, y=y), screen_mapping, "protected area", forbidden=(ok,)
    )
    assert_refused_silently(
        target,
        desktop,
        PointAndType(x=x, y=y, text="nope"),
        screen_mapping,
        "protected area",
        forbidden=(ok,),
    )


def test_scroll_without_position_over_a_forbidden_rectangle_is_refused(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    area = target.rect("scroll_area")
    x, y = target.center("scroll_area")
    desktop.execute(Move(x=x, y=y), screen_mapping)
    target.mark(settle=0.1)
    assert_refused_silently(
        target,
        desktop,
        Scroll(scroll_y=300),
        screen_mapping,
        "protected area",
        forbidden=(area.as_tuple(),),
    )


def test_unknown_key_refuses_the_whole_chord_before_pressing_anything(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    # The Action model canonicalises keys, so an unknown one can only arrive constructed
    # without validation; the executor must still refuse it before pressing "ctrl".
    action = Keypress.model_construct(type="keypress", keys=["ctrl", "hyperspace"])
    assert_refused_silently(target, desktop, action, screen_mapping, "unknown key")


def test_key_without_a_keycode_on_this_display_is_refused(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    # pyautogui has no X11 keycode for media keys; it would silently press nothing.
    action = Keypress(keys=["shift", "volumeup"])
    assert_refused_silently(target, desktop, action, screen_mapping, "cannot be pressed")


def test_control_characters_in_text_are_refused(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    assert_refused_silently(
        target, desktop, TypeText(text="bell\x07"), screen_mapping, "control character"
    )


def test_a_failsafe_corner_is_never_targeted(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    assert_refused_silently(target, desktop, Click(x=0, y=0), screen_mapping, "fail-safe")
    assert_refused_silently(target, desktop, Click(x=1919, y=1079), screen_mapping, "fail-safe")


def test_the_failsafe_stays_on_and_held_input_is_still_released(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    """A human slams the pointer into a corner: the next action fails, nothing is clicked, and
    the held Shift is released anyway."""
    desktop.execute(KeyDown(keys=["shift"]), screen_mapping)
    subprocess.run(["xdotool", "mousemove", "0", "0"], check=True)
    target.mark(settle=0.1)
    x, y = target.center("ok_button")
    with pytest.raises(FailSafeTriggered) as stopped:
        desktop.execute(Click(x=x, y=y), screen_mapping)
    assert stopped.value.released == ["key:shift"]
    assert desktop.held() == []
    target.sync()
    assert target.events("press") == [] and target.events("clicked") == []
    subprocess.run(["xdotool", "mousemove", "960", "540"], check=True)
