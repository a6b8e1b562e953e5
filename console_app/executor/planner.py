"""Turn one normalised `Action` into validated primitive steps — or refuse it.

Everything that can refuse an action happens here, before any input: coordinates mapped to the
monitor (`ViewportMapping.to_screen`), targets on a ``forbidden`` rectangle (the console's own
window), pyautogui's fail-safe corners, keys the backend cannot press, buttons it cannot press,
text it cannot type, and a button that is already held.

Conventions the planner owns (documented here once):

* Scroll: ``scroll_y > 0`` scrolls **down** (content moves up), ``scroll_x > 0`` scrolls
  **right** — the Responses API's convention. Amounts are in the profile's unit,
  ``scroll_unit_px`` pixels per wheel notch: ``notches = max(1, floor(|amount| / unit + 0.5))``
  (half rounds up, a non-zero amount is always at least one notch), at most
  `MAX_WHEEL_NOTCHES` (more is refused as a likely unit mistake). X11 sends a notch as a click
  of button 5 (down), 4 (up), 7 (right) or 6 (left).
* Text: line breaks (``\\n``, ``\\r\\n``, ``\\r``) are typed as Enter key presses; other control
  characters except tab are refused.
* Keys: a chord presses its keys in order and releases them in reverse; keys already held by a
  ``key_down`` are neither pressed again nor released by a chord (the hold stays).
* Held keys (``keys`` on a click, drag, move or scroll): pressed once the pointer is on the
  target, released right after the pointer input (``executor/held_keys.py``).
* Drag: press at the first point, move through every point (interpolated every
  `DRAG_STEP_PX` so applications see real motion), release at the last.
"""

from __future__ import annotations

import itertools
import math
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field

from console_app.capture.mapping import OutOfScreenError, ViewportMapping
from console_app.core.action_fields import MouseButton
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
from console_app.core.geometry import Rect, RectTuple
from console_app.core.keys import UnknownKeyError, canonical_key
from console_app.core.settings import Environment
from console_app.executor.backend import (
    InputBackend,
    MoveTo,
    OpenUrl,
    Pause,
    PressButton,
    PressKey,
    ReleaseButton,
    ReleaseKey,
    Step,
    Wheel,
    WriteText,
)
from console_app.executor.held_keys import hold_keys_around
from console_app.executor.keymap import PYAUTOGUI_KEYS
from console_app.executor.outcomes import ActionRefused

ACTION_CLASSES: tuple[type, ...] = typing.get_args(typing.get_args(Action)[0])
"""Every class of the `Action` union (anything else is refused, not silently ignored)."""
MAX_WHEEL_NOTCHES = 100
DRAG_STEP_PX = 20
MAX_DRAG_STEPS = 25
DEFAULT_WAIT_S = 1.0
MAX_WAIT_S = 60.0


