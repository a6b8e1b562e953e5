"""Where to click to focus the input field that a label (or a placeholder) names.

``type "…" into <text>`` finds ``<text>`` by OCR; this module decides where the field is,
from the pixels around the text only (no widget tree: the engine sees a screenshot). The rule,
in order — the first that applies wins:

1. **Placeholder**: the text sits inside a box — a line (a row differing from the text's
   background along 80 % of its width) runs within one text height above it *and* below it
   (the field's top and bottom borders), a column just at its left end differs along 80 % of
   its height (the left border), and the colour one text height to its right is still the
   text's own background (the field's interior) → click the text.
2. **Field to the right** (label on the left): if a light field's top and bottom borders
   run right from the end of the text (the text's padded box can reach past the field's left
   border), click 2 text heights into it. Else, scanning right along the text's middle row,
   the colour changes from the label's background within ``max(12 × text height, 30 % of the
   width)`` (the field's left border) and does not return to it for at least 3 text heights
   (the field) → click inside the field, ``min(half its width, 6 text heights)`` past its left
   edge.
3. **Field below** (label above): scanning down from the text, the colour changes within
   2 text heights and the box that starts there is 0.8–6 text heights tall → click its middle,
   below the text.
4. Otherwise the text is taken to be the field's own content and is clicked.

"Colour differs" means a summed per-channel difference above `COLOR_TOLERANCE`, measured on a
5-pixel median band so JPEG noise and anti-aliasing do not count as edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from console_app.engine.ocr import Box

COLOR_TOLERANCE = 40
LINE_COVERAGE = 0.8
FieldRule = Literal["placeholder", "right", "below", "text"]

Pixels = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class FieldPoint:
    x: float
    y: float
    rule: FieldRule

    def explain(self) -> str:
        return {
            "placeholder": "the text is inside a box (a placeholder), so the text itself",
            "right": "the field found to the right of the label",
            "below": "the field found below the label",
            "text": "no field found beside or below the text, so the text itself",
        }[self.rule]


def field_point(pixels: Pixels, box: Box) -> FieldPoint:
    height, width = pixels.shape[:2]
    h = max(8.0, box.height)
    bg = _background(pixels, box)
    cx, cy = box.center
    if _enclosed(pixels, box, bg, h):
        return FieldPoint(cx, cy, "placeholder")
    right = _field_right(pixels, box, bg, h)
    if right is not None:
        return FieldPoint(right, cy, "right")
    below = _field_below(pixels, box, bg, h)
    if below is not None:
        return FieldPoint(cx, below, "below")
    return FieldPoint(min(cx, width - 1), min(cy, height - 1), "text")


def _background(pixels: Pixels, box: Box) -> npt.NDArray[np.int16]:
    """The text's own background: the most common colour in its box (glyphs are a minority
    of the pixels, and a field border the box may touch is only a line or two)."""
    height, width = pixels.shape[:2]
    x0, x1 = _clip(box.x0, width), _clip(box.x1, width)
    y0, y1 = _clip(box.y0, height), _clip(box.y1, height)
    region = pixels[y0 : y1 + 1, x0 : x1 + 1].reshape(-1, 3).astype(np.int32)
    bins = (region[:, 0] >> 3) << 10 | (region[:, 1] >> 3) << 5 | (region[:, 2] >> 3)
    values, counts = np.unique(bins, return_counts=True)
    common = region[bins == values[int(np.argmax(counts))]]
    colour: npt.NDArray[np.int16] = common.mean(axis=0).round().astype(np.int16)
    return colour


def _clip(value: float, size: int) -> int:
    return int(min(max(round(value), 0), size - 1))


def _differs(colours: npt.NDArray[np.int16], bg: npt.NDArray[np.int16]) -> npt.NDArray[np.bool_]:
    diff: npt.NDArray[np.bool_] = np.abs(colours - bg).sum(axis=-1) > COLOR_TOLERANCE
    return diff


def _patch(pixels: Pixels, x: int, box: Box) -> npt.NDArray[np.int16]:
    height = pixels.shape[0]
    y0, y1 = _clip(box.y0 + box.height * 0.25, height), _clip(box.y1 - box.height * 0.25, height)
    patch = pixels[y0 : y1 + 1, max(0, x - 2) : x + 3].reshape(-1, 3)
    colour: npt.NDArray[np.int16] = np.median(patch, axis=0).astype(np.int16)
    return colour


def _enclosed(pixels: Pixels, box: Box, bg: npt.NDArray[np.int16], h: float) -> bool:
    """A placeholder: the field's top and bottom borders run across the text (rows above and
    below it that differ from the text's background along most of its width), and the field's
    interior continues to its right.

    Why lines above and below rather than an edge on the left: an OCR box is padded, so it can
    start left of the field's border, and a label near a window edge has an "edge" on its left
    too — but a label has no line running right above and right below it.
    """
    width = pixels.shape[1]
    if round(box.x1 + h) >= width:
        return False
    if bool(_differs(_patch(pixels, round(box.x1 + h), box), bg)):
        return False
    return (
        _border_on_left(pixels, box, bg, h)
        and _line_near(pixels, box, bg, h, up=True)
        and _line_near(pixels, box, bg, h, up=False)
    )


def _border_on_left(pixels: Pixels, box: Box, bg: npt.NDArray[np.int16], h: float) -> bool:
    """A column near the text's left end (OCR boxes are padded, so from 0.6 text heights
    outside to 0.3 inside) that differs from ``bg`` along most of the text's height: the
    field's left border. A label stacked between two fields has lines above and below it but
    nothing like this on its left."""
    height, width = pixels.shape[:2]
    y0, y1 = _clip(box.y0, height), _clip(box.y1, height)
    if y1 <= y0:
        return False
    for x in range(_clip(box.x0 - 0.6 * h, width), _clip(box.x0 + 0.3 * h, width) + 1):
        column = pixels[y0 : y1 + 1, x].astype(np.int16)
        if float(_differs(column, bg).mean()) >= LINE_COVERAGE:
            return True
    return False


def _line_near(pixels: Pixels, box: Box, bg: npt.NDArray[np.int16], h: float, *, up: bool) -> bool:
    """Is there a row within one text height beyond the text (searching outward from its middle)
    that differs from ``bg`` along at least `LINE_COVERAGE` of the text's width?"""
    return _line_row(pixels, box, bg, h, up=up) is not None


