"""Draw one action as an inline SVG on top of its screenshot (for the HTML report).

Why SVG over the image rather than burning marks into the pixels: the reader still sees the
screen exactly as the model saw it, the marks stay crisp at any zoom, and the report stays one
text file. The SVG's ``viewBox`` is the screenshot's pixel size, so a mark at viewport pixel
(x, y) lands on that pixel however the browser scales the page. Coordinates in the 0–999 space
are converted with ``pixel = value / NORMALIZED_RANGE × size`` (``core.geometry``).

Marks: a crosshair for clicks and pointer moves, an arrow along a drag's path, an arrow in the
scroll direction, a text bubble for typing (and navigation), key chips for key presses. An
edited action is drawn in full colour and the proposal it replaced as a dashed grey ghost.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

from console_app.core.actions import HOLDING_ACTION_TYPES
from console_app.core.geometry import NORMALIZED_RANGE

PROPOSED = "#ff2d55"
KEYS = "#0a84ff"
GHOST = "#8e8e93"

_POINT_LABELS = {
    "click": "click",
    "double_click": "double click",
    "triple_click": "triple click",
    "right_click": "right click",
    "move": "move",
    "mouse_down": "press",
    "mouse_up": "release",
    "point_and_type": "type here",
}


def overlay_svg(
    action: Mapping[str, Any] | None,
    size: tuple[int, int],
    *,
    normalized: bool = False,
    edited: Mapping[str, Any] | None = None,
    uid: str = "o",
) -> str:
    """The ``<svg>`` element for one step ('' when there is nothing to draw)."""
    width, height = size
    if width <= 0 or height <= 0 or (not action and not edited):
        return ""
    pen = _Pen(width, height, normalized, uid)
    if edited:
        if action:
            pen.draw(action, GHOST, ghost=True)
        pen.draw(edited, PROPOSED)
    elif action:
        pen.draw(action, PROPOSED)
    if not pen.parts:
        return ""
    # One arrowhead per colour: ``fill="context-stroke"`` (SVG 2) is not drawn everywhere.
    marker = (
        "<defs>"
        + "".join(
            f'<marker id="{uid}-arrow-{name}" viewBox="0 0 10 10" refX="8" refY="5" '
            'markerWidth="5" markerHeight="5" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
            for name, color in (("proposed", PROPOSED), ("ghost", GHOST))
        )
        + "</defs>"
    )
    return (
        f'<svg class="overlay" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true">{marker}{"".join(pen.parts)}</svg>'
    )


class _Pen:
    """Accumulates the SVG elements of one step's overlay at the screenshot's size."""

    def __init__(self, width: int, height: int, normalized: bool, uid: str) -> None:
        self.w, self.h, self.normalized, self.uid = width, height, normalized, uid
        self.r = max(6.0, max(width, height) / 70)  # crosshair radius
        self.font = max(11.0, max(width, height) / 60)
        self.stroke = max(2.0, self.r / 4)
        self.parts: list[str] = []

    def xy(self, x: Any, y: Any) -> tuple[float, float] | None:
        if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
            return None
        if self.normalized:
            return x / NORMALIZED_RANGE * self.w, y / NORMALIZED_RANGE * self.h
        return float(x), float(y)

    def draw(self, action: Mapping[str, Any], color: str, *, ghost: bool = False) -> None:
        kind = str(action.get("type", ""))
        point = self.xy(action.get("x"), action.get("y"))
        dash = ' stroke-dasharray="6 4"' if ghost else ""
        held = action.get("keys")
        if kind in HOLDING_ACTION_TYPES and isinstance(held, list) and held and not ghost:
            # keys held during the pointer action: drawn as "hold:" chips beside the mark
            self.chips([str(k) for k in held], "key_down")
        if kind in _POINT_LABELS and point is not None:
            self.crosshair(point, color, dash, None if ghost else _POINT_LABELS[kind])
            if kind == "point_and_type" and not ghost:
                self.bubble(f"⌨ {action.get('text', '')}", point, color)
        elif kind == "drag":
            path = [self.xy(p.get("x"), p.get("y")) for p in action.get("path") or []]
            self.drag([p for p in path if p is not None], color, dash)
        elif kind in ("scroll", "hscroll"):
            self.scroll(action, point, color, dash, label=not ghost)
        elif ghost:
            return
        elif kind in ("type",):
            self.bubble(f"⌨ {action.get('text', '')}", None, color)
        elif kind in ("keypress", "key_down", "key_up"):
            self.chips([str(k) for k in action.get("keys") or []], kind)
        elif kind == "navigate":
            self.bubble(f"→ {action.get('url', '')}", None, color)
        elif kind == "wait":
            seconds = action.get("seconds")
            amount = f" {seconds:g} s" if isinstance(seconds, (int, float)) else ""
            self.bubble("wait" + amount, None, KEYS)

    # ---------------------------------------------------------------- shapes

    def crosshair(self, at: tuple[float, float], color: str, dash: str, label: str | None) -> None:
        x, y = at
        r, s = self.r, self.stroke
        self.parts.append(
            f'<g class="mark-click" stroke="{color}" stroke-width="{s:.1f}" fill="none"{dash}>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>'
            f'<line x1="{x - 1.8 * r:.1f}" y1="{y:.1f}" x2="{x - 0.4 * r:.1f}" y2="{y:.1f}"/>'
            f'<line x1="{x + 0.4 * r:.1f}" y1="{y:.1f}" x2="{x + 1.8 * r:.1f}" y2="{y:.1f}"/>'
            f'<line x1="{x:.1f}" y1="{y - 1.8 * r:.1f}" x2="{x:.1f}" y2="{y - 0.4 * r:.1f}"/>'
            f'<line x1="{x:.1f}" y1="{y + 0.4 * r:.1f}" x2="{x:.1f}" y2="{y + 1.8 * r:.1f}"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{s:.1f}" fill="{color}"/></g>'
        )
        if label:
            self.label(label, (x + 1.9 * r, y - 1.2 * r), color)

    def drag(self, points: list[tuple[float, float]], color: str, dash: str) -> None:
        if len(points) < 2:
            return
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        x0, y0 = points[0]
        self.parts.append(
            f'<g class="mark-drag" stroke="{color}" stroke-width="{self.stroke:.1f}" fill="none"'
            f"{dash}>"
            f'<circle cx="{x0:.1f}" cy="{y0:.1f}" r="{self.r * 0.6:.1f}"/>'
            f'<polyline points="{coords}" marker-end="{self.arrow(color)}"/></g>'
        )
        if not dash:
            self.label("drag", (x0 + self.r, y0 - self.r), color)

    def scroll(
        self,
        action: Mapping[str, Any],
        point: tuple[float, float] | None,
        color: str,
        dash: str,
        *,
        label: bool,
    ) -> None:
        dx = _number(action.get("scroll_x"))
        dy = _number(action.get("scroll_y"))
        if dx == 0 and dy == 0:
            return
        x, y = point if point is not None else (self.w / 2, self.h / 2)
        length = self.r * 7
        norm = math.hypot(dx, dy)
        x2, y2 = x + dx / norm * length, y + dy / norm * length
        self.parts.append(
            f'<g class="mark-scroll" stroke="{color}" stroke-width="{self.stroke * 1.5:.1f}" '
            f'fill="none"{dash}><line x1="{x:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'marker-end="{self.arrow(color)}"/></g>'
        )
        if label:
            words = []
            if dy:
                words.append(f"{'down' if dy > 0 else 'up'} {abs(dy):g}")
            if dx:
                words.append(f"{'right' if dx > 0 else 'left'} {abs(dx):g}")
            self.label("scroll " + ", ".join(words), (x + self.r, y - self.r), color)

    def bubble(self, text: str, near: tuple[float, float] | None, color: str) -> None:
        shown = text if len(text) <= 60 else text[:59] + "…"
        shown = shown.replace("\n", "⏎")
        width = min(self.w * 0.9, 0.6 * self.font * len(shown) + self.font)
        height = self.font * 1.8
        if near is None:
            x, y = self.w * 0.02, self.h * 0.02
        else:
            x = min(max(near[0] + self.r * 2, 0), self.w - width)
            y = min(max(near[1] + self.r * 2, 0), self.h - height)
        self.parts.append(
            f'<g class="mark-type"><rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{height:.1f}" rx="{self.font / 2:.1f}" fill="white" fill-opacity="0.92" '
            f'stroke="{color}" stroke-width="{self.stroke:.1f}"/>'
            f'<text x="{x + self.font / 2:.1f}" y="{y + self.font * 1.25:.1f}" '
            f'font-size="{self.font:.1f}" font-family="sans-serif" fill="#111">'
            f"{html.escape(shown)}</text></g>"
        )

    def chips(self, keys: list[str], kind: str) -> None:
        if not keys:
            return
        prefix = {"key_down": "hold", "key_up": "release"}.get(kind)
        x, y = self.w * 0.02, self.h * 0.96 - self.font * 1.8
        items = [f"{prefix}:"] if prefix else []
        out = ['<g class="mark-keys">']
        for n, key in enumerate([*items, *keys]):
            is_key = not (prefix and n == 0)
            width = 0.62 * self.font * max(len(key), 1) + self.font
            if is_key:
                out.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                    f'height="{self.font * 1.8:.1f}" rx="{self.font / 3:.1f}" fill="white" '
                    f'stroke="{KEYS}" stroke-width="{self.stroke:.1f}"/>'
                )
            out.append(
                f'<text x="{x + self.font / 2:.1f}" y="{y + self.font * 1.25:.1f}" '
                f'font-size="{self.font:.1f}" font-family="monospace" '
                f'fill="{"#111" if is_key else "white"}">{html.escape(key)}</text>'
            )
            x += width + self.font * 0.4
        out.append("</g>")
        self.parts.append("".join(out))

    def arrow(self, color: str) -> str:
        return f"url(#{self.uid}-arrow-{'ghost' if color == GHOST else 'proposed'})"

    def label(self, text: str, at: tuple[float, float], color: str) -> None:
        x = min(max(at[0], 0), max(self.w - 0.6 * self.font * len(text), 0))
        y = min(max(at[1], self.font), self.h)
        common = (
            f'x="{x:.1f}" y="{y:.1f}" font-size="{self.font:.1f}" font-family="sans-serif" '
            'font-weight="bold"'
        )
        # A white halo drawn first, then the text: readable on any screen content
        # (``paint-order`` would do it in one element, but not every renderer supports it).
        self.parts.append(
            f'<text {common} fill="white" stroke="white" stroke-width="{self.font / 4:.1f}" '
            f'stroke-linejoin="round">{html.escape(text)}</text>'
            f'<text {common} fill="{color}">{html.escape(text)}</text>'
        )


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
