"""The one normalised `Action`: what the console shows, the human decides on, and the executor runs.

Why one model: the two API generations in the seeds disagree on shapes (``right_click`` versus
``click`` with ``button``; drag as ``end_x/end_y``, as ``path`` or as ``x1..y2``; keys as a list,
a chord string or a JSON string). Everything above the API client works on this union only, so
a dialect quirk is handled in exactly one place (``api/normalize.py``).

Rules that keep a supervised desktop safe:

* A field an action needs is required. A click without coordinates or a type without text is
  an `ActionValidationError` naming the field, never a default of 0.
* Coordinates are kept in the model's space (viewport pixels, or 0–999 when a profile says
  so); mapping to the screen and refusing out-of-screen targets is the executor's job.
* Models are frozen: an edited action is a new object, so the record of what the model
  proposed cannot be changed by accident.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from console_app.core.action_fields import (
    Coord,
    FieldError,
    HeldKeys,
    MouseButton,
    Point,
    ScrollAmount,
    Seconds,
)
from console_app.core.keys import UnknownKeyError, canonical_chord


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Holding(_Action):
    """A pointer action that may hold keys while it runs (shift-click, ctrl-drag, …).

    The executor presses them before the pointer input and releases them right after it (and
    on stop or failure); the policy counts them for blocked chords; every summary shows them.
    """

    keys: HeldKeys = None


class _Positioned(_Action):
    x: Coord
    y: Coord

    def points(self) -> list[Point]:
        return [Point(x=self.x, y=self.y)]


class Click(_Positioned, _Holding):
    type: Literal["click"] = "click"
    button: MouseButton = "left"


class DoubleClick(_Positioned, _Holding):
    type: Literal["double_click"] = "double_click"


class TripleClick(_Positioned, _Holding):
    type: Literal["triple_click"] = "triple_click"


class RightClick(_Positioned, _Holding):
    type: Literal["right_click"] = "right_click"


class Move(_Positioned, _Holding):
    type: Literal["move"] = "move"


class MouseDown(_Positioned):
    type: Literal["mouse_down"] = "mouse_down"
    button: MouseButton = "left"


class MouseUp(_Positioned):
    type: Literal["mouse_up"] = "mouse_up"
    button: MouseButton = "left"


class Drag(_Holding):
    """Press at the first point, move through the rest, release at the last."""

    type: Literal["drag"] = "drag"
    path: list[Point] = Field(min_length=2)

    def points(self) -> list[Point]:
        return list(self.path)


def _both_or_neither(x: float | None, y: float | None) -> None:
    """A scroll position is x and y, or neither (the pointer's position)."""
    if (x is None) != (y is None):
        raise FieldError("y" if y is None else "x", "x and y must be given together")


class Scroll(_Holding):
    """Scroll at a point (or where the pointer is when x/y are absent).

    Sign convention (the Responses API's): ``scroll_y > 0`` scrolls *down* (content moves up),
    ``scroll_x > 0`` scrolls *right*. Amounts are in the profile's scroll unit.
    """

    type: Literal["scroll"] = "scroll"
    x: Coord | None = None
    y: Coord | None = None
    scroll_x: ScrollAmount = 0
    scroll_y: ScrollAmount = 0

    @model_validator(mode="after")
    def _check(self) -> Scroll:
        _both_or_neither(self.x, self.y)
        if self.scroll_x == 0 and self.scroll_y == 0:
            raise FieldError("scroll_y", "scroll_y (or scroll_x) must be a non-zero amount")
        return self

    def points(self) -> list[Point]:
        return [] if self.x is None or self.y is None else [Point(x=self.x, y=self.y)]


class HScroll(_Holding):
    type: Literal["hscroll"] = "hscroll"
    x: Coord | None = None
    y: Coord | None = None
    scroll_x: ScrollAmount

    @model_validator(mode="after")
    def _check(self) -> HScroll:
        _both_or_neither(self.x, self.y)
        if self.scroll_x == 0:
            raise FieldError("scroll_x", "scroll_x must be a non-zero amount")
        return self

    def points(self) -> list[Point]:
        return [] if self.x is None or self.y is None else [Point(x=self.x, y=self.y)]


class TypeText(_Action):
    type: Literal["type"] = "type"
    text: str = Field(min_length=1)


class PointAndType(_Positioned):
    type: Literal["point_and_type"] = "point_and_type"
    text: str = Field(min_length=1)


class _Keys(_Action):
    keys: list[str] = Field(min_length=1)

    @field_validator("keys")
    @classmethod
    def _canonical(cls, keys: list[str]) -> list[str]:
        try:
            return canonical_chord(keys)
        except UnknownKeyError as exc:
            raise ValueError(str(exc)) from exc


class Keypress(_Keys):
    """Press a chord and release it (``key`` and ``keypress`` on the wire)."""

    type: Literal["keypress"] = "keypress"


class KeyDown(_Keys):
    type: Literal["key_down"] = "key_down"


class KeyUp(_Keys):
    type: Literal["key_up"] = "key_up"


class Navigate(_Action):
    type: Literal["navigate"] = "navigate"
    url: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: str) -> str:
        url = url.strip()
        if not url:
            raise ValueError("must not be empty")
        if any(ch in url for ch in "\n\r\t") or " " in url:
            raise ValueError("must not contain whitespace")
        scheme, sep, _ = url.partition("://")
        if not sep:
            if ":" in url.split("/")[0] and not url.split("/")[0].rsplit(":", 1)[-1].isdigit():
                raise ValueError("only http and https URLs can be opened")
            return "https://" + url
        if scheme.lower() not in {"http", "https"}:
            raise ValueError("only http and https URLs can be opened")
        return url


