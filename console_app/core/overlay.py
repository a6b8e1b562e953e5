"""What to draw on the screenshot for one proposed action: pure geometry, no Qt, no painting.

Why separate from the painter: "the crosshair is where the model will click" is the promise the
console makes to the supervisor, so the geometry (model space → image pixels, where the arrow
starts and ends, which way a scroll points) is computed here and unit-tested exactly; the
painter (``ui/widgets/overlay_painter.py``) only turns these shapes into pixels at the current zoom.

All shape coordinates are *image* pixels of the screenshot the model saw. Model coordinates are
either viewport pixels (the image's own pixels) or 0–999 when the profile says ``normalized``
(``pixel = v / 1000 · size``, the convention of the later API docs).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal, assert_never

from console_app.core.actions import (
    Action,
    Answer,
    Click,
    Done,
    DoubleClick,
    Drag,
    HScroll,
    KeyDown,
    Keypress,
    KeyUp,
    MouseDown,
    MouseUp,
    Move,
    Navigate,
    PointAndType,
    RightClick,
    Screenshot,
    Scroll,
    Terminate,
    TripleClick,
    TypeText,
    Wait,
    held_keys,
)
from console_app.core.describe import describe
from console_app.core.geometry import NORMALIZED_RANGE
from console_app.core.keys import chord_label
from console_app.core.proposal import ProposedAction

SCROLL_ARROW_MIN = 40.0  # image pixels: a scroll of 1 still shows a visible arrow
SCROLL_ARROW_PER_UNIT = 18.0
SCROLL_ARROW_MAX = 220.0
MARK_RADIUS = 22.0  # numbered marks of double/triple clicks sit on a circle around the target


@dataclass(frozen=True)
class ImageSpace:
    """The screenshot's size and how the model's coordinates map onto it."""

    width: int
    height: int
    normalized: bool = False

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """Model coordinate → continuous image position. A pixel coordinate names a cell and
        is drawn at the cell's centre (where `capture.mapping` sends the input)."""
        if self.normalized:
            return x / NORMALIZED_RANGE * self.width, y / NORMALIZED_RANGE * self.height
        return x + 0.5, y + 0.5

    def to_model(self, ix: float, iy: float) -> tuple[int, int]:
        """Continuous image position → model coordinate (the cell under it, or the nearest
        thousandth), clamped to the valid range."""
        if self.normalized:
            x = round(ix / self.width * NORMALIZED_RANGE)
            y = round(iy / self.height * NORMALIZED_RANGE)
            top = NORMALIZED_RANGE - 1
            return min(max(x, 0), top), min(max(y, 0), top)
        x, y = math.floor(ix), math.floor(iy)
        return min(max(x, 0), self.width - 1), min(max(y, 0), self.height - 1)

    def contains(self, ix: float, iy: float) -> bool:
        return 0 <= ix < self.width and 0 <= iy < self.height

    @classmethod
    def of(cls, screenshot: Any) -> ImageSpace:
        """From a capture ``Screenshot`` (or anything with width, height and a mapping)."""
        mapping = getattr(screenshot, "mapping", None)
        space = getattr(mapping, "coordinates", None) or getattr(mapping, "space", "pixels")
        return cls(int(screenshot.width), int(screenshot.height), str(space) == "normalized")


# ---------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Crosshair:
    """A pointer target. ``label`` names the button or what happens there."""

    x: float
    y: float
    label: str
    outside: bool = False


@dataclass(frozen=True)
class ClickMarks:
    """Numbered marks (1, 2[, 3]) around a double/triple click's target."""

    x: float
    y: float
    marks: tuple[tuple[float, float, int], ...]


@dataclass(frozen=True)
class Arrow:
    """A drag path: pressed at the first point, released at the last."""

    points: tuple[tuple[float, float], ...]
    label: str


