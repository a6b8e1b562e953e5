"""Where to click to focus the input field that a label (or a placeholder) names.

``type "…" into <text>`` finds ``<text>`` by OCR; this module decides where the field is,
from the pixels around the text only (no widget tree: the engine sees a screenshot). The rule,
in order — the first that applies wins:

1. **Placeholder**: the text sits inside a box — a colour edge lies within 0.6 text heights
   to its left (the field's border, not the image edge) while the colour one text height to
   its right is still the text's own background (the field's interior) → click the text.
2. **Field to the right** (label on the left): scanning right along the text's middle row,
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
    width = pixels.shape[1]
    x_to = _clip(box.x0 - 1, width)
    reach = round(0.6 * h)
    if x_to < 1 or round(box.x1 + h) >= width:
        return False
    left = _row_band(pixels, box.center[1], max(0, x_to - reach), x_to + 1)
    border_on_left = bool(_differs(left, bg).any())
    right_same = not bool(_differs(_patch(pixels, round(box.x1 + h), box), bg))
    return border_on_left and right_same


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


def _field_right(pixels: Pixels, box: Box, bg: npt.NDArray[np.int16], h: float) -> float | None:
    width = pixels.shape[1]
    x_from = _clip(box.x1 + 2, width)
    changed = _differs(_row_band(pixels, box.center[1], x_from), bg)
    reach = round(max(12 * h, 0.3 * width))
    edge = _first(changed)
    if edge is None or edge > reach:
        return None
    end = _return_to_bg(changed, edge + 3, 4)
    if end - edge < 3 * h:
        return None
    return x_from + edge + min((end - edge) / 2, 6 * h)


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
