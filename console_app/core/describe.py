"""One-line human summaries of actions: the timeline, the CLI, reports and the loop's
feedback to the model all say "click at (640, 360)" the same way."""

from __future__ import annotations

from typing import assert_never

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
from console_app.core.keys import chord_label


def describe(action: Action) -> str:
    """A one-line human summary, used by the timeline, the CLI and reports.

    Keys held during a pointer action are always named ("click at (3, 4) holding Shift"): a
    supervisor who approves a summary must never approve a plain click that runs as a
    shift-click.
    """
    summary = _describe(action)
    keys = held_keys(action)
    return f"{summary} holding {chord_label(keys)}" if keys else summary


def _describe(action: Action) -> str:
    match action:
        case Click(button="left"):
            return f"click at ({_n(action.x)}, {_n(action.y)})"
        case Click():
            return f"{action.button} click at ({_n(action.x)}, {_n(action.y)})"
        case DoubleClick() | TripleClick() | RightClick() | Move():
            return f"{action.type.replace('_', ' ')} at ({_n(action.x)}, {_n(action.y)})"
        case MouseDown() | MouseUp():
            verb = "press" if action.type == "mouse_down" else "release"
            return f"{verb} {action.button} button at ({_n(action.x)}, {_n(action.y)})"
        case Drag():
            start, end = action.path[0], action.path[-1]
            return f"drag ({_n(start.x)}, {_n(start.y)}) → ({_n(end.x)}, {_n(end.y)})"
        case Scroll() | HScroll():
            return _describe_scroll(action)
        case TypeText():
            return f"type {_quote(action.text)}"
        case PointAndType():
            return f"type {_quote(action.text)} at ({_n(action.x)}, {_n(action.y)})"
        case Keypress():
            return f"press {chord_label(action.keys)}"
        case KeyDown():
            return f"hold {chord_label(action.keys)}"
        case KeyUp():
            return f"release {chord_label(action.keys)}"
        case Navigate():
            return f"go to {action.url}"
        case Wait():
            return "wait" if action.seconds is None else f"wait {action.seconds:g} s"
        case Screenshot():
            return "take a screenshot"
        case Terminate():
            return f"finish ({action.status or 'no status'})" + (
                f": {action.result}" if action.result else ""
            )
        case Answer():
            return f"answer: {action.result}"
        case Done():
            return "done" + (f": {action.text}" if action.text else "")
        case _:  # pragma: no cover - mypy checks that every action type has a case
            assert_never(action)


def _describe_scroll(action: Scroll | HScroll) -> str:
    parts = []
    dy = action.scroll_y if isinstance(action, Scroll) else 0
    if dy:
        parts.append(f"{'down' if dy > 0 else 'up'} {abs(dy)}")
    if action.scroll_x:
        parts.append(f"{'right' if action.scroll_x > 0 else 'left'} {abs(action.scroll_x)}")
    where = "" if action.x is None else f" at ({_n(action.x)}, {_n(action.y or 0)})"
    return "scroll " + ", ".join(parts) + where


def _n(value: float) -> str:
    return f"{value:g}"


def _quote(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return '"' + shown.replace("\n", "⏎") + '"'
