"""Screen rectangles, shared by capture (what to grab, what to mask) and the executor (where input
may not land).

Why a tiny class of its own: "is this point on the console window" and "which part of this mask
lies inside the grabbed region" are answered in several layers, and an off-by-one between them
means a click on the supervisor's own Approve button. Rectangles are half-open —
``left <= x < left + width`` — like pixel grids are, everywhere in this package.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

RectTuple = tuple[int, int, int, int]
"""``(left, top, width, height)`` in screen pixels; what settings, JSON and Qt hand around."""

CoordinateSpace = Literal["pixels", "normalized"]
"""How a model's coordinates are meant: viewport pixels, or thousandths of the viewport."""

NORMALIZED_RANGE = 1000
"""0–999 mode: coordinates are thousandths of the source size."""


@dataclass(frozen=True)
class Rect:
    left: int
    top: int
    width: int
    height: int

    @classmethod
    def of(cls, value: Rect | Iterable[int]) -> Rect:
        """A `Rect` from a ``(left, top, width, height)`` sequence (or a `Rect`)."""
        if isinstance(value, Rect):
            return value
        left, top, width, height = (int(v) for v in value)
        return cls(left, top, width, height)

    @property
    def right(self) -> int:
        """One past the last column."""
        return self.left + self.width

    @property
    def bottom(self) -> int:
        """One past the last row."""
        return self.top + self.height

    @property
    def is_empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x < self.right and self.top <= y < self.bottom

    def contains_rect(self, other: Rect) -> bool:
        return (
            self.left <= other.left
            and self.top <= other.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def intersect(self, other: Rect) -> Rect | None:
        """The overlap of two rectangles, or ``None`` when they do not overlap."""
        left, top = max(self.left, other.left), max(self.top, other.top)
        right, bottom = min(self.right, other.right), min(self.bottom, other.bottom)
        if right <= left or bottom <= top:
            return None
        return Rect(left, top, right - left, bottom - top)

    def as_tuple(self) -> RectTuple:
        return (self.left, self.top, self.width, self.height)


def find_containing(rects: Iterable[Rect | Iterable[int]], x: float, y: float) -> Rect | None:
    """The first rectangle that contains the point, if any."""
    for value in rects:
        rect = Rect.of(value)
        if rect.contains(x, y):
            return rect
    return None
