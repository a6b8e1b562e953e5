"""Overlay geometry (core/overlay.py): for every action type, the shapes and where they sit."""

from __future__ import annotations

import math

import pytest

from console_app.core.actions import build_action
from console_app.core.overlay import (
    MARK_RADIUS,
    SCROLL_ARROW_MAX,
    SCROLL_ARROW_MIN,
    SCROLL_ARROW_PER_UNIT,
    Arrow,
    Banner,
    ClickMarks,
    Crosshair,
    ImageSpace,
    KeyChips,
    ScrollArrow,
    TextBubble,
    overlay_for,
)
from console_app.core.proposal import ProposedAction

PIX = ImageSpace(1280, 720)
NORM = ImageSpace(1280, 720, normalized=True)


def shapes(action: dict, space: ImageSpace = PIX) -> tuple:
    return overlay_for(build_action(action), space).shapes


def test_click_is_a_crosshair_at_the_centre_of_the_model_pixel_with_the_button() -> None:
    (cross,) = shapes({"type": "click", "x": 100, "y": 200})
    assert cross == Crosshair(100.5, 200.5, "click")
    (right,) = shapes({"type": "click", "x": 5, "y": 6, "button": "right"})
    assert (right.x, right.y, right.label) == (5.5, 6.5, "right click")
    (rc,) = shapes({"type": "right_click", "x": 7, "y": 8})
    assert rc.label == "right click"


def test_normalized_coordinates_are_thousandths_of_the_image() -> None:
    (cross,) = shapes({"type": "click", "x": 500, "y": 250}, NORM)
    assert (cross.x, cross.y) == (640.0, 180.0)
    assert NORM.to_model(640.0, 180.0) == (500, 250)
    assert NORM.to_model(5000, -3) == (999, 0)  # clamped to the 0–999 range


def test_pixel_space_round_trip_names_the_cell_under_the_pointer() -> None:
    assert PIX.to_model(100.9, 200.0) == (100, 200)
    assert PIX.to_model(*PIX.to_image(321, 123)) == (321, 123)
    assert PIX.to_model(-4, 9999) == (0, 719)


@pytest.mark.parametrize(("kind", "count"), [("double_click", 2), ("triple_click", 3)])
def test_multi_clicks_have_numbered_marks_around_the_target(kind: str, count: int) -> None:
    cross, marks = shapes({"type": kind, "x": 300, "y": 400})
    assert isinstance(cross, Crosshair) and isinstance(marks, ClickMarks)
    assert (marks.x, marks.y) == (300.5, 400.5)
    assert [n for _, _, n in marks.marks] == list(range(1, count + 1))
    for mx, my, _ in marks.marks:
        assert math.hypot(mx - 300.5, my - 400.5) == pytest.approx(MARK_RADIUS)
    positions = {(round(mx), round(my)) for mx, my, _ in marks.marks}
    assert len(positions) == count  # distinct, not stacked
    assert all(my < 400.5 for _, my, _ in marks.marks)  # above the target, clear of the label
    assert [mx for mx, _, _ in marks.marks] == sorted(mx for mx, _, _ in marks.marks)


def test_drag_is_an_arrow_from_press_to_release() -> None:
    (arrow,) = shapes({"type": "drag", "path": [{"x": 10, "y": 20}, {"x": 300, "y": 40}]})
    assert isinstance(arrow, Arrow)
    assert arrow.points == ((10.5, 20.5), (300.5, 40.5))
    (multi,) = shapes(
        {"type": "drag", "path": [{"x": 1, "y": 1}, {"x": 50, "y": 1}, {"x": 50, "y": 90}]}, NORM
    )
    assert multi.points[-1] == (64.0, 64.8)
    assert "2 segments" in multi.label


def test_scroll_arrow_points_the_way_the_content_scrolls_and_grows_with_the_amount() -> None:
    (down,) = shapes({"type": "scroll", "x": 640, "y": 360, "scroll_y": 3})
    assert isinstance(down, ScrollArrow)
    assert (down.x, down.y, down.dx) == (640.5, 360.5, 0)
    assert down.dy == SCROLL_ARROW_MIN + 3 * SCROLL_ARROW_PER_UNIT
    assert down.label == "down 3" and not down.at_pointer
    (up,) = shapes({"type": "scroll", "x": 1, "y": 1, "scroll_y": -1})
    assert up.dy < 0 and up.label == "up 1"
    (huge,) = shapes({"type": "scroll", "x": 1, "y": 1, "scroll_y": 500})
    assert huge.dy == SCROLL_ARROW_MAX
    (right,) = shapes({"type": "hscroll", "x": 10, "y": 10, "scroll_x": 2})
    assert right.dx > 0 and right.dy == 0 and right.label == "right 2"
    (anywhere,) = shapes({"type": "scroll", "scroll_y": -2, "scroll_x": -1})
    assert anywhere.at_pointer and (anywhere.x, anywhere.y) == (640, 360)
    assert anywhere.dx < 0 and anywhere.dy < 0 and anywhere.label == "up 2, left 1"


def test_type_is_a_bubble_and_point_and_type_anchors_it_at_the_target() -> None:
    (bubble,) = shapes({"type": "type", "text": "hello world"})
    assert bubble == TextBubble("hello world", None)
    cross, anchored = shapes({"type": "point_and_type", "x": 20, "y": 30, "text": "x"})
    assert isinstance(cross, Crosshair) and anchored.anchor == (20.5, 30.5)


@pytest.mark.parametrize(
    ("kind", "verb"), [("keypress", "press"), ("key_down", "hold"), ("key_up", "release")]
)
def test_key_actions_are_chips_one_per_key(kind: str, verb: str) -> None:
    (chips,) = shapes({"type": kind, "keys": ["Control", "shift", "t"]})
    assert chips == KeyChips(verb, ("Ctrl", "Shift", "T"))


def test_navigate_shows_the_url_and_final_actions_a_banner() -> None:
    (banner,) = shapes({"type": "navigate", "url": "example.com/a"})
    assert banner == Banner("https://example.com/a", "url")
    (wait,) = shapes({"type": "wait", "seconds": 2})
    assert wait.text == "wait 2 s"
    (final,) = shapes({"type": "terminate", "status": "success", "result": "ok"})
    assert final.tone == "final" and "ok" in final.text


def test_a_non_executable_proposal_is_an_error_banner_not_a_target() -> None:
    proposal = ProposedAction(error="click action is missing the field 'y'", raw_type="click")
    overlay = overlay_for(proposal, PIX)
    assert overlay.of_type(Crosshair) == []
    (banner,) = overlay.shapes
    assert banner.tone == "error" and "missing the field 'y'" in banner.text


def test_targets_off_the_screenshot_are_flagged() -> None:
    overlay = overlay_for(build_action({"type": "click", "x": 2000, "y": 10}), PIX)
    assert overlay.outside and overlay.shapes[0].outside
    inside = overlay_for(build_action({"type": "click", "x": 1279, "y": 719}), PIX)
    assert not inside.outside
    drag = overlay_for(
        build_action({"type": "drag", "path": [{"x": 1, "y": 1}, {"x": 1, "y": 900}]}), PIX
    )
    assert drag.outside


def test_image_space_reads_the_capture_mapping() -> None:
    from tests.fakes import FakeShot, fake_mapping

    def shot(normalized: bool) -> FakeShot:
        return FakeShot(b"jpeg", "image/jpeg", 320, 200, fake_mapping(320, 200, normalized))

    assert ImageSpace.of(shot(False)) == ImageSpace(320, 200, False)
    assert ImageSpace.of(shot(True)).normalized
