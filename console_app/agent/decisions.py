"""What a human (or the policy) can answer when the loop asks about one proposed action.

Why explicit types instead of strings: each answer carries different data (feedback text, an
edited action, acknowledged safety checks), and the loop must not be able to confuse
"rejected with feedback" with "skipped" — one goes back to the model as a user message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from console_app.core.actions import Action
from console_app.core.proposal import ProposedAction


@dataclass(frozen=True)
class Approve:
    """Run the action as proposed. ``acknowledged`` lists the safety-check ids the human ticked;
    ``remember_type`` auto-approves this action type for the rest of the run."""

    acknowledged: tuple[str, ...] = ()
    remember_type: bool = False
    count: int | None = None
    """For an action of a batch: approve this one and the next ``count - 1`` (``None`` or 1:
    only this one). A count past the end approves the rest of the batch."""


@dataclass(frozen=True)
class Edit:
    """Run ``action`` instead of the proposed one (a moved target, corrected text or keys)."""

    action: Action
    acknowledged: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reject:
    """Do not run it; ``feedback`` (if any) is sent to the model as a user message."""

    feedback: str | None = None


@dataclass(frozen=True)
class Skip:
    """Do not run it and tell the model it was skipped; the run goes on."""


@dataclass(frozen=True)
class Stop:
    """End the run now: nothing more is executed, held input is released."""


Decision = Approve | Edit | Reject | Skip | Stop


class StopRun(Exception):
    """Raised inside the loop when the supervisor (or an error handler) stops the run."""


@dataclass(frozen=True)
class ApprovalRequest:
    """Everything the approver needs to decide about one action.

    ``screenshot`` is the image the model saw (the overlay is drawn on it); ``note`` explains
    why the loop is asking again (e.g. unacknowledged safety checks).
    """

    run_id: str
    step_index: int
    proposal: ProposedAction
    screenshot: Any
    reasoning: str = ""
    message: str = ""
    policy_reason: str = ""
    note: str = ""
    held_input: tuple[str, ...] = field(default_factory=tuple)
    batch: tuple[ProposedAction, ...] = ()
    """Every action of the batch this proposal belongs to, in order (empty for a single
    action); ``proposal.batch_index`` says which one is being decided."""

    @property
    def needs_acknowledgement(self) -> tuple[str, ...]:
        return tuple(check.id for check in self.proposal.pending_safety_checks)