class Wait(_Action):
    type: Literal["wait"] = "wait"
    seconds: Seconds | None = Field(default=None, ge=0, le=60)


class Screenshot(_Action):
    type: Literal["screenshot"] = "screenshot"


class Terminate(_Action):
    type: Literal["terminate"] = "terminate"
    status: Literal["success", "failure"] | None = None
    result: str | None = None


class Answer(_Action):
    type: Literal["answer"] = "answer"
    result: str


class Done(_Action):
    type: Literal["done"] = "done"
    text: str | None = None


Action = Annotated[
    Click
    | DoubleClick
    | TripleClick
    | RightClick
    | Move
    | MouseDown
    | MouseUp
    | Drag
    | Scroll
    | HScroll
    | TypeText
    | PointAndType
    | Keypress
    | KeyDown
    | KeyUp
    | Navigate
    | Wait
    | Screenshot
    | Terminate
    | Answer
    | Done,
    Field(discriminator="type"),
]

ACTION_TYPES: tuple[str, ...] = (
    "click",
    "double_click",
    "triple_click",
    "right_click",
    "move",
    "mouse_down",
    "mouse_up",
    "drag",
    "scroll",
    "hscroll",
    "type",
    "point_and_type",
    "keypress",
    "key_down",
    "key_up",
    "navigate",
    "wait",
    "screenshot",
    "terminate",
    "answer",
    "done",
)
"""Every normalised action type, in the order the policy table shows them."""

FINAL_ACTION_TYPES = frozenset({"terminate", "answer", "done"})
"""Actions that end a run and send no input to the desktop."""

KEYBOARD_ACTION_TYPES = frozenset(
    {"type", "point_and_type", "keypress", "key_down", "key_up", "navigate"}
)
"""Actions that send key events (navigate types into the address bar in a browser)."""

POINTER_ACTION_TYPES = frozenset(
    {
        "click",
        "double_click",
        "triple_click",
        "right_click",
        "move",
        "mouse_down",
        "mouse_up",
        "drag",
        "scroll",
        "hscroll",
        "point_and_type",
    }
)

HOLDING_ACTION_TYPES = frozenset(
    {"click", "double_click", "triple_click", "right_click", "move", "drag", "scroll", "hscroll"}
)
"""Pointer actions that may carry held ``keys`` (pressed before, released after the input)."""


def held_keys(action: Action) -> list[str]:
    """The keys a pointer action holds while it runs (empty for every other action)."""
    if action.type not in HOLDING_ACTION_TYPES:
        return []
    return list(getattr(action, "keys", None) or [])


_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)


class ActionValidationError(ValueError):
    """An action the console will show but never execute.

    ``field`` names the first offending field (``"x"``, ``"text"``, ``"keys"``, ``"type"``…)
    so the message says what the model got wrong.
    """

    def __init__(self, message: str, *, field: str | None = None, action_type: str | None = None):
        super().__init__(message)
        self.field = field
        self.action_type = action_type


def build_action(data: dict[str, Any]) -> Action:
    """Validate a dict that is already in the normalised shape (``api/normalize.py`` makes it).

    Raises `ActionValidationError` naming the first bad field.
    """
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in ACTION_TYPES:
        raise ActionValidationError(
            f"unknown action type {kind!r}" if kind is not None else "action has no type",
            field="type",
            action_type=kind if isinstance(kind, str) else None,
        )
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise _explain(exc, kind) from None


def _explain(exc: ValidationError, kind: str) -> ActionValidationError:
    first = exc.errors(include_url=False)[0]
    # The first part of the location is the union tag (the action type), not a field.
    loc = [str(part) for part in first["loc"][1:]]
    field = loc[0] if loc else None
    cause = (first.get("ctx") or {}).get("error")
    if field is None and isinstance(cause, FieldError):
        field = cause.field
    if first["type"] == "missing":
        message = f"{kind} action is missing the field {'.'.join(loc) or field!r}"
    elif first["type"] == "extra_forbidden":
        message = f"{kind} action has an unexpected field {field!r}"
    else:
        reason = str(first["msg"]).removeprefix("Value error, ")
        where = f" field {'.'.join(loc)!r}" if loc else ""
        message = f"{kind} action{where}: {reason}"
    return ActionValidationError(message, field=field, action_type=kind)


def action_to_dict(action: Action) -> dict[str, Any]:
    """JSON-ready dict of an action (the shape `build_action` accepts back)."""
    return action.model_dump(mode="json", exclude_none=True)
