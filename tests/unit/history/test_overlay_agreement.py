"""The report draws the console's overlay: for every action type, each SVG element sits exactly
where `core.overlay` puts the shape (at the report's scale, `core.overlay_marks`) and reads
what the console's painter writes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from console_app.core.actions import build_action
from console_app.core.overlay import (
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
from console_app.core.overlay_marks import (
    DRAG_END_TEXT,
    DRAG_START_TEXT,
    FOCUSED_FIELD_TEXT,
    banner_text,
    bubble_text,
    chip_verb,
    crosshair_label,
    mark_centres,
    scroll_label,
    scroll_tip,
)
from console_app.history.overlay import overlay_svg, report_scale

NS = "{http://www.w3.org/2000/svg}"

ACTIONS: list[dict[str, Any]] = [
    {"type": "click", "x": 100, "y": 50},
    {"type": "click", "x": 7, "y": 9, "button": "right", "keys": ["shift"]},
    {"type": "right_click", "x": 640, "y": 360},
    {"type": "double_click", "x": 300, "y": 400},
    {"type": "triple_click", "x": 20, "y": 700},
    {"type": "move", "x": 1279, "y": 0},
    {"type": "mouse_down", "x": 11, "y": 12},
    {"type": "mouse_up", "x": 13, "y": 14, "button": "right"},
    {"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 300, "y": 400}]},
    {"type": "drag", "path": [{"x": 5, "y": 5}, {"x": 50, "y": 5}, {"x": 50, "y": 90}]},
    {"type": "scroll", "x": 400, "y": 300, "scroll_y": 5},
    {"type": "scroll", "x": 10, "y": 20, "scroll_x": 3, "scroll_y": -2},
    {"type": "scroll", "scroll_y": -12},
    {"type": "hscroll", "scroll_x": -2},
    {"type": "type", "text": "hello\nworld"},
    {"type": "point_and_type", "x": 50, "y": 60, "text": "abc"},
    {"type": "keypress", "keys": ["ctrl", "alt", "t"]},
    {"type": "key_down", "keys": ["shift"]},
    {"type": "key_up", "keys": ["shift"]},
    {"type": "navigate", "url": "https://example.com/a"},
    {"type": "wait", "seconds": 2},
    {"type": "screenshot"},
]
FINAL: list[dict[str, Any]] = [
    {"type": "answer", "result": "42"},
    {"type": "terminate", "status": "success"},
    {"type": "done", "text": "ok"},
]
SPACES = [ImageSpace(1280, 720), ImageSpace(1280, 720, normalized=True), ImageSpace(320, 200)]


def at(value: float) -> float:
    """A coordinate as the SVG writes it (one decimal)."""
    return float(f"{value:.1f}")


def point(x: float, y: float) -> tuple[float, float]:
    return at(x), at(y)


def groups(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{NS}g") if g.get("class") == f"mark-{kind}"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own SVG, not untrusted input


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{NS}text")]


def xy(element: ET.Element, x: str = "cx", y: str = "cy") -> tuple[float, float]:
    return float(element.get(x, "nan")), float(element.get(y, "nan"))


@pytest.mark.parametrize("space", SPACES, ids=["pixels", "normalized", "small"])
@pytest.mark.parametrize("action", ACTIONS, ids=[str(a["type"]) for a in ACTIONS])
def test_every_report_mark_is_the_console_shape(action: dict[str, Any], space: ImageSpace) -> None:
    shapes = overlay_for(build_action(action), space).shapes
    svg = parse(overlay_svg(action, (space.width, space.height), normalized=space.normalized))
    scale = report_scale(space.width, space.height)
    words = texts(svg)
    crosshairs = groups(svg, "click")
    for shape in shapes:
        match shape:
            case Crosshair():
                group = crosshairs.pop(0)
                ring, *_ = group.iter(f"{NS}circle")
                assert xy(ring) == point(shape.x, shape.y)
                dot = next(c for c in group.iter(f"{NS}circle") if c.get("class") == "dot")
                assert xy(dot) == point(shape.x, shape.y)
                assert crosshair_label(shape) in words
            case ClickMarks():
                (group,) = groups(svg, "count")
                circles = [xy(c) for c in group.iter(f"{NS}circle")]
                assert circles == [point(x, y) for x, y, _ in mark_centres(shape, scale)]
                assert [t.text for t in group.iter(f"{NS}text")] == [
                    str(n) for _, _, n in shape.marks
                ]
            case Arrow():
                (group,) = groups(svg, "drag")
                line = next(p for p in group.iter(f"{NS}polyline") if p.get("class") != "head")
                drawn = [tuple(map(float, p.split(","))) for p in line.get("points", "").split()]
                assert drawn == [point(x, y) for x, y in shape.points]
                head = next(p for p in group.iter(f"{NS}polyline") if p.get("class") == "head")
                tip = tuple(map(float, head.get("points", "").split()[1].split(",")))
                assert tip == point(*shape.points[-1])
                assert DRAG_START_TEXT in words and DRAG_END_TEXT in words
            case ScrollArrow():
                (group,) = groups(svg, "scroll")
                line = next(group.iter(f"{NS}line"))
                assert xy(line, "x1", "y1") == point(shape.x, shape.y)
                assert xy(line, "x2", "y2") == point(*scroll_tip(shape, scale))
                assert scroll_label(shape) in words
            case TextBubble():
                (group,) = groups(svg, "type")
                assert [t.text for t in group.iter(f"{NS}text")] == [bubble_text(shape)]
                assert (FOCUSED_FIELD_TEXT in words) == (shape.anchor is None)
            case KeyChips():
                (group,) = groups(svg, "keys")
                shown = [t.text for t in group.iter(f"{NS}text")]
                assert shown == [chip_verb(shape), chip_verb(shape), *shape.keys]  # halo + verb
                assert len(list(group.iter(f"{NS}rect"))) == len(shape.keys)
            case Banner():
                (group,) = groups(svg, "banner")
                assert [t.text for t in group.iter(f"{NS}text")] == [banner_text(shape)]
    assert crosshairs == []  # nothing drawn that the console does not draw


@pytest.mark.parametrize("action", FINAL, ids=[str(a["type"]) for a in FINAL])
def test_a_final_answer_is_not_drawn_on_the_report(action: dict[str, Any]) -> None:
    # The console shows it as a banner; the report prints the run's result at the top instead.
    assert overlay_for(build_action(action), ImageSpace(800, 600)).of_type(Banner)
    assert overlay_svg(action, (800, 600)) == ""


def test_the_replaced_proposal_is_a_ghost_at_the_console_position() -> None:
    space = ImageSpace(800, 600)
    proposed, edited = {"type": "click", "x": 10, "y": 10}, {"type": "click", "x": 20, "y": 20}
    svg = parse(overlay_svg(proposed, (800, 600), edited=edited))
    ghost, shown = groups(svg, "click")
    assert ghost.get("stroke-dasharray") and not shown.get("stroke-dasharray")
    for group, action in ((ghost, proposed), (shown, edited)):
        (cross,) = overlay_for(build_action(action), space).of_type(Crosshair)
        assert xy(next(group.iter(f"{NS}circle"))) == point(cross.x, cross.y)
    assert texts(svg).count("click") == 2  # one label (halo + text), for the edit only
