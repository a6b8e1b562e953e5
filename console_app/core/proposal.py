"""What the model proposed in one ``computer_call``: the action (if it is understood) and why not.

Why a wrapper and not the action alone: a call the console cannot execute (unknown type,
missing field) must still be shown to the human and recorded, with the model's raw item, and
answered with a ``computer_call_output`` so the conversation can go on. Only ``action`` is ever
executed; it is ``None`` exactly when ``error`` says why.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from console_app.core.actions import Action
from console_app.core.describe import describe


class SafetyCheck(BaseModel):
    """A pending safety check: the human must acknowledge it before the action may run."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    code: str | None = None
    message: str | None = None


class ProposedAction(BaseModel):
    model_config = ConfigDict(frozen=True)

    call_id: str | None = None
    item_id: str | None = None
    action: Action | None = None
    error: str | None = None
    error_field: str | None = None
    raw_type: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict)
    pending_safety_checks: tuple[SafetyCheck, ...] = ()
    batch_index: int = 0
    """Position in the call's ``actions`` list (a batched call); 0 for a single action."""
    batch_size: int = 1
    """How many actions the call carries; one ``computer_call_output`` answers them all."""

    @model_validator(mode="after")
    def _exactly_one(self) -> ProposedAction:
        if (self.action is None) == (self.error is None):
            raise ValueError("a proposed action has either an action or an error")
        return self

    @property
    def executable(self) -> bool:
        return self.action is not None

    @property
    def kind(self) -> str:
        """The normalised action type, or the raw type (or ``"unknown"``) when not understood."""
        if self.action is not None:
            return self.action.type
        return self.raw_type or "unknown"

    @property
    def in_batch(self) -> bool:
        return self.batch_size > 1

    def summary(self) -> str:
        if self.action is not None:
            text = describe(self.action)
        else:
            text = f"not executable ({self.kind}): {self.error}"
        if self.in_batch:
            return f"action {self.batch_index + 1} of {self.batch_size}: {text}"
        return text
