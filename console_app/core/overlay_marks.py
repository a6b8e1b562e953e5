"""How each overlay shape is drawn: marker sizes and label offsets in view pixels, and wording.

`core.overlay` says *where* an action acts (image pixels of the screenshot); this module says how
big the marks around that point are and what their labels read. Both front ends draw from it —
the console's Qt painter (``ui/widgets/overlay_painter.py``, live and replay) and the HTML
report's SVG (``history/overlay.py``) — so a click, a drag or a scroll looks and reads the same
in both. Sizes are *view* pixels (a mark keeps its on-screen size whatever the zoom); ``scale``
is view pixels per image pixel (the painter's zoom, the report's page scale).
"""

from __future__ import annotations

import math

from console_app.core.overlay import (
    Banner,
    ClickMarks,
    Crosshair,
    KeyChips,
    ScrollArrow,
    TextBubble,
)

Point = tuple[float, float]

CROSSHAIR_RADIUS = 14.0  # the ring around the target
CROSSHAIR_ARM = (6.0, 24.0)  # each of the four arms runs from … to … away from the centre
CENTRE_DOT = 3.0
CLICK_MARK_DISTANCE = 34.0  # the numbered marks of a double/triple click, out from the target
CLICK_MARK_RADIUS = 10.0
DRAG_START_RADIUS = 7.0
SCROLL_RING_RADIUS = 9.0
ARROW_HEAD = 16.0  # length of each side of an arrow head
SCROLL_ARROW_HEAD = 18.0
ARROW_HEAD_ANGLE = 28.0  # degrees either side of the shaft

# Where a label's top-left corner sits, from its point (view pixels).
CROSSHAIR_LABEL = (20.0, 18.0)
DRAG_START_LABEL = (12.0, -26.0)
DRAG_END_LABEL = (12.0, 8.0)
SCROLL_LABEL = (16.0, -30.0)
FOCUSED_FIELD_LABEL = (0.0, -30.0)  # above an unanchored text bubble

DRAG_START_TEXT = "start"
DRAG_END_TEXT = "release"
FOCUSED_FIELD_TEXT = "type into the focused field"
_CHIP_VERBS = {"press": "press", "hold": "hold down", "release": "release"}
_BANNER_PREFIX = {"url": "go to  ", "error": "⚠ ", "final": "", "info": ""}


def crosshair_label(shape: Crosshair) -> str:
    return shape.label + (" (outside the screen!)" if shape.outside else "")


def scroll_label(shape: ScrollArrow) -> str:
    return f"scroll {shape.label}" + (" (at the pointer)" if shape.at_pointer else "")


def bubble_text(shape: TextBubble) -> str:
    return "“" + shape.text.replace("\n", " ⏎ ") + "”"


def chip_verb(shape: KeyChips) -> str:
    return _CHIP_VERBS[shape.verb]


def banner_text(shape: Banner) -> str:
    return _BANNER_PREFIX[shape.tone] + shape.text


def mark_centres(shape: ClickMarks, scale: float) -> tuple[tuple[float, float, int], ...]:
    """The numbered marks in image pixels, drawn `CLICK_MARK_DISTANCE` view pixels out from the
    target in the direction of their `core.overlay` position (further than in the image, so
    they never hide the target at any zoom)."""
    out = []
    for mx, my, number in shape.marks:
        angle = math.atan2(my - shape.y, mx - shape.x)
        reach = CLICK_MARK_DISTANCE / scale
        out.append((shape.x + reach * math.cos(angle), shape.y + reach * math.sin(angle), number))
    return tuple(out)


def scroll_tip(shape: ScrollArrow, scale: float) -> Point:
    """Where the scroll arrow ends, in image pixels (its length is fixed in view pixels)."""
    return shape.x + shape.dx / scale, shape.y + shape.dy / scale


def arrow_head(tail: Point, tip: Point, size: float) -> tuple[Point, Point]:
    """The two outer ends of an arrow head at ``tip`` (in the units of its arguments)."""
    angle = math.atan2(tip[1] - tail[1], tip[0] - tail[0])
    ends = []
    for side in (-1, 1):
        a = angle + math.pi + side * math.radians(ARROW_HEAD_ANGLE)
        ends.append((tip[0] + size * math.cos(a), tip[1] + size * math.sin(a)))
    return ends[0], ends[1]