@dataclass(frozen=True)
class ScrollArrow:
    """Where the wheel turns, which way the content scrolls, and by how much.

    ``dx``/``dy`` are the arrow's length in *view* pixels (a fixed on-screen size that grows
    with the amount), not image pixels: a scroll arrow must stay readable at any zoom."""

    x: float
    y: float
    dx: float
    dy: float
    label: str
    at_pointer: bool = False  # no x/y: scrolls wherever the pointer is


@dataclass(frozen=True)
class TextBubble:
    """Text to be typed; anchored at a point, or ``None`` (into whatever has focus)."""

    text: str
    anchor: tuple[float, float] | None = None


@dataclass(frozen=True)
class KeyChips:
    """Keys to press, hold or release, one chip per key."""

    verb: Literal["press", "hold", "release"]
    keys: tuple[str, ...]


Tone = Literal["info", "url", "final", "error"]


@dataclass(frozen=True)
class Banner:
    """A line across the top of the image: a URL, a wait, a final answer, or an error."""

    text: str
    tone: Tone = "info"


Shape = Crosshair | ClickMarks | Arrow | ScrollArrow | TextBubble | KeyChips | Banner


@dataclass(frozen=True)
class Overlay:
    shapes: tuple[Shape, ...] = ()
    caption: str = ""  # the one-line summary (describe())
    outside: bool = False  # some point lies outside the screenshot
    extra: dict[str, Any] = field(default_factory=dict)

    def of_type(self, kind: type) -> list[Any]:
        return [shape for shape in self.shapes if isinstance(shape, kind)]


# ---------------------------------------------------------------------------- geometry


def overlay_for(item: ProposedAction | Action | None, space: ImageSpace) -> Overlay:
    """The shapes that show ``item`` on a screenshot of ``space``."""
    if item is None:
        return Overlay()
    if isinstance(item, ProposedAction):
        if item.action is None:
            text = f"Not executable ({item.kind}): {item.error}"
            return Overlay((Banner(text, "error"),), caption=item.summary())
        item = item.action
    shapes = tuple(_shapes(item, space))
    held = held_keys(item)
    if held:
        # Held keys are drawn with the pointer mark: approving a plain click that runs as a
        # shift-click must be impossible.
        shapes = (*_with_held_label(shapes, held), KeyChips("hold", _chip_labels(held)))
    outside = any(getattr(s, "outside", False) for s in shapes) or any(
        not space.contains(px, py) for s in shapes if isinstance(s, Arrow) for px, py in s.points
    )
    return Overlay(shapes, caption=describe(item), outside=outside)


def numbered(overlay: Overlay, number: int) -> Overlay:
    """``overlay`` with its labels prefixed by its position in a batch ("2. click")."""
    shapes: list[Shape] = []
    for shape in overlay.shapes:
        if isinstance(shape, (Crosshair, Arrow, ScrollArrow)):
            shape = dataclasses.replace(shape, label=f"{number}. {shape.label}")
        elif isinstance(shape, Banner):
            shape = dataclasses.replace(shape, text=f"{number}. {shape.text}")
        shapes.append(shape)  # a text bubble shows exactly the text typed: not numbered
    return dataclasses.replace(
        overlay, shapes=tuple(shapes), caption=f"{number}. {overlay.caption}"
    )


def _chip_labels(keys: list[str]) -> tuple[str, ...]:
    return tuple(chord_label([k]) for k in keys)


def _with_held_label(shapes: tuple[Shape, ...], keys: list[str]) -> list[Shape]:
    prefix = chord_label(keys) + "+"
    out: list[Shape] = []
    for shape in shapes:
        if isinstance(shape, (Crosshair, Arrow, ScrollArrow)):
            shape = dataclasses.replace(shape, label=prefix + shape.label)
        out.append(shape)
    return out


def _point(space: ImageSpace, x: float, y: float, label: str) -> Crosshair:
    ix, iy = space.to_image(x, y)
    return Crosshair(ix, iy, label, outside=not space.contains(ix, iy))


