"""The local engine answers in the dialect it was asked in.

A request whose computer tool is OpenAI's (``computer_use_preview`` or the GA ``computer``)
gets an OpenAI-shaped response, so OpenAI-based agents (and the ``openai`` package) can use the
engine offline:

* every OpenAI action type only (``click`` with ``button``, ``double_click``, ``drag`` with
  ``path``, ``move``, ``scroll``, ``keypress``, ``type``, ``wait``, ``screenshot``); engine
  actions OpenAI lacks become their OpenAI equivalents: ``right_click`` → ``click`` with
  ``button: right``, ``hscroll`` → ``scroll``, ``navigate`` → Ctrl+L, the URL, Enter,
  ``triple_click`` → three clicks;
* the GA ``computer`` tool gets **one** ``computer_call`` with an ``actions`` list (a batch);
  the preview tool gets one ``computer_call`` per action (``action``);
* the run-ending actions (``terminate``, ``answer``, ``done``) become an assistant message —
  OpenAI ends a run with a message and no call;
* the response carries the fields OpenAI's response object requires (``parallel_tool_calls``,
  ``tool_choice``) and echoes the model name asked for.

A Lightcone request (``computer_use``, or no computer tool) is answered exactly as before.
"""

from __future__ import annotations

from typing import Any, Literal

from console_app.api.types import CreateParams

Dialect = Literal["lightcone", "openai_preview", "openai_computer"]

OPENAI_MODEL_PREFIX = "computer-use-preview"
FINAL_TYPES = frozenset({"terminate", "answer", "done"})


def requested_dialect(params: CreateParams) -> Dialect:
    tool = params.computer_tool()
    if tool is None:
        return "lightcone"
    if tool.type == "computer":
        return "openai_computer"
    if tool.type == "computer_use_preview":
        return "openai_preview"
    return "lightcone"


def is_openai_model(model: str | None) -> bool:
    return bool(model) and str(model).lower().startswith(OPENAI_MODEL_PREFIX)


def final_text(action: dict[str, Any]) -> str:
    """What a run-ending engine action says, as the text of an assistant message."""
    for key in ("result", "text"):
        value = action.get(key)
        if isinstance(value, str) and value:
            return value
    return "Done." if action.get("status") != "failure" else "I could not finish the task."


def openai_actions(action: dict[str, Any]) -> list[dict[str, Any]]:
    """One engine action → the OpenAI actions that do the same, in order."""
    kind = action.get("type")
    point = {"x": int(action.get("x", 0)), "y": int(action.get("y", 0))}
    match kind:
        case "click":
            return [{"type": "click", "button": action.get("button", "left"), **point}]
        case "right_click":
            return [{"type": "click", "button": "right", **point}]
        case "double_click":
            return [{"type": "double_click", **point}]
        case "triple_click":
            return [{"type": "click", "button": "left", **point} for _ in range(3)]
        case "move":
            return [{"type": "move", **point}]
        case "drag":
            end = {"x": int(action["end_x"]), "y": int(action["end_y"])}
            return [{"type": "drag", "path": [point, end]}]
        case "scroll" | "hscroll":
            return [
                {
                    "type": "scroll",
                    **point,
                    "scroll_x": int(action.get("scroll_x", 0)),
                    "scroll_y": int(action.get("scroll_y", 0)),
                }
            ]
        case "type":
            return [{"type": "type", "text": str(action["text"])}]
        case "key" | "keypress":
            return [{"type": "keypress", "keys": list(action["keys"])}]
        case "navigate":
            return [
                {"type": "keypress", "keys": ["ctrl", "l"]},
                {"type": "type", "text": str(action["url"])},
                {"type": "keypress", "keys": ["enter"]},
            ]
        case "wait":
            return [{"type": "wait"}]
        case "screenshot":
            return [{"type": "screenshot"}]
    raise ValueError(f"no OpenAI equivalent for the engine action {kind!r}")


def calls_for(action: dict[str, Any], dialect: Dialect, new_id: Any) -> list[dict[str, Any]]:
    """The ``computer_call`` items that carry ``action`` in ``dialect`` (not Lightcone)."""
    actions = openai_actions(action)
    common = {"type": "computer_call", "status": "completed", "pending_safety_checks": []}
    if dialect == "openai_computer":
        return [{**common, "id": new_id("cu"), "call_id": new_id("call"), "actions": actions}]
    return [
        {**common, "id": new_id("cu"), "call_id": new_id("call"), "action": one} for one in actions
    ]


OPENAI_RESPONSE_FIELDS: dict[str, Any] = {"parallel_tool_calls": False, "tool_choice": "auto"}
"""Fields OpenAI's response object requires that the Lightcone one does not have."""


__all__ = [
    "OPENAI_RESPONSE_FIELDS",
    "Dialect",
    "calls_for",
    "final_text",
    "is_openai_model",
    "openai_actions",
    "requested_dialect",
]
