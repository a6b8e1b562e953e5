"""The exact mapping between what the model sees (viewport pixels) and where input lands.

A screenshot of a *source* rectangle (a monitor, or a region of it) is scaled to the viewport
the model was told about. The model answers in one of two coordinate spaces:

* ``"pixels"`` — pixels of the declared viewport, ``0 <= x < viewport_width``. A model pixel is a
  cell ``[x, x+1)``; it is mapped to the **centre** of that cell's footprint on the screen:
  ``P = source_left + (x + 0.5) · source_width / viewport_width``. With a 1:1 viewport this is
  the identity (x → source_left + x); downscaled 1280 → 1920, x=0 → 0, x=1 → 2, x=1279 → 1919.
* ``"normalized"`` — 0–999 on both axes, per the API docs' note: ``pixel = v/1000 · size``, i.e.
  ``P = source_left + v · source_width / 1000``. Nothing is clamped: ``v`` outside ``[0, 1000)``
  is off the screen.

``P`` is a continuous position in screen pixels (see `Monitor`: physical on X11/Windows). The
input backend gets ``floor(P / d)`` where ``d`` is 1 when it takes the same screen pixels
(``input_space="physical"``: XTest, xdotool, pyautogui on X11 and Windows) and ``d`` is the
monitor's ``scale`` when it takes logical coordinates (``input_space="logical"``: e.g. a HiDPI
macOS, where capture sees physical pixels and pyautogui speaks points). A target outside the
viewport (or outside ``[0, 1000)``) raises `OutOfScreenError` — the executor refuses it.

The inverse, `to_model`, maps an input pixel's centre back to model space, so for every screen
pixel ``to_screen(*to_model(sx, sy)) == (sx, sy)`` exactly, and ``to_model(to_screen(x, y))``
is within half an input pixel of ``(x, y)`` (measured in model units).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from console_app.capture.monitors import Monitor
from console_app.core.geometry import NORMALIZED_RANGE, CoordinateSpace, Rect, RectTuple

InputSpace = Literal["physical", "logical"]


class OutOfScreenError(ValueError):
    """A model coordinate that lies outside the captured monitor (or region)."""

    def __init__(self, message: str, *, x: float, y: float) -> None:
        super().__init__(message)
        self.x = x
        self.y = y


@dataclass(frozen=True)
class ViewportMapping:
    """The exact mapping between the model's viewport and the screen, for one screenshot.

    Built by the capturer with every shot: ``to_screen`` turns a model coordinate (pixels or
    thousandths, see ``coordinates``) into an absolute input coordinate, ``to_viewport`` goes
    back. A point outside the grabbed monitor/region raises `OutOfScreenError`.
    """

    viewport_width: int
    viewport_height: int
    monitor: Monitor
    region: RectTuple | None = None
    """``(left, top, width, height)`` in screen pixels if a region was grabbed, else the monitor."""
    coordinates: CoordinateSpace = "pixels"
    input_space: InputSpace = "physical"

    def __post_init__(self) -> None:
        if self.viewport_width <= 0 or self.viewport_height <= 0:
            raise ValueError(
                f"the viewport must have a positive size, not "
                f"{self.viewport_width}×{self.viewport_height}"
            )
        if self.region is not None:
            region = Rect.of(self.region)
            if region.is_empty or not self.monitor.rect.contains_rect(region):
                raise ValueError(
                    f"region {self.region} is not a non-empty part of monitor "
                    f"{self.monitor.index} {self.monitor.rect.as_tuple()}"
                )
            object.__setattr__(self, "region", region.as_tuple())

    # -- geometry ---------------------------------------------------------------------------
    @property
    def source(self) -> Rect:
        """The grabbed rectangle in screen pixels (the region, else the whole monitor)."""
        return Rect.of(self.region) if self.region is not None else self.monitor.rect

    @property
    def input_divisor(self) -> float:
        """Screen pixels per input unit: 1, or the monitor scale for logical input."""
        return self.monitor.scale if self.input_space == "logical" else 1.0

    @property
    def model_size(self) -> tuple[float, float]:
        """The extent of the model's coordinate space: the viewport, or 1000 × 1000."""
        if self.coordinates == "normalized":
            return (float(NORMALIZED_RANGE), float(NORMALIZED_RANGE))
        return (float(self.viewport_width), float(self.viewport_height))

    def with_coordinates(self, space: CoordinateSpace) -> ViewportMapping:
        return replace(self, coordinates=space)

    def with_input_space(self, space: InputSpace) -> ViewportMapping:
        return replace(self, input_space=space)

    # -- model → screen ---------------------------------------------------------------------
    def contains(self, x: float, y: float) -> bool:
        """Whether a model coordinate is on the captured source."""
        width, height = self.model_size
        return math.isfinite(x) and math.isfinite(y) and 0 <= x < width and 0 <= y < height

    def to_position(self, x: float, y: float) -> tuple[float, float]:
        """The continuous screen-pixel position a model coordinate aims at (no rounding)."""
        if not self.contains(x, y):
            width, height = self.model_size
            space = "0–999 space" if self.coordinates == "normalized" else "viewport"
            raise OutOfScreenError(
                f"({x:g}, {y:g}) is outside the {space} (0 ≤ x < {width:g}, 0 ≤ y < {height:g}) "
                f"of monitor {self.monitor.index}",
                x=x,
                y=y,
            )
        src = self.source
        if self.coordinates == "normalized":
            fx, fy = x / NORMALIZED_RANGE, y / NORMALIZED_RANGE
        else:
            fx, fy = (x + 0.5) / self.viewport_width, (y + 0.5) / self.viewport_height
        return (src.left + fx * src.width, src.top + fy * src.height)

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        """Model coordinate → absolute input coordinate; `OutOfScreenError` off the source."""
        px, py = self.to_position(x, y)
        d = self.input_divisor
        src = self.source
        # A target in the last model pixel may sit on the source's far edge after rounding;
        # it belongs to the last input pixel, never to the neighbouring monitor.
        sx = _clamp(math.floor(px / d), src.left / d, src.right / d)
        sy = _clamp(math.floor(py / d), src.top / d, src.bottom / d)
        return (sx, sy)

    def to_physical(self, x: float, y: float) -> tuple[int, int]:
        """Model coordinate → the screen pixel it lands on (for masks, overlays and tests)."""
        px, py = self.to_position(x, y)
        src = self.source
        return (
            _clamp(math.floor(px), src.left, src.right),
            _clamp(math.floor(py), src.top, src.bottom),
        )

    # -- screen → model ---------------------------------------------------------------------
    def to_model(self, sx: float, sy: float) -> tuple[float, float]:
        """Input coordinate → model coordinate of that input pixel's centre (the inverse)."""
        d = self.input_divisor
        return self._from_position((sx + 0.5) * d, (sy + 0.5) * d)

    def physical_to_model(self, sx: float, sy: float) -> tuple[float, float]:
        """Screen pixel → model coordinate of its centre (e.g. where to draw a landed click)."""
        return self._from_position(sx + 0.5, sy + 0.5)

    def _from_position(self, px: float, py: float) -> tuple[float, float]:
        src = self.source
        fx, fy = (px - src.left) / src.width, (py - src.top) / src.height
        if self.coordinates == "normalized":
            return (fx * NORMALIZED_RANGE, fy * NORMALIZED_RANGE)
        return (fx * self.viewport_width - 0.5, fy * self.viewport_height - 0.5)


def _clamp(value: int, low: float, high: float) -> int:
    """Clamp an input pixel into ``[ceil(low) … ceil(high) - 1]`` (the pixels of the source)."""
    return max(math.ceil(low), min(value, math.ceil(high) - 1))


def auto_viewport(width: int, height: int, max_width: int) -> tuple[int, int]:
    """The viewport for a source of this size: its aspect ratio, width ≤ ``max_width``.

    Never upscaled (a 1024-wide source stays 1024 wide); the height is rounded to the nearest
    pixel and is at least 1. 1920×1080 → 1280×720; 2560×1440 → 1280×720; 1366×768 → 1280×720.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"cannot size a viewport for an empty source {width}×{height}")
    if max_width <= 0:
        raise ValueError("max_width must be positive")
    if width <= max_width:
        return (width, height)
    return (max_width, max(1, math.floor(height * max_width / width + 0.5)))
