"""Ground one step on one screenshot: find its text, decide the action, explain it.

The outcome of a step is one of three things, never a guess:

* `Act` — an action in Lightcone shape (coordinates in pixels of the *declared* display size,
  seed 004), with a sentence saying what was looked for, where it was found and how well;
* `Passed` — a ``check`` that found its text (the plan moves on without an action);
* `Failed` — the text is not on the screen (or a ``check`` failed): the sentence says what was
  missing and what the closest text was, and the task ends with ``terminate`` / ``failure``.

Scrolling uses `SCROLL_UNIT_PX` pixels per notch (the console's profile default), so
``scroll down 3`` is ``scroll_y = 300``; ``scroll_y > 0`` scrolls down, ``scroll_x > 0`` right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console_app.engine.commands import (
    CheckStep,
    DragStep,
    FocusFieldStep,
    NavigateStep,
    PointerStep,
    PressStep,
    ScrollStep,
    Step,
    TypeStep,
    WaitStep,
)
from console_app.engine.fields import field_point
from console_app.engine.images import Screenshot
from console_app.engine.locate import CLOSEST_MIN, FUZZY_THRESHOLD, Match, Miss, locate
from console_app.engine.ocr import OcrResult

SCROLL_UNIT_PX = 100
MAX_LISTED = 5  # equally good matches named in the reasoning


@dataclass(frozen=True)
class Display:
    """The declared display size that output coordinates are expressed in."""

    width: int
    height: int


@dataclass(frozen=True)
class Screen:
    """This turn's screenshot; OCR runs the first time a step asks what is on it."""

    shot: Screenshot
    reader: Callable[[Screenshot], OcrResult]

    @property
    def ocr(self) -> OcrResult:
        return self.reader(self.shot)


@dataclass(frozen=True)
class Act:
    action: dict[str, Any]
    note: str


@dataclass(frozen=True)
class Passed:
    note: str


@dataclass(frozen=True)
class Failed:
    note: str
    message: str


Outcome = Act | Passed | Failed


def _to_display(x: float, y: float, screen: Screen, display: Display) -> tuple[int, int]:
    sx = display.width / screen.shot.width
    sy = display.height / screen.shot.height
    dx = min(max(round(x * sx), 0), display.width - 1)
    dy = min(max(round(y * sy), 0), display.height - 1)
    return dx, dy


def _where(x: float, y: float, screen: Screen, display: Display) -> str:
    dx, dy = _to_display(x, y, screen, display)
    shot = screen.shot
    return (
        f"at ({round(x)}, {round(y)}) on the {shot.width}×{shot.height} screenshot → "
        f"({dx}, {dy}) on the {display.width}×{display.height} display"
    )


def describe_match(match: Match) -> str:
    if match.kind == "fuzzy":
        quality = (
            f"fuzzy match (letters only, numbers and identifiers equal), similarity "
            f"{match.similarity:.2f} ≥ {FUZZY_THRESHOLD:.2f}"
        )
    else:
        quality = f"{match.kind} match"
    where = f'"{match.matched_text}"'
    if match.kind != "exact" or match.matched_text != match.line.text:
        where += f' in the line "{match.line.text}"'
    extra = ""
    if match.others:
        shown = ", ".join(
            f'"{text}" at ({round(box.center[0])}, {round(box.center[1])})'
            for text, box in match.others[:MAX_LISTED]
        )
        more = len(match.others) - MAX_LISTED
        if more > 0:
            shown += f" and {more} more"
        extra = (
            f"; {match.candidates} equally good matches, took the first (button labels "
            f"before other text, then top to bottom, left to right); the others: {shown}"
        )
    return f"found {where} ({quality}, OCR score {match.ocr_score:.2f}{extra})"


def describe_miss(miss: Miss) -> str:
    """``"X" is not on the screen; closest: "Y" (why it was not taken)`` — one clause."""
    text = f'"{miss.target}" is not on the screen'
    if miss.best_text and miss.best_similarity >= CLOSEST_MIN:  # a look-alike, worth naming
        why = miss.reason or f"similarity {miss.best_similarity:.2f} < {FUZZY_THRESHOLD:.2f}"
        text += f'; closest: "{miss.best_text}" (not taken: {why})'
    return text


