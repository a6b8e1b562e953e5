"""Is the screen still, and did it change under a target? Cheap frame comparison.

A *probe* is a small grey-scale copy of exactly what the model would see (masked, then scaled
to the viewport, then halved again): about 640×360 for a 1920×1080 monitor, 2–4 ms to make.
Probes are compared from raw pixels, never from JPEGs, so an unchanged screen gives identical
probes and every difference is a real one.

The rules (each number here is documented in ARCHITECTURE.md, "Screen truth"):

* A probe pixel *changed* when its grey level moved by more than `PIXEL_DELTA`.
* Changed pixels are grouped into regions (8-connected after a 2-pixel dilation, so the
  letters of a changed word are one region). A region is
  *small* when its bounding box fits in `SMALL_REGION` × `SMALL_REGION` viewport pixels
  (24 × 24: a text caret, a small spinner, a clock's seconds). Two probes are *still* when every
  changed region is small: a blinking caret never holds the settle wait to its maximum.
* Around a target, the screen is *stale* when more than `STALE_FRACTION` of the pixels in a
  square of `STALE_BOX` viewport pixels centred on it changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Probe = npt.NDArray[np.uint8]
"""H×W grey levels (uint8) of the masked, scaled screen at half the viewport size."""

PROBE_DIVISOR = 2
"""Probe pixels are this many viewport pixels wide and tall."""
PIXEL_DELTA = 24
"""Grey levels a probe pixel must move by to count as changed (1/10 of the range)."""
SMALL_REGION = 24
"""Viewport pixels: a changed region whose bounding box fits in this square is ignored when
deciding whether the screen is still."""
STALE_BOX = 32
"""Viewport pixels: the side of the square around a target compared by the stale guard."""
STALE_FRACTION = 0.25
"""More than this share of changed pixels in the box around a target makes it stale."""


def make_probe(bgrx: npt.NDArray[np.uint8], viewport: tuple[int, int]) -> Probe:
    """Grey-scale, area-averaged probe of a masked BGRA/BGR frame for a viewport size."""
    width = max(1, viewport[0] // PROBE_DIVISOR)
    height = max(1, viewport[1] // PROBE_DIVISOR)
    code = cv2.COLOR_BGRA2GRAY if bgrx.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    grey = cv2.cvtColor(bgrx, code)
    if grey.shape[:2] == (height, width):
        return np.ascontiguousarray(grey)
    return np.ascontiguousarray(cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA))


def changed_mask(before: Probe, after: Probe) -> npt.NDArray[np.bool_]:
    if before.shape != after.shape:
        # A different size is a different screen (the monitor changed resolution): all changed.
        return np.ones(after.shape[:2], dtype=bool)
    diff = cv2.absdiff(before, after)
    return np.asarray(diff > PIXEL_DELTA)


@dataclass(frozen=True)
class Change:
    """How two probes differ."""

    changed_pixels: int
    regions: tuple[tuple[int, int, int, int], ...]
    """Bounding boxes ``(x, y, w, h)`` of changed regions, in viewport pixels."""
    small_limit: int = SMALL_REGION

    @property
    def any(self) -> bool:
        return self.changed_pixels > 0

    @property
    def significant(self) -> bool:
        """True when some changed region is larger than a caret or a small spinner."""
        return any(w > self.small_limit or h > self.small_limit for _, _, w, h in self.regions)


def compare(before: Probe, after: Probe) -> Change:
    mask = changed_mask(before, after)
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return Change(0, ())
    d = PROBE_DIVISOR
    top, left = int(ys.min()), int(xs.min())
    bottom, right = int(ys.max()), int(xs.max())
    if (right - left + 1) * d <= SMALL_REGION and (bottom - top + 1) * d <= SMALL_REGION:
        return Change(
            int(ys.size), ((left * d, top * d, (right - left + 1) * d, (bottom - top + 1) * d),)
        )
    # Letters of one changed word are a few pixels apart: grouping after a small dilation makes
    # a changed label one region, not a handful of caret-sized ones. Only the changed part of
    # the frame is labelled (a caret and a clock far apart cost two small crops' worth).
    crop = mask[top : bottom + 1, left : right + 1].astype(np.uint8)
    grown = cv2.dilate(crop, np.ones((5, 5), np.uint8))
    n, labels, _, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    cy, cx = ys - top, xs - left
    owner = np.asarray(labels[cy, cx], dtype=np.intp)
    x0 = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    y0 = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    x1 = np.full(n, -1, dtype=np.int64)
    y1 = np.full(n, -1, dtype=np.int64)
    np.minimum.at(x0, owner, cx)
    np.minimum.at(y0, owner, cy)
    np.maximum.at(x1, owner, cx)
    np.maximum.at(y1, owner, cy)
    regions = tuple(
        (
            (int(x0[i]) + left) * d,
            (int(y0[i]) + top) * d,
            int(x1[i] - x0[i] + 1) * d,
            int(y1[i] - y0[i] + 1) * d,
        )
        for i in range(1, n)
        if x1[i] >= 0
    )
    return Change(int(ys.size), regions)


def changed_fraction_around(
    before: Probe,
    after: Probe,
    point: tuple[float, float],
    box: int = STALE_BOX,
    visible: npt.NDArray[np.bool_] | None = None,
) -> float:
    """Share of changed probe pixels in the ``box``-sized square around a viewport point.

    ``visible`` (probe-sized) leaves out pixels masked in either capture: a console window that
    moved between the two captures is not a change of the application under the target."""
    mask = changed_mask(before, after)
    height, width = mask.shape[:2]
    half = max(1, box // (2 * PROBE_DIVISOR))
    cx, cy = int(point[0] / PROBE_DIVISOR), int(point[1] / PROBE_DIVISOR)
    x0, x1 = max(0, cx - half), min(width, cx + half)
    y0, y1 = max(0, cy - half), min(height, cy + half)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    window = mask[y0:y1, x0:x1]
    if visible is not None and visible.shape == mask.shape:
        seen = visible[y0:y1, x0:x1]
        total = int(seen.sum())
        return float(window[seen].sum()) / total if total else 0.0
    return float(window.mean())


def is_blank(probe: Probe, unmasked: npt.NDArray[np.bool_] | None = None) -> bool:
    """True when every visible (unmasked) probe pixel has the same grey level.

    What a capture looks like when the console cannot see the screen: a Wayland session seen
    through XWayland, a locked or powered-off display, a broken grab all come back as one flat
    colour. ``unmasked`` selects the pixels the model would see; with none left, the frame is
    blank too (everything on it is hidden)."""
    pixels = probe if unmasked is None else probe[unmasked]
    if pixels.size == 0:
        return True
    return int(pixels.max()) == int(pixels.min())


def unmasked_area(
    shape: tuple[int, int],
    masked: tuple[tuple[int, int, int, int], ...],
    source: tuple[int, int, int, int],
) -> npt.NDArray[np.bool_]:
    """Probe pixels not covered by the masked screen rectangles ``(left, top, w, h)``."""
    height, width = shape
    keep = np.ones((height, width), dtype=bool)
    left, top, src_w, src_h = source
    sx, sy = width / src_w, height / src_h
    for x, y, w, h in masked:
        x0 = int(np.floor((x - left) * sx))
        y0 = int(np.floor((y - top) * sy))
        x1 = int(np.ceil((x + w - left) * sx))
        y1 = int(np.ceil((y + h - top) * sy))
        keep[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = False
    return keep


__all__ = [
    "PIXEL_DELTA",
    "PROBE_DIVISOR",
    "SMALL_REGION",
    "STALE_BOX",
    "STALE_FRACTION",
    "Change",
    "Probe",
    "changed_fraction_around",
    "compare",
    "is_blank",
    "make_probe",
    "unmasked_area",
]