def click_marks(ix: float, iy: float, count: int) -> ClickMarks:
    """Marks on an arc above the target, numbered left to right (the button label sits below
    right of the target, so they never cover it)."""
    marks = []
    for n in range(count):
        angle = math.radians(-90 + (n - (count - 1) / 2) * 50)
        marks.append(
            (ix + MARK_RADIUS * math.cos(angle), iy + MARK_RADIUS * math.sin(angle), n + 1)
        )
    return ClickMarks(ix, iy, tuple(marks))


def scroll_arrow(space: ImageSpace, action: Scroll | HScroll) -> ScrollArrow:
    amount_y = action.scroll_y if isinstance(action, Scroll) else 0
    amount_x = action.scroll_x
    if action.x is None or action.y is None:
        ix, iy, at_pointer = space.width / 2, space.height / 2, True
    else:
        (ix, iy), at_pointer = space.to_image(action.x, action.y), False

    def length(amount: int) -> float:
        if amount == 0:
            return 0.0
        size = min(SCROLL_ARROW_MIN + SCROLL_ARROW_PER_UNIT * abs(amount), SCROLL_ARROW_MAX)
        return math.copysign(size, amount)

    parts = []
    if amount_y:
        parts.append(f"{'down' if amount_y > 0 else 'up'} {abs(amount_y)}")
    if amount_x:
        parts.append(f"{'right' if amount_x > 0 else 'left'} {abs(amount_x)}")
    return ScrollArrow(ix, iy, length(amount_x), length(amount_y), ", ".join(parts), at_pointer)


def _shapes(action: Action, space: ImageSpace) -> list[Shape]:
    match action:
        case Click():
            label = "click" if action.button == "left" else f"{action.button} click"
            return [_point(space, action.x, action.y, label)]
        case RightClick():
            return [_point(space, action.x, action.y, "right click")]
        case DoubleClick() | TripleClick():
            target = _point(space, action.x, action.y, action.type.replace("_", " "))
            count = 2 if isinstance(action, DoubleClick) else 3
            return [target, click_marks(target.x, target.y, count)]
        case Move():
            return [_point(space, action.x, action.y, "move")]
        case MouseDown():
            return [_point(space, action.x, action.y, f"press {action.button}")]
        case MouseUp():
            return [_point(space, action.x, action.y, f"release {action.button}")]
        case Drag():
            points = tuple(space.to_image(p.x, p.y) for p in action.path)
            return [Arrow(points, f"drag ({len(points) - 1} segment{'s' * (len(points) > 2)})")]
        case Scroll() | HScroll():
            return [scroll_arrow(space, action)]
        case TypeText():
            return [TextBubble(action.text)]
        case PointAndType():
            target = _point(space, action.x, action.y, "type here")
            return [target, TextBubble(action.text, (target.x, target.y))]
        case Keypress():
            return [KeyChips("press", tuple(chord_label([k]) for k in action.keys))]
        case KeyDown():
            return [KeyChips("hold", tuple(chord_label([k]) for k in action.keys))]
        case KeyUp():
            return [KeyChips("release", tuple(chord_label([k]) for k in action.keys))]
        case Navigate():
            return [Banner(action.url, "url")]
        case Wait():
            return [Banner("wait" if action.seconds is None else f"wait {action.seconds:g} s")]
        case Screenshot():
            return [Banner("take a screenshot")]
        case Terminate():
            text = f"finish ({action.status or 'no status'})"
            return [Banner(text + (f": {action.result}" if action.result else ""), "final")]
        case Answer():
            return [Banner(f"answer: {action.result}", "final")]
        case Done():
            return [Banner("done" + (f": {action.text}" if action.text else ""), "final")]
        case _:  # pragma: no cover - mypy checks that every action type has a case
            assert_never(action)


def pointer_targets(action: Action) -> int:
    """How many clicks on the screenshot an edit of ``action`` takes (0: not a pointer edit)."""
    if isinstance(action, Drag):
        return 2
    if isinstance(action, (Scroll, HScroll)) or hasattr(action, "x"):
        return 1
    return 0