def ground(step: Step, screen: Screen | None, display: Display, label: str) -> Outcome:
    """The outcome of ``step``; ``label`` (e.g. ``Step 2/5 — click "OK"``) starts each note.

    ``screen`` may be ``None`` only for steps that do not need one (see `needs_screen`).
    """
    match step:
        case TypeStep():
            return Act(
                {"type": "type", "text": step.text},
                f"{label}: typing {len(step.text)} character(s).",
            )
        case PressStep():
            return Act(
                {"type": "keypress", "keys": list(step.keys)},
                f"{label}: pressing {'+'.join(step.keys)}.",
            )
        case NavigateStep():
            return Act({"type": "navigate", "url": step.url}, f"{label}: going to {step.url}.")
        case WaitStep():
            return Act(
                {"type": "wait", "seconds": step.seconds},
                f"{label}: waiting {step.seconds:g} s.",
            )
        case ScrollStep():
            return _scroll(step, screen, display, label)
    if screen is None:
        raise ValueError(f"{step.kind} needs a screenshot")
    match step:
        case PointerStep():
            return _pointer(step, screen, display, label)
        case FocusFieldStep():
            return _focus_field(step, screen, display, label)
        case DragStep():
            return _drag(step, screen, display, label)
        case CheckStep():
            return _check(step, screen, label)
    raise ValueError(f"unknown step {step!r}")


def _missing(miss: Miss, label: str) -> Failed:
    why = describe_miss(miss)
    return Failed(
        note=f"{label}: {why}. Stopping instead of guessing.",
        message=f"Stopped instead of guessing: {why}. ({label})",
    )


def _pointer(step: PointerStep, screen: Screen, display: Display, label: str) -> Outcome:
    found = locate(step.target, screen.ocr)
    if isinstance(found, Miss):
        return _missing(found, label)
    x, y = found.box.center
    dx, dy = _to_display(x, y, screen, display)
    action: dict[str, Any] = {"type": step.action, "x": dx, "y": dy}
    if step.action == "click":
        action["button"] = "left"
    verb = step.action.replace("_", " ")
    note = (
        f'{label}: looked for "{step.target}"; {describe_match(found)} '
        f"{_where(x, y, screen, display)}. Will {verb} it."
    )
    return Act(action, note)


def _focus_field(step: FocusFieldStep, screen: Screen, display: Display, label: str) -> Outcome:
    found = locate(step.target, screen.ocr)
    if isinstance(found, Miss):
        return _missing(found, label)
    # The words' box, not the line's: a detector line can run on over an empty field.
    point = field_point(screen.shot.pixels, found.box)
    dx, dy = _to_display(point.x, point.y, screen, display)
    note = (
        f'{label}: looked for the field "{step.target}"; {describe_match(found)}. '
        f"Clicking {point.explain()}, {_where(point.x, point.y, screen, display)}, "
        "then typing."
    )
    return Act({"type": "click", "button": "left", "x": dx, "y": dy}, note)


def _drag(step: DragStep, screen: Screen, display: Display, label: str) -> Outcome:
    start = locate(step.start, screen.ocr)
    if isinstance(start, Miss):
        return _missing(start, label)
    end = locate(step.end, screen.ocr)
    if isinstance(end, Miss):
        return _missing(end, label)
    (sx, sy), (ex, ey) = start.box.center, end.box.center
    x, y = _to_display(sx, sy, screen, display)
    end_x, end_y = _to_display(ex, ey, screen, display)
    note = (
        f'{label}: start "{step.start}" {describe_match(start)} {_where(sx, sy, screen, display)}; '
        f'end "{step.end}" {describe_match(end)} {_where(ex, ey, screen, display)}. Will drag.'
    )
    return Act({"type": "drag", "x": x, "y": y, "end_x": end_x, "end_y": end_y}, note)


def _scroll(step: ScrollStep, screen: Screen | None, display: Display, label: str) -> Outcome:
    amount = step.notches * SCROLL_UNIT_PX * (-1 if step.direction in ("up", "left") else 1)
    if step.target is None:
        x, y = display.width // 2, display.height // 2
        where = f"at the middle of the {display.width}×{display.height} display ({x}, {y})"
    else:
        if screen is None:
            raise ValueError("scroll on a target needs a screenshot")
        found = locate(step.target, screen.ocr)
        if isinstance(found, Miss):
            return _missing(found, label)
        cx, cy = found.box.center
        x, y = _to_display(cx, cy, screen, display)
        where = f'on "{step.target}": {describe_match(found)} {_where(cx, cy, screen, display)}'
    if step.direction in ("up", "down"):
        action: dict[str, Any] = {
            "type": "scroll",
            "x": x,
            "y": y,
            "scroll_x": 0,
            "scroll_y": amount,
        }
    else:
        action = {"type": "hscroll", "x": x, "y": y, "scroll_x": amount}
    note = (
        f"{label}: scrolling {step.direction} {step.notches} notch(es) "
        f"({abs(amount)} px at {SCROLL_UNIT_PX} px per notch) {where}."
    )
    return Act(action, note)


def _check(step: CheckStep, screen: Screen, label: str) -> Outcome:
    found = locate(step.text, screen.ocr, whole=True)
    if isinstance(found, Miss):
        why = describe_miss(found)
        return Failed(
            note=f"{label}: check failed: {why}.", message=f"The check failed: {why}. ({label})"
        )
    x, y = found.box.center
    return Passed(f"{label}: check passed: {describe_match(found)} at ({round(x)}, {round(y)}).")
