"""Draw one action as an inline SVG on top of its screenshot (for the HTML report).

Why SVG over the image rather than burning marks into the pixels: the reader still sees the
screen exactly as the model saw it, the marks stay crisp at any zoom, and the report stays one
text file. The SVG's ``viewBox`` is the screenshot's pixel size, so a mark lands on the pixel
it names however the browser scales the page.

The geometry and the wording are the console's: the shapes come from `core.overlay` (a pixel
coordinate is drawn at the centre of its cell, 0–999 coordinates are thousandths of the image),
their sizes, label positions and texts from `core.overlay_marks` — drawn as the console's painter
draws them on a view ``REPORT_VIEW_SIZE`` pixels across. An edited action is drawn in full
colour and the proposal it replaced as a dashed grey ghost (its pointer marks, no labels). A
final answer is not drawn: the report prints the run's result at the top.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from console_app.core.actions import ActionValidationError, build_action
from console_app.core.overlay import (
    Arrow,
    Banner,
    ClickMarks,
    Crosshair,
    ImageSpace,
    KeyChips,
    ScrollArrow,
    Shape,
    TextBubble,
    overlay_for,
)
from console_app.core.overlay_marks import (
    ARROW_HEAD,
    CENTRE_DOT,
    CLICK_MARK_RADIUS,
    CROSSHAIR_ARM,
    CROSSHAIR_LABEL,
    CROSSHAIR_RADIUS,
    DRAG_END_LABEL,
    DRAG_END_TEXT,
    DRAG_START_LABEL,
    DRAG_START_RADIUS,
    DRAG_START_TEXT,
    FOCUSED_FIELD_LABEL,
    FOCUSED_FIELD_TEXT,
    SCROLL_ARROW_HEAD,
    SCROLL_LABEL,
    SCROLL_RING_RADIUS,
    Point,
    arrow_head,
    banner_text,
    bubble_text,
    chip_verb,
    crosshair_label,
    mark_centres,
    scroll_label,
    scroll_tip,
)

PROPOSED = "#ff2d55"
KEYS = "#0a84ff"
GHOST = "#8e8e93"
REPORT_VIEW_SIZE = 1000.0  # the report shows a screenshot about this many pixels across
FONT = 13.0  # view pixels
STROKE = 2.5


def report_scale(width: int, height: int) -> float:
    """View pixels per image pixel in the report (the painter's zoom), at most 2."""
    return min(REPORT_VIEW_SIZE / max(width, height), 2.0)


def overlay_svg(
    action: Mapping[str, Any] | None,
    size: tuple[int, int],
    *,
    normalized: bool = False,
    edited: Mapping[str, Any] | None = None,
) -> str:
    """The ``<svg>`` element for one step ('' when there is nothing to draw)."""
    width, height = size
    if width <= 0 or height <= 0 or (not action and not edited):
        return ""
    pen = _Pen(ImageSpace(width, height, normalized))
    if edited:
        if action:
            pen.draw(action, GHOST, ghost=True)
        pen.draw(edited, PROPOSED)
    elif action:
        pen.draw(action, PROPOSED)
    if not pen.parts:
        return ""
    return (
        f'<svg class="overlay" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true">{"".join(pen.parts)}</svg>'
    )


def shapes_of(action: Mapping[str, Any], space: ImageSpace) -> tuple[Shape, ...]:
    """The console's shapes for a recorded action (none when it does not parse)."""
    try:
        parsed = build_action(dict(action))
    except (ActionValidationError, ValueError, TypeError):
        return ()
    return overlay_for(parsed, space).shapes


def _n(value: float) -> str:
    return f"{value:.1f}"


class _Pen:
    """Accumulates the SVG elements of one step's overlay at the screenshot's size."""

    def __init__(self, space: ImageSpace) -> None:
        self.space = space
        self.w, self.h = space.width, space.height
        self.scale = report_scale(self.w, self.h)
        self.u = 1 / self.scale  # image pixels per view pixel
        self.font = FONT * self.u
        self.stroke = STROKE * self.u
        self.parts: list[str] = []

    def at(self, point: Point, offset: tuple[float, float]) -> Point:
        return point[0] + offset[0] * self.u, point[1] + offset[1] * self.u

    def draw(self, action: Mapping[str, Any], color: str, *, ghost: bool = False) -> None:
        dash = ' stroke-dasharray="6 4"' if ghost else ""
        for shape in shapes_of(action, self.space):
            if isinstance(shape, Crosshair):
                self.crosshair(shape, color, dash, label=not ghost)
            elif isinstance(shape, ClickMarks):
                self.marks(shape, color, dash)
            elif isinstance(shape, Arrow):
                self.drag(shape, color, dash, label=not ghost)
            elif isinstance(shape, ScrollArrow):
                self.scroll(shape, color, dash, label=not ghost)
            elif ghost:
                continue  # the replaced proposal: only where it pointed
            elif isinstance(shape, TextBubble):
                self.bubble(shape, color)
            elif isinstance(shape, KeyChips):
                self.chips(shape)
            elif isinstance(shape, Banner) and shape.tone != "final":
                self.banner(shape)

    # ---------------------------------------------------------------- shapes

    def group(self, kind: str, color: str, dash: str, body: str, width: float = STROKE) -> None:
        self.parts.append(
            f'<g class="mark-{kind}" stroke="{color}" stroke-width="{_n(width)}" '
            f'fill="none"{dash}>{body}</g>'
        )

    def head(self, tail: Point, tip: Point, size: float) -> str:
        one, two = arrow_head(tail, tip, size * self.u)
        return f'<polyline class="head" points="{_points([one, tip, two])}"/>'

    def crosshair(self, shape: Crosshair, color: str, dash: str, *, label: bool) -> None:
        x, y = shape.x, shape.y
        near, far = CROSSHAIR_ARM[0] * self.u, CROSSHAIR_ARM[1] * self.u
        arms = "".join(
            f'<line x1="{_n(x + sx * near)}" y1="{_n(y + sy * near)}" '
            f'x2="{_n(x + sx * far)}" y2="{_n(y + sy * far)}"/>'
            for sx, sy in ((1, 0), (-1, 0), (0, 1), (0, -1))
        )
        self.group(
            "click",
            color,
            dash,
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(CROSSHAIR_RADIUS * self.u)}"/>{arms}'
            f'<circle class="dot" cx="{_n(x)}" cy="{_n(y)}" r="{_n(CENTRE_DOT * self.u)}" '
            f'fill="{color}"/>',
        )
        if label:
            self.label(crosshair_label(shape), self.at((x, y), CROSSHAIR_LABEL), color)

    def marks(self, shape: ClickMarks, color: str, dash: str) -> None:
        radius = CLICK_MARK_RADIUS * self.u
        body = []
        for mx, my, number in mark_centres(shape, self.scale):
            body.append(
                f'<circle cx="{_n(mx)}" cy="{_n(my)}" r="{_n(radius)}" fill="{color}"/>'
                f'<text x="{_n(mx)}" y="{_n(my + self.font * 0.35)}" font-size="{_n(self.font)}" '
                f'font-family="sans-serif" text-anchor="middle" fill="white" stroke="none">'
                f"{number}</text>"
            )
        self.group("count", color, dash, "".join(body), width=1)

    def drag(self, shape: Arrow, color: str, dash: str, *, label: bool) -> None:
        points = list(shape.points)
        start, end = points[0], points[-1]
        self.group(
            "drag",
            color,
            dash,
            f'<circle cx="{_n(start[0])}" cy="{_n(start[1])}" '
            f'r="{_n(DRAG_START_RADIUS * self.u)}"/>'
            f'<polyline points="{_points(points)}"/>' + self.head(points[-2], end, ARROW_HEAD),
            width=3,
        )
        if label:
            self.label(DRAG_START_TEXT, self.at(start, DRAG_START_LABEL), color)
            self.label(DRAG_END_TEXT, self.at(end, DRAG_END_LABEL), color)

    def scroll(self, shape: ScrollArrow, color: str, dash: str, *, label: bool) -> None:
        origin = (shape.x, shape.y)
        tip = scroll_tip(shape, self.scale)
        self.group(
            "scroll",
            color,
            dash,
            f'<circle cx="{_n(shape.x)}" cy="{_n(shape.y)}" '
            f'r="{_n(SCROLL_RING_RADIUS * self.u)}"/>'
            f'<line x1="{_n(shape.x)}" y1="{_n(shape.y)}" x2="{_n(tip[0])}" y2="{_n(tip[1])}"/>'
            + self.head(origin, tip, SCROLL_ARROW_HEAD),
            width=4,
        )
        if label:
            self.label(scroll_label(shape), self.at(origin, SCROLL_LABEL), color)

    def bubble(self, shape: TextBubble, color: str) -> None:
        text = bubble_text(shape)
        shown = text if len(text) <= 60 else text[:59] + "…"
        width = min(self.w * 0.8, 0.6 * self.font * len(shown) + 24 * self.u)
        height = self.font * 1.3 + 14 * self.u
        if shape.anchor is None:
            x, y = (self.w - width) / 2, self.h - height - 28 * self.u
        else:
            x, y = self.at(shape.anchor, (22, 0))
            y -= height + 22 * self.u
        x, y = self.inside(x, y, width, height)
        self.parts.append(
            f'<g class="mark-type"><rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" '
            f'height="{_n(height)}" rx="{_n(8 * self.u)}" fill="#fffff0" fill-opacity="0.94" '
            f'stroke="{color}" stroke-width="2"/>'
            f'<text x="{_n(x + 10 * self.u)}" y="{_n(y + height / 2 + self.font * 0.35)}" '
            f'font-size="{_n(self.font)}" font-family="sans-serif" fill="#111">'
            f"{html.escape(shown)}</text></g>"
        )
        if shape.anchor is None:
            self.label(FOCUSED_FIELD_TEXT, self.at((x, y), FOCUSED_FIELD_LABEL), KEYS)

    def chips(self, shape: KeyChips) -> None:
        verb = chip_verb(shape)
        font = self.font * 1.3
        widths = [0.62 * font * max(len(k), 1) + 26 * self.u for k in shape.keys]
        verb_width = 0.6 * font * len(verb) + 12 * self.u
        total = verb_width + sum(widths) + 10 * self.u * len(widths)
        x, y = max((self.w - total) / 2, 0), 56 * self.u
        height = font * 1.3 + 16 * self.u
        baseline = y + height / 2 + font * 0.35
        out = [
            '<g class="mark-keys">',
        ]
        verb_at = f'x="{_n(x)}" y="{_n(baseline)}" font-size="{_n(font)}" font-family="sans-serif"'
        out.append(
            f'<text {verb_at} fill="white" stroke="white" stroke-width="{_n(font / 4)}" '
            f'stroke-linejoin="round">{html.escape(verb)}</text>'
            f'<text {verb_at} font-weight="bold" fill="{KEYS}">{html.escape(verb)}</text>'
        )
        x += verb_width
        for key, width in zip(shape.keys, widths, strict=True):
            out.append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" '
                f'rx="{_n(6 * self.u)}" fill="#f5f5f5" stroke="#3c3c3c" '
                'stroke-width="1"/>'
                f'<text x="{_n(x + width / 2)}" y="{_n(baseline)}" font-size="{_n(font)}" '
                f'font-family="monospace" text-anchor="middle" fill="#111">'
                f"{html.escape(key)}</text>"
            )
            x += width + 10 * self.u
        out.append("</g>")
        self.parts.append("".join(out))

    def banner(self, shape: Banner) -> None:
        text = banner_text(shape)
        shown = text if len(text) <= 80 else text[:79] + "…"
        width = min(0.6 * self.font * len(shown) + 32 * self.u, self.w - 16 * self.u)
        height = self.font * 1.3 + 18 * self.u
        x, y = (self.w - width) / 2, 12 * self.u
        fill = {"url": "#1e64aa", "error": "#aa1e1e"}.get(shape.tone, "#28468c")
        self.parts.append(
            f'<g class="mark-banner"><rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" '
            f'height="{_n(height)}" rx="{_n(8 * self.u)}" fill="{fill}" fill-opacity="0.92"/>'
            f'<text x="{_n(self.w / 2)}" y="{_n(y + height / 2 + self.font * 0.35)}" '
            f'font-size="{_n(self.font)}" font-family="sans-serif" text-anchor="middle" '
            f'fill="white">{html.escape(shown)}</text></g>'
        )

    def inside(self, x: float, y: float, width: float, height: float) -> Point:
        margin = 4 * self.u
        x = min(max(x, margin), max(self.w - width - margin, margin))
        y = min(max(y, margin), max(self.h - height - margin, margin))
        return x, y

    def label(self, text: str, at: Point, color: str) -> None:
        """A label whose top-left is near ``at``, kept inside the image; a white halo under the
        text keeps it readable on any screen content."""
        width = 0.6 * self.font * len(text) + 12 * self.u
        x, y = self.inside(at[0], at[1], width, self.font * 1.6)
        common = (
            f'x="{_n(x + 6 * self.u)}" y="{_n(y + self.font * 1.2)}" font-size="{_n(self.font)}" '
            'font-family="sans-serif" font-weight="bold"'
        )
        # The halo is a second element, not ``paint-order``: not every renderer supports it.
        self.parts.append(
            f'<text {common} fill="white" stroke="white" stroke-width="{_n(self.font / 4)}" '
            f'stroke-linejoin="round">{html.escape(text)}</text>'
            f'<text {common} fill="{color}">{html.escape(text)}</text>'
        )


def _points(points: list[Point]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
