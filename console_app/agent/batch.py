"""Batched actions: one ``computer_call`` with an ``actions`` list (OpenAI's GA ``computer``
tool) becomes an ordered batch of proposals that share one ``call_id``.

Rules (each has a test in ``tests/unit/agent/test_batch.py``):

* The supervisor sees the whole batch, in order, with every approval request
  (`ApprovalRequest.batch`), and may approve this action only, the first N from here, or all
  of the rest (`Approve.count`); reject (with feedback); or edit the current one.
* Pre-approval never overrides the policy: a blocked action is still blocked, an action whose
  type the policy says "ask" is covered by the human's batch approval, and pending safety
  checks are asked for again.
* Execution stops at the first action that does not run as proposed — rejected, blocked,
  invalid, refused, failed — and stop ends the run. The rest are recorded as skipped (never
  lost from the history) and the model is told which ones did not run.
* On stop, the rest of the batch is recorded as stopped (`record_rest_of_batch`, over the
  `RunContext`, never the loop).
* One ``computer_call_output`` answers the call after the batch (``turns.follow_up_request``
  answers each ``call_id`` once), with the screen after the last action that ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from console_app.core.actions import action_to_dict
from console_app.core.proposal import ProposedAction
from console_app.core.records import StepRecord, Timings
from console_app.core.redact import redact_obj

if TYPE_CHECKING:
    from console_app.agent.context import RunContext
    from console_app.agent.turns import ModelTurn


def batch_key(proposal: ProposedAction) -> tuple[str | None, str | None]:
    return (proposal.call_id, proposal.item_id)


@dataclass
class _BatchState:
    approved_through: int = -1
    halted: str | None = None
    told_model: bool = False


class BatchTracker:
    """What the supervisor decided about each batch of the current turn."""

    def __init__(self) -> None:
        self._states: dict[tuple[str | None, str | None], _BatchState] = {}

    def _state(self, proposal: ProposedAction) -> _BatchState:
        return self._states.setdefault(batch_key(proposal), _BatchState())

    def approve(self, proposal: ProposedAction, count: int | None) -> None:
        """The human approved ``count`` actions starting at this one (``None``: only this)."""
        if not proposal.in_batch or count is None or count <= 1:
            return
        last = min(proposal.batch_index + count - 1, proposal.batch_size - 1)
        state = self._state(proposal)
        state.approved_through = max(state.approved_through, last)

    def pre_approved(self, proposal: ProposedAction) -> bool:
        return proposal.in_batch and proposal.batch_index <= self._state(proposal).approved_through

    def halt(self, proposal: ProposedAction, reason: str) -> None:
        """The batch stops here: the actions after this one are not run."""
        if proposal.in_batch:
            state = self._state(proposal)
            if state.halted is None:
                state.halted = reason

    def halted(self, proposal: ProposedAction) -> str | None:
        if not proposal.in_batch:
            return None
        return self._state(proposal).halted

    def not_run_feedback(self, proposal: ProposedAction) -> str | None:
        """One sentence for the model about the rest of a halted batch (said once per batch)."""
        state = self._state(proposal)
        if state.told_model:
            return None
        state.told_model = True
        first, last = proposal.batch_index + 1, proposal.batch_size
        which = f"action {first}" if first == last else f"actions {first}–{last}"
        return (
            f"The rest of the batch ({which} of {proposal.batch_size}) was not run because "
            f"{state.halted}."
        )

    def clear(self) -> None:
        self._states.clear()


def batch_of(
    proposal: ProposedAction, proposals: tuple[ProposedAction, ...]
) -> tuple[ProposedAction, ...]:
    """Every action of the batch ``proposal`` belongs to, in order (empty for a single one)."""
    if not proposal.in_batch:
        return ()
    key = batch_key(proposal)
    return tuple(p for p in proposals if p.in_batch and batch_key(p) == key)


async def record_rest_of_batch(
    run: RunContext, proposal: ProposedAction, turn: ModelTurn, step: StepRecord, index: int
) -> int:
    """On stop, the actions of the batch after ``proposal`` are recorded as stopped, numbered
    from ``index`` (the history keeps everything the model asked for). Returns how many."""
    rest = batch_of(proposal, turn.proposals)[proposal.batch_index + 1 :]
    for offset, later in enumerate(rest):
        await run.record_step(
            step.model_copy(
                update={
                    "index": index + offset,
                    "action_type": later.kind,
                    "action": action_to_dict(later.action) if later.action else None,
                    "raw_action": redact_obj(later.raw),
                    "action_error": later.error,
                    "summary": later.summary(),
                    "decision": "stopped",
                    "feedback": None,
                    "timings": Timings(),
                    "upload_bytes": 0,
                    "input_tokens": None,
                    "output_tokens": None,
                }
            )
        )
    return len(rest)


__all__ = ["BatchTracker", "batch_key", "batch_of", "record_rest_of_batch"]
