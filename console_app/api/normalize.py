"""Map a wire action of either dialect onto the normalised dict `core.actions.build_action` reads.

`api/calls.py` turns a whole ``computer_call`` (one action or a batch, its safety checks and
status) into `ProposedAction`s through `normalize_action`.

Why here and only here: a console that mis-reads a dialect clicks in the wrong place on a real
desktop. Every quirk of the wire is handled by this module, against tests that parse every
example in the seeds:

* Lightcone (seeds 000/001/003/004): one flat action object; every field optional and often
  filled with zeros; ``right_click``, ``key``, ``hscroll``, ``answer``, ``done``, ``terminate``.
* OpenAI/vLLM (seed 002): a class per type; ``click`` with ``button`` left/right/wheel/back/
  forward; ``drag`` with ``path``; ``move``, ``screenshot``, ``point_and_type``,
  ``mouse_down/up``; ``pending_safety_checks`` on the call.
* Drag in three shapes (``x,y,end_x,end_y`` — ``path`` — ``x1,y1,x2,y2``); keys as a list, a
  ``"ctrl+c"`` string, or a JSON-encoded list.

A ``null`` field counts as missing. Nothing is defaulted to 0: a click without ``x`` is an error
naming ``x``, and the call is kept (shown, recorded, answered) but never executed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console_app.core.actions import HOLDING_ACTION_TYPES, ActionValidationError
from console_app.core.keys import keys_from_wire

_TYPE_ALIASES = {
    "left_click": "click",
    "leftclick": "click",
    "doubleclick": "double_click",
    "tripleclick": "triple_click",
    "rightclick": "right_click",
    "middle_click": "click",
    "mouse_move": "move",
    "mousemove": "move",
    "key_press": "keypress",
    "keydown": "key_down",
    "keyup": "key_up",
    "type_text": "type",
    "typetext": "type",
    "left_mouse_down": "mouse_down",
    "left_mouse_up": "mouse_up",
    "goto": "navigate",
    "open_url": "navigate",
}

_BUTTONS = {
    "left": "left",
    "right": "right",
    "wheel": "middle",
    "middle": "middle",
    "back": "back",
    "forward": "forward",
}

_TERMINATE_STATUS = {
    "success": "success",
    "succeeded": "success",
    "successful": "success",
    "completed": "success",
    "complete": "success",
    "done": "success",
    "failure": "failure",
    "failed": "failure",
    "fail": "failure",
    "error": "failure",
}


def normalize_action(raw: Any) -> dict[str, Any]:
    """Turn a raw wire action into the normalised dict `build_action` validates.

    Raises `ActionValidationError` naming the field at fault.
    """
    if not isinstance(raw, Mapping):
        raise ActionValidationError("the call has no action object", field="action")
    wire_type = raw.get("type")
    if not isinstance(wire_type, str) or not wire_type.strip():
        raise ActionValidationError("action has no type", field="type")
    spelled = wire_type.strip().lower().replace("-", "_")
    kind = _TYPE_ALIASES.get(spelled, spelled)
    fields = {k: v for k, v in raw.items() if v is not None}
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise ActionValidationError(
            f"unknown action type {wire_type!r}", field="type", action_type=wire_type
        )
    if spelled == "middle_click":
        fields.setdefault("button", "wheel")
    out = handler(kind, fields)
    if out.get("type") in HOLDING_ACTION_TYPES:
        held = _held(kind, fields)
        if held:
            out["keys"] = held
    return out


def _held(kind: str, fields: Mapping[str, Any]) -> list[str]:
    """The keys a pointer action holds (OpenAI's ``keys`` on click, drag, move, scroll…).

    Never dropped: a shift-click run as a plain click is a different action. Absent, null, an
    empty list or an empty string (a Go zero value) mean nothing is held.
    """
    value = fields.get("keys", fields.get("hold_keys"))
    if value is None or value == "" or value == []:
        return []
    try:
        return keys_from_wire(value)
    except ValueError as exc:
        raise ActionValidationError(
            f"{kind} action field 'keys' (held keys): {exc}", field="keys", action_type=kind
        ) from None


def _xy(kind: str, fields: Mapping[str, Any], *, required: bool = True) -> dict[str, Any]:
    if "x" not in fields and "y" not in fields:
        pair = fields.get("coordinate", fields.get("coordinates"))
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            return {"x": pair[0], "y": pair[1]}
    out = {name: fields[name] for name in ("x", "y") if name in fields}
    if required:
        for name in ("x", "y"):
            if name not in out:
                raise ActionValidationError(
                    f"{kind} action is missing the field {name!r}", field=name, action_type=kind
                )
    return out


def _require(kind: str, fields: Mapping[str, Any], name: str, *alternatives: str) -> Any:
    for key in (name, *alternatives):
        if key in fields:
            return fields[key]
    raise ActionValidationError(
        f"{kind} action is missing the field {name!r}", field=name, action_type=kind
    )


def _pointer(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": kind, **_xy(kind, fields)}


def _button(fields: Mapping[str, Any]) -> Any:
    # The Lightcone backend fills absent string fields with "" (Go zero values): "" is "left".
    button = fields.get("button", "left")
    return "left" if button == "" else button


def _click(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    button = _button(fields)
    if not isinstance(button, str) or button.lower() not in _BUTTONS:
        raise ActionValidationError(
            f"click action has an unknown button {button!r}", field="button", action_type=kind
        )
    normalised = _BUTTONS[button.lower()]
    if normalised == "right":
        return {"type": "right_click", **_xy(kind, fields)}
    return {"type": "click", "button": normalised, **_xy(kind, fields)}


def _mouse_button(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    button = _button(fields)
    if not isinstance(button, str) or button.lower() not in _BUTTONS:
        raise ActionValidationError(
            f"{kind} action has an unknown button {button!r}", field="button", action_type=kind
        )
    return {"type": kind, "button": _BUTTONS[button.lower()], **_xy(kind, fields)}


def _point(kind: str, value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping) and "x" in value and "y" in value:
        return {"x": value["x"], "y": value["y"]}
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return {"x": value[0], "y": value[1]}
    raise ActionValidationError(
        "drag action field 'path' has a point without x and y", field="path", action_type=kind
    )


def _drag(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    path = fields.get("path")
    if path is not None:
        if not isinstance(path, (list, tuple)):
            raise ActionValidationError(
                "drag action field 'path' must be a list of points", field="path", action_type=kind
            )
        points = [_point(kind, p) for p in path]
        start = _xy(kind, fields, required=False)
        if len(points) == 1 and len(start) == 2:
            points.insert(0, start)
        if len(points) < 2:
            raise ActionValidationError(
                "drag action field 'path' needs a start and an end point",
                field="path",
                action_type=kind,
            )
        return {"type": "drag", "path": points}
    if any(k in fields for k in ("x1", "y1", "x2", "y2")):
        ends = [_require(kind, fields, name) for name in ("x1", "y1", "x2", "y2")]
        return {
            "type": "drag",
            "path": [{"x": ends[0], "y": ends[1]}, {"x": ends[2], "y": ends[3]}],
        }
    start_fields = {
        "x": fields.get("x", fields.get("start_x")),
        "y": fields.get("y", fields.get("start_y")),
    }
    start_fields = {k: v for k, v in start_fields.items() if v is not None}
    start = _xy(kind, start_fields)
    end = {"x": _require(kind, fields, "end_x"), "y": _require(kind, fields, "end_y")}
    return {"type": "drag", "path": [start, end]}


def _scroll(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "scroll", **_xy(kind, fields, required=False)}
    if "scroll_x" not in fields and "scroll_y" not in fields:
        raise ActionValidationError(
            "scroll action is missing the field 'scroll_y'", field="scroll_y", action_type=kind
        )
    for name in ("scroll_x", "scroll_y"):
        if name in fields:
            out[name] = fields[name]
    return out


def _hscroll(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "hscroll",
        **_xy(kind, fields, required=False),
        "scroll_x": _require(kind, fields, "scroll_x"),
    }


def _type(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "type", "text": _require(kind, fields, "text")}


def _point_and_type(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": kind, **_xy(kind, fields), "text": _require(kind, fields, "text")}


def _keys(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    target = "keypress" if kind in ("key", "keypress") else kind
    value = _require(kind, fields, "keys", "key")
    try:
        names = keys_from_wire(value)
    except ValueError as exc:
        raise ActionValidationError(
            f"{kind} action field 'keys': {exc}", field="keys", action_type=kind
        ) from None
    return {"type": target, "keys": names}


def _navigate(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "navigate", "url": _require(kind, fields, "url")}


def _wait(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "wait"}
    if "seconds" in fields:
        out["seconds"] = fields["seconds"]
    elif "duration" in fields:
        out["seconds"] = fields["duration"]
    elif "ms" in fields or "duration_ms" in fields:
        ms = fields.get("ms", fields.get("duration_ms"))
        out["seconds"] = (
            ms / 1000 if isinstance(ms, (int, float)) and not isinstance(ms, bool) else ms
        )
    return out


def _screenshot(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "screenshot"}


def _terminate(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "terminate"}
    status = fields.get("status")
    if isinstance(status, str) and status.strip().lower() in _TERMINATE_STATUS:
        out["status"] = _TERMINATE_STATUS[status.strip().lower()]
    elif isinstance(status, bool):
        out["status"] = "success" if status else "failure"
    result = fields.get("result", fields.get("text"))
    if result is not None:
        out["result"] = result if isinstance(result, str) else str(result)
    return out


def _answer(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "answer", "result": _require(kind, fields, "result", "text", "answer")}


def _done(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "done"}
    text = fields.get("text", fields.get("result"))
    if text is not None:
        out["text"] = text
    return out


_HANDLERS = {
    "click": _click,
    "double_click": _pointer,
    "triple_click": _pointer,
    "right_click": _pointer,
    "move": _pointer,
    "mouse_down": _mouse_button,
    "mouse_up": _mouse_button,
    "drag": _drag,
    "scroll": _scroll,
    "hscroll": _hscroll,
    "type": _type,
    "point_and_type": _point_and_type,
    "key": _keys,
    "keypress": _keys,
    "key_down": _keys,
    "key_up": _keys,
    "navigate": _navigate,
    "wait": _wait,
    "screenshot": _screenshot,
    "terminate": _terminate,
    "answer": _answer,
    "done": _done,
}
