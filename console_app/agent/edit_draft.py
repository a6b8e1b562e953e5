"""The console's edit of a proposed action: the draft, what can be edited, and how a click on
the screenshot or the text/keys fields change it. No Qt: the approval bar's controller
(`ui/console/approval_controller.py`) shows the fields and feeds back what the human typed and
clicked (the terminal's shorthand edit is `cli/terminal_approver.edit_action`).

* An edit starts from the normalised action, or from the repaired raw call when the proposal
  is not executable (`editable_base`).
* Pointer actions move their target with one click on the screenshot; a drag takes two (start,
  then end). Clicks arrive as model coordinates (`ImageSpace.to_model`).
* An edit is built with `core.actions.build_action`, so it is validated exactly like a model's
  action (`EditDraft.build` raises `ActionValidationError` with a plain message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from console_app.agent.decisions import ApprovalRequest
from console_app.core.actions import (
    HOLDING_ACTION_TYPES,
    POINTER_ACTION_TYPES,
    Action,
    ActionValidationError,
    action_to_dict,
    build_action,
)
from console_app.core.keys import chord_label, keys_from_wire

POINT_TYPES = POINTER_ACTION_TYPES - {"drag"}  # a drag's target is its path, not x/y
TEXT_TYPES = frozenset({"type", "point_and_type"})
KEY_TYPES = frozenset({"keypress", "key_down", "key_up"})


def editable_base(request: ApprovalRequest) -> dict[str, Any]:
    """The dict an edit starts from: the normalised action, or the repaired raw call."""
    proposal = request.proposal
    if proposal.action is not None:
        return action_to_dict(proposal.action)
    try:
        from console_app.api.normalize import normalize_action

        return dict(normalize_action(proposal.raw))
    except Exception:
        return {k: v for k, v in proposal.raw.items() if v is not None}


@dataclass(frozen=True)
class EditFields:
    """What the edit box shows: the hint, and the text/keys fields (``None``: hidden)."""

    hint: str
    text: str | None
    keys: str | None
    text_name: str = "Text"


@dataclass
class EditDraft:
    """The action being edited (a dict, validated only when built) and the drag clicks so far."""

    data: dict[str, Any]
    clicks: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def start(cls, request: ApprovalRequest) -> EditDraft:
        return cls(editable_base(request))

    @property
    def kind(self) -> str:
        return str(self.data.get("type", ""))

    def fields(self, kind: str) -> EditFields:
        """The hint and the fields for an edit of a ``kind`` action."""
        hints = []
        if kind in POINT_TYPES:
            hints.append("Click on the screenshot to move the target.")
        elif kind == "drag":
            hints.append("Click the drag's start point on the screenshot, then its end point.")
        text = keys = None
        text_name = "Text"
        if kind in TEXT_TYPES:
            text = str(self.data.get("text", ""))
        elif kind == "navigate":
            text, text_name = str(self.data.get("url", "")), "URL"
        if kind in KEY_TYPES:
            raw_keys = self.data.get("keys", [])
            keys = chord_label(raw_keys).lower() if isinstance(raw_keys, list) else str(raw_keys)
        elif kind in HOLDING_ACTION_TYPES:
            # keys held during the pointer action: shown, and removable (empty: none held)
            raw_keys = self.data.get("keys") or []
            keys = chord_label(raw_keys).lower() if isinstance(raw_keys, list) else str(raw_keys)
            hints.append("Keys: held during the action (empty: none).")
        if text is None and keys is None and not hints:
            hints.append(f"A “{kind}” action has nothing to edit; approve, reject or skip it.")
        hints.append("Enter runs the edited action; Esc leaves edit mode.")
        return EditFields(" ".join(hints), text, keys, text_name)

    def click(self, point: tuple[int, int]) -> str | None:
        """A click on the screenshot (model coordinates) moves the target. Returns the new hint
        ("" to keep it), or ``None`` when this kind of action has no target to move."""
        if self.kind == "drag":
            self.clicks = [*self.clicks, point] if len(self.clicks) < 2 else [point]
            if len(self.clicks) == 1:
                return "Start set; now click the drag's end point."
            (x1, y1), (x2, y2) = self.clicks
            self.data["path"] = [{"x": x1, "y": y1}, {"x": x2, "y": y2}]
            return "Drag moved. Enter runs it; click again to choose a new start."
        if self.kind in POINT_TYPES:
            self.data["x"], self.data["y"] = point
            self.clicks = [point]
            return ""
        return None

    def with_fields(self, text: str, keys: str) -> dict[str, Any]:
        """The edited action as a dict with what the fields hold (not yet validated)."""
        data = dict(self.data)
        kind = self.kind
        if kind in TEXT_TYPES:
            data["text"] = text
        if kind == "navigate":
            data["url"] = text
        if kind in KEY_TYPES or kind in HOLDING_ACTION_TYPES:
            data["keys"] = keys
        return data

    def build(self, text: str, keys: str) -> Action:
        """The validated edited action; raises `ActionValidationError` with a plain message."""
        data = self.with_fields(text, keys)
        if str(data.get("type")) in HOLDING_ACTION_TYPES and not str(data.get("keys", "")).strip():
            data.pop("keys", None)  # nothing held
        elif str(data.get("type")) in KEY_TYPES | HOLDING_ACTION_TYPES:
            try:
                data["keys"] = keys_from_wire(data["keys"])
            except ValueError as exc:
                raise ActionValidationError(f"keys: {exc}", field="keys") from None
        return build_action(data)