@dataclass(frozen=True)
class Timing:
    """Pauses that make real applications see what a person would do."""

    pointer_settle: float = 0.02
    """After moving onto a target, before pressing (hover effects, enter events)."""
    click_interval: float = 0.03
    """Between the clicks of a double/triple click (well inside a 400 ms double-click time)."""
    drag_hold: float = 0.05
    """After pressing and before releasing in a drag (drag thresholds, drop targets)."""
    drag_step: float = 0.008
    """Between interpolated drag moves."""
    address_bar: float = 0.1
    """After Ctrl+L in the browser environment, before typing the URL."""

    @classmethod
    def instant(cls) -> Timing:
        return cls(0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    points: list[tuple[int, int]] = field(default_factory=list)
    detail: str = ""


def wheel_notches(amount: int, unit_px: int) -> int:
    """Signed wheel notches for a scroll amount in profile units (see module docstring)."""
    if amount == 0:
        return 0
    count = max(1, math.floor(abs(amount) / unit_px + 0.5))
    return count if amount > 0 else -count


class Planner:
    """Turns one `Action` into a `Plan` of primitive steps, refusing it before any input.

    Every check — targets on the monitor and off ``forbidden`` rectangles and fail-safe
    corners, keys pressable, buttons supported, text typeable, scrolls bounded — runs here on
    the whole action; `ActionRefused` means nothing was sent.
    """

    def __init__(
        self,
        backend: InputBackend,
        *,
        environment: Environment,
        scroll_unit_px: int,
        timing: Timing,
    ) -> None:
        if scroll_unit_px <= 0:
            raise ValueError("scroll_unit_px must be positive")
        if environment not in ("desktop", "browser"):
            raise ValueError(f"unknown environment {environment!r}")
        self.backend = backend
        self.environment: Environment = environment
        self.scroll_unit_px = scroll_unit_px
        self.timing = timing

    # -- targets ----------------------------------------------------------------------------
    def target(
        self, mapping: ViewportMapping, forbidden: Sequence[Rect], x: float, y: float
    ) -> tuple[int, int]:
        """Map one model point to input coordinates, or refuse it."""
        try:
            point = mapping.to_screen(x, y)
            physical = mapping.to_physical(x, y)
        except OutOfScreenError as exc:
            raise ActionRefused(f"target outside the screen: {exc}") from None
        self._check_allowed(point, physical, forbidden)
        return point

    def _check_allowed(
        self, point: tuple[int, int], physical: tuple[float, float], forbidden: Sequence[Rect]
    ) -> None:
        for rect in forbidden:
            if rect.contains(*physical):
                raise ActionRefused(
                    f"target {point} is on a protected area {rect.as_tuple()} "
                    "(the supervisor's own window, or one masked by a privacy rule)"
                )
        if self.backend.is_failsafe_point(*point):
            raise ActionRefused(
                f"target {point} is a screen corner, where pyautogui's fail-safe would stop "
                "every later action"
            )

    def pointer_target(
        self, mapping: ViewportMapping, forbidden: Sequence[Rect]
    ) -> tuple[int, int]:
        """The current pointer position, refused if it is off the source or on the console."""
        point = self.backend.position()
        d = mapping.input_divisor
        physical = ((point[0] + 0.5) * d, (point[1] + 0.5) * d)
        if not mapping.source.contains(*physical):
            raise ActionRefused(
                f"the pointer is at {point}, outside the captured area "
                f"{mapping.source.as_tuple()}; give the scroll a position"
            )
        self._check_allowed(point, physical, forbidden)
        return point

    # -- keys, buttons, text ----------------------------------------------------------------
    def keys(self, names: Sequence[str]) -> list[tuple[str, str]]:
        """``(backend name, canonical name)`` for every key, or refuse the whole chord."""
        out = []
        for name in names:
            try:
                canonical = canonical_key(name)
            except UnknownKeyError:
                raise ActionRefused(f"unknown key {name!r}: nothing was pressed") from None
            key = PYAUTOGUI_KEYS.get(canonical)
            if key is None:
                raise ActionRefused(f"no key table entry for {name!r}: nothing was pressed")
            if not self.backend.can_press(key):
                raise ActionRefused(
                    f"the key {canonical!r} cannot be pressed on this desktop (no keycode in "
                    "the current keyboard map): nothing was pressed"
                )
            out.append((key, canonical))
        return out

    def button(self, button: MouseButton, held: Sequence[str]) -> MouseButton:
        if not self.backend.supports_button(button):
            raise ActionRefused(f"the {button} mouse button is not supported on this desktop")
        if f"button:{button}" in held:
            raise ActionRefused(
                f"the {button} button is already held (mouse_down); release it with mouse_up first"
            )
        return button

    def text_steps(self, text: str) -> list[Step]:
        """Steps that type ``text`` exactly, line breaks as Enter; refuses untypable text."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        for ch in text:
            if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) < 0xA0:
                raise ActionRefused(f"the text contains the control character U+{ord(ch):04X}")
            if 0xD800 <= ord(ch) <= 0xDFFF:
                raise ActionRefused("the text contains an unpaired surrogate")
        reason = self.backend.cannot_type(text.replace("\n", ""))
        if reason:
            raise ActionRefused(reason)
        enter = self.keys(["enter"])[0]
        steps: list[Step] = []
        for index, line in enumerate(text.split("\n")):
            if index:
                steps += [PressKey(*enter), ReleaseKey(*enter)]
            if line:
                steps.append(WriteText(line))
        return steps

    # -- actions ----------------------------------------------------------------------------
    def plan(
        self,
        action: Action,
        mapping: ViewportMapping,
        forbidden: Sequence[RectTuple | Rect],
        held: Sequence[str],
    ) -> Plan:
        if not isinstance(action, ACTION_CLASSES):
            # a new action type must be taught to the executor, never silently "run"
            raise ActionRefused(f"the executor cannot run {getattr(action, 'type', action)!r}")
        rects = [Rect.of(rect) for rect in forbidden]
        t = self.timing
        plan = Plan(detail=describe(action))

        def at(x: float, y: float) -> tuple[int, int]:
            point = self.target(mapping, rects, x, y)
            plan.points.append(point)
            return point

        def clicks(point: tuple[int, int], button: MouseButton, count: int) -> list[Step]:
            steps: list[Step] = [MoveTo(*point), Pause(t.pointer_settle)]
            for index in range(count):
                if index:
                    steps.append(Pause(t.click_interval))
                steps += [PressButton(button), ReleaseButton(button)]
            return steps

        match action:
            case Click():
                button = self.button(action.button, held)
                plan.steps = clicks(at(action.x, action.y), button, 1)
            case DoubleClick() | TripleClick() | RightClick():
                button = self.button("right" if isinstance(action, RightClick) else "left", held)
                count = {"double_click": 2, "triple_click": 3}.get(action.type, 1)
                plan.steps = clicks(at(action.x, action.y), button, count)
            case Move():
                plan.steps = [MoveTo(*at(action.x, action.y))]
            case MouseDown():
                button = self.button(action.button, held)
                plan.steps = [
                    MoveTo(*at(action.x, action.y)),
                    Pause(t.pointer_settle),
                    PressButton(button),
                ]
            case MouseUp():
                if not self.backend.supports_button(action.button):
                    raise ActionRefused(
                        f"the {action.button} mouse button is not supported on this desktop"
                    )
                plan.steps = [
                    MoveTo(*at(action.x, action.y)),
                    Pause(t.pointer_settle),
                    ReleaseButton(action.button),
                ]
                if f"button:{action.button}" not in held:
                    plan.detail += f" (the {action.button} button was not held)"
            case Drag():
                self.button("left", held)
                points = [at(p.x, p.y) for p in action.path]
                plan.steps = self._drag(points)
            case Scroll() | HScroll():
                if action.x is not None and action.y is not None:
                    point = at(action.x, action.y)
                    plan.steps = [MoveTo(*point), Pause(t.pointer_settle)]
                else:
                    plan.points.append(self.pointer_target(mapping, rects))
                down = wheel_notches(
                    action.scroll_y if isinstance(action, Scroll) else 0, self.scroll_unit_px
                )
                right = wheel_notches(action.scroll_x, self.scroll_unit_px)
                if max(abs(down), abs(right)) > MAX_WHEEL_NOTCHES:
                    raise ActionRefused(
                        f"a scroll of {max(abs(down), abs(right))} wheel notches exceeds the "
                        f"limit of {MAX_WHEEL_NOTCHES} (scroll unit {self.scroll_unit_px} px)"
                    )
                plan.steps.append(Wheel(down=down, right=right))
                plan.detail += f" ({_notch_label(down, right)})"
            case TypeText():
                plan.steps = self.text_steps(action.text)
            case PointAndType():
                typing = self.text_steps(action.text)
                button = self.button("left", held)
                plan.steps = [
                    *clicks(at(action.x, action.y), button, 1),
                    Pause(t.pointer_settle),
                    *typing,
                ]
            case Keypress():
                keys = [k for k in self.keys(action.keys) if f"key:{k[1]}" not in held]
                plan.steps = [*(PressKey(*k) for k in keys), *(ReleaseKey(*k) for k in keys[::-1])]
            case KeyDown():
                keys = [k for k in self.keys(action.keys) if f"key:{k[1]}" not in held]
                plan.steps = [PressKey(*k) for k in keys]
            case KeyUp():
                plan.steps = [ReleaseKey(*k) for k in self.keys(action.keys)[::-1]]
            case Navigate():
                plan.steps = self._navigate(action.url)
            case Wait():
                seconds = DEFAULT_WAIT_S if action.seconds is None else action.seconds
                plan.steps = [Pause(min(max(seconds, 0.0), MAX_WAIT_S))]
            case Screenshot():
                plan.detail = "screenshot: nothing to send (the loop captures again)"
            case Terminate() | Answer() | Done():
                plan.detail = f"{action.type} is final: nothing sent to the desktop"
            case _:  # pragma: no cover - ACTION_CLASSES and this match list the same types
                raise ActionRefused(f"the executor cannot run {action.type!r}")
        plan.steps = hold_keys_around(plan.steps, held_keys(action), held, self.keys)
        return plan

    def _drag(self, points: list[tuple[int, int]]) -> list[Step]:
        t = self.timing
        steps: list[Step] = [
            MoveTo(*points[0]),
            Pause(t.pointer_settle),
            PressButton("left"),
            Pause(t.drag_hold),
        ]
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            count = min(
                MAX_DRAG_STEPS, max(2, math.ceil(math.hypot(x1 - x0, y1 - y0) / DRAG_STEP_PX))
            )
            for i in range(1, count + 1):
                x = round(x0 + (x1 - x0) * i / count)
                y = round(y0 + (y1 - y0) * i / count)
                steps += [MoveTo(x, y), Pause(t.drag_step)]
        steps += [Pause(t.drag_hold), ReleaseButton("left")]
        return steps

    def _navigate(self, url: str) -> list[Step]:
        if self.environment == "desktop":
            scheme = url.split("://", 1)[0].lower() if "://" in url else ""
            if scheme not in ("http", "https"):
                raise ActionRefused(f"only http(s) URLs are opened on the desktop, not {url!r}")
            return [OpenUrl(url)]
        ctrl, ell = self.keys(["ctrl", "l"])
        return [
            PressKey(*ctrl),
            PressKey(*ell),
            ReleaseKey(*ell),
            ReleaseKey(*ctrl),
            Pause(self.timing.address_bar),
            *self.text_steps(url + "\n"),
        ]


def _notch_label(down: int, right: int) -> str:
    parts = []
    if down:
        parts.append(
            f"{abs(down)} notch{'es' if abs(down) != 1 else ''} {'down' if down > 0 else 'up'}"
        )
    if right:
        parts.append(
            f"{abs(right)} notch{'es' if abs(right) != 1 else ''} "
            f"{'right' if right > 0 else 'left'}"
        )
    return ", ".join(parts)