def _line_row(
    pixels: Pixels, box: Box, bg: npt.NDArray[np.int16], h: float, *, up: bool
) -> int | None:
    """The row `_line_near` looks for, or None."""
    height, width = pixels.shape[:2]
    x0, x1 = _clip(box.x0 + 2, width), _clip(box.x1 - 2, width)
    if x1 <= x0:
        return None
    middle = _clip(box.center[1], height)
    if up:
        rows = range(middle, max(-1, _clip(box.y0 - h, height) - 1), -1)
    else:
        rows = range(middle, min(height, _clip(box.y1 + h, height) + 1))
    for y in rows:
        row = pixels[y, x0 : x1 + 1].astype(np.int16)
        if float(_differs(row, bg).mean()) >= LINE_COVERAGE:
            return y
    return None


def _row_band(
    pixels: Pixels, y: float, x_from: int, x_to: int | None = None
) -> npt.NDArray[np.int16]:
    height = pixels.shape[0]
    yc = _clip(y, height)
    band = pixels[max(0, yc - 2) : yc + 3, x_from:x_to]
    colours: npt.NDArray[np.int16] = np.median(band, axis=0).astype(np.int16)
    return colours


def _col_band(pixels: Pixels, x: float, y_from: int) -> npt.NDArray[np.int16]:
    width = pixels.shape[1]
    xc = _clip(x, width)
    band = pixels[y_from:, max(0, xc - 2) : xc + 3]
    colours: npt.NDArray[np.int16] = np.median(band, axis=1).astype(np.int16)
    return colours


def _first(mask: npt.NDArray[np.bool_], start: int = 0) -> int | None:
    hits = np.flatnonzero(mask[start:])
    return int(hits[0]) + start if hits.size else None


def _return_to_bg(changed: npt.NDArray[np.bool_], start: int, run: int) -> int:
    """Index where ``run`` consecutive background samples begin after ``start`` (or the end)."""
    same = ~changed[start:]
    if same.size >= run:
        windows = np.convolve(same.astype(np.int32), np.ones(run, dtype=np.int32), mode="valid")
        hits = np.flatnonzero(windows == run)
        if hits.size:
            return int(hits[0]) + start
    return len(changed)


def _field_reached(
    pixels: Pixels, box: Box, bg: npt.NDArray[np.int16], h: float, x_from: int
) -> float | None:
    """A light field whose top and bottom borders run right from the end of the text and
    whose left border (joining them) lies within the text box's last half text height."""
    width = pixels.shape[1]
    if x_from + 3 + 3 * h >= width:
        return None
    probe = Box(x_from + 3, box.y0, x_from + 3 + 3 * h, box.y1)
    interior = _patch(pixels, round(x_from + 5), box)
    if bool(_differs(interior, bg)):
        return None
    top = _line_row(pixels, probe, interior, h, up=True)
    bottom = _line_row(pixels, probe, interior, h, up=False)
    if top is None or bottom is None or bottom - top < 0.6 * h:
        return None
    for x in range(_clip(box.x1 - 0.5 * h, width), x_from + 1):
        column = pixels[top : bottom + 1, x].astype(np.int16)
        if float(_differs(column, interior).mean()) >= LINE_COVERAGE:
            return x + 2 * h
    return None


def _field_right(pixels: Pixels, box: Box, bg: npt.NDArray[np.int16], h: float) -> float | None:
    width = pixels.shape[1]
    x_from = _clip(box.x1 + 2, width)
    # A light field whose left border the text's (padded) box already reaches.
    reached = _field_reached(pixels, box, bg, h, x_from)
    if reached is not None:
        return reached
    changed = _differs(_row_band(pixels, box.center[1], x_from), bg)
    reach = round(max(12 * h, 0.3 * width))
    edge = _first(changed)
    if edge is None or edge > reach:
        return None
    end = _return_to_bg(changed, edge + 3, 4)
    if end - edge >= 3 * h:  # a field whose colour differs from the label's background
        return x_from + edge + min((end - edge) / 2, 6 * h)
    # A field as light as the background (white on near-white): recognise it by its top and
    # bottom borders running to the right of its left edge, over at least 3 text heights.
    left = x_from + edge
    if left + 3 + 3 * h >= width:
        return None
    probe = Box(left + 3, box.y0, left + 3 + 3 * h, box.y1)
    interior = _patch(pixels, round(left + 5), box)
    if _line_near(pixels, probe, interior, h, up=True) and _line_near(
        pixels, probe, interior, h, up=False
    ):
        return left + 2 * h
    return None


def _field_below(pixels: Pixels, box: Box, bg: npt.NDArray[np.int16], h: float) -> float | None:
    height = pixels.shape[0]
    y_from = _clip(box.y1 + 2, height)
    changed = _differs(_col_band(pixels, box.center[0], y_from), bg)
    edge = _first(changed)
    if edge is None or edge > 2 * h:
        return None
    end = _return_to_bg(changed, edge + 2, 3)
    if not 0.8 * h <= end - edge <= 6 * h:
        return None
    return y_from + (edge + end) / 2
