"""The value types of an action's fields: coordinates, scroll amounts, seconds, mouse buttons,
points and held keys — each a pydantic type whose validator refuses what a supervised desktop
must never guess (a bool or a string as a coordinate, an infinite number, an unknown key name).

`core.actions` builds every `Action` from these; `FieldError` lets a check that spans several
fields name the one at fault.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from console_app.core.keys import UnknownKeyError, canonical_chord


def _coordinate(value: object) -> float:
    # bool is an int in Python; a coordinate of True is a bug upstream, not 1 pixel.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return float(value)


def _plain_number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


Coord = Annotated[
    float,
    BeforeValidator(_coordinate),
    PlainSerializer(_plain_number, return_type=int | float),
]
"""A coordinate in the model's space: a finite number (int or float), never a bool or string."""


def _scroll_amount(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("must be a finite number")
    return round(value)


ScrollAmount = Annotated[int, BeforeValidator(_scroll_amount)]


def _seconds(value: object) -> object:
    # Without this, pydantic's lax mode would read "5" or true as a number of seconds.
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError("must be a number of seconds")
    return value


Seconds = Annotated[float, BeforeValidator(_seconds)]


class FieldError(ValueError):
    """A validator's complaint about a named field (for checks that span several fields),
    so `ActionValidationError.field` can name it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


MouseButton = Literal["left", "right", "middle", "back", "forward"]


class Point(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    x: Coord
    y: Coord


def _held_keys(value: object) -> list[str] | None:
    # An empty list (or null) means nothing is held; a bad name refuses the whole action,
    # because a click run without the modifier the model meant is a different click.
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValueError("must be a list of key names")
    if not value:
        return None
    try:
        return canonical_chord(value)
    except UnknownKeyError as exc:
        raise ValueError(str(exc)) from exc


HeldKeys = Annotated[list[str] | None, BeforeValidator(_held_keys)]
"""Keys held down during a pointer action (OpenAI's ``keys`` on click, drag, move, scroll…),
canonical names; ``None`` when nothing is held."""
