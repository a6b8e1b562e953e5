"""One step of the loop: decide about one proposed action, record it, run it, record the result.

The order is the safety property: decision → record (committed) → execute → record. Whatever
happens in between (a crash, a stop, a refusal), the history never lacks a step that ran.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, assert_never

from console_app.agent.batch import BatchTracker, batch_of, record_rest_of_batch
from console_app.agent.context import RunContext
from console_app.agent.decisions import (
    ApprovalRequest,
    Approve,
    Decision,
    Edit,
    Reject,
    Skip,
    Stop,
    StopRun,
)
from console_app.agent.events import Problem, RunResult, final_result
from console_app.agent.policy import Verdict
from console_app.agent.turns import CallAnswer, ModelTurn, feedback_for
from console_app.core.actions import (
    FINAL_ACTION_TYPES,
    Action,
    action_to_dict,
)
from console_app.core.describe import describe
from console_app.core.proposal import ProposedAction
from console_app.core.records import Execution, RecordedDecision, StepRecord, Timings
from console_app.core.redact import redact, redact_obj
from console_app.executor.outcomes import ActionRefused, FailSafeTriggered

if TYPE_CHECKING:
    from console_app.agent.ports import Shot

log = logging.getLogger(__name__)

MAX_ACK_PROMPTS = 3


@dataclass
class StepOutcome:
    answer: CallAnswer
    final: RunResult | None = None
    sent_input: bool = False  # something reached the desktop (the screen may be changing)


@dataclass
class _Plan:
    """What the decision turned into: the name recorded, the action to run (if any)."""

    decision: RecordedDecision
    action: Action | None = None
    feedback: str | None = None
    acknowledged: tuple[str, ...] = ()
    edited: Action | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Executed:
    """How running the action ended: the recorded name and detail, and the failure itself
    (typed, so the fail-safe is told apart by its class, never by parsing the detail)."""

    execution: Execution
    detail: str
    ms: float
    failure: Exception | None = None


class StepRunner:
    """Handles each proposed action of a run, in order: decide → record → execute → record.

    Depends on the `RunContext` only (never on the loop). ``count`` is the number of steps
    handled so far; the loop compares it with the step budget.
    """

    def __init__(self, run: RunContext, run_id: str) -> None:
        self.run = run
        self.run_id = run_id
        self.count = 0
        self._last_ran: StepRecord | None = None  # the last step whose input was sent
        self.refused = 0  # steps the console refused before any input: they keep no number
        self.batches = BatchTracker()
        self._turn: ModelTurn | None = None

    async def handle(
        self,
        proposal: ProposedAction,
        turn: ModelTurn,
        shot: Shot,
        *,
        model_ms: float | None,
        upload_bytes: int,
    ) -> StepOutcome:
        if turn is not self._turn:
            self._turn = turn  # call ids may repeat across turns: batch state is per turn
            self.batches.clear()
        index = self.count
        self.count += 1
        step = self._new_record(index, proposal, turn, shot, model_ms, upload_bytes)
        answer = CallAnswer(proposal)
        action = proposal.action

        halted = self.batches.halted(proposal)
        if halted is not None:
            # An earlier action of this batch did not run as proposed: the rest never runs.
            await self.run.record_step(
                step.model_copy(update={"decision": "skipped", "feedback": f"not run: {halted}"})
            )
            answer.feedback = self.batches.not_run_feedback(proposal)
            return StepOutcome(answer)

        if action is not None and action.type in FINAL_ACTION_TYPES:
            await self.run.record_step(step.model_copy(update={"decision": "final"}))
            final = final_result(self.run_id, action, turn.message or None, index + 1)
            return StepOutcome(answer, final=final)

        started = time.perf_counter()
        plan = await self._decide(proposal, turn, shot)
        step = step.model_copy(
            update={
                "decision": plan.decision,
                "feedback": plan.feedback,
                "acknowledged_safety_checks": list(plan.acknowledged),
                "edited_action": action_to_dict(plan.edited) if plan.edited else None,
                "timings": step.timings.model_copy(
                    update={"decision_ms": (time.perf_counter() - started) * 1000}
                ),
            }
        )
        answer.acknowledged = plan.acknowledged
        if plan.action is None:
            self.batches.halt(proposal, f"action {proposal.batch_index + 1} was {plan.decision}")
            await self.run.record_step(step)
            answer.feedback = plan.feedback
            if plan.decision == "stopped":
                self.count += await record_rest_of_batch(self.run, proposal, turn, step, self.count)
                raise StopRun
            return StepOutcome(answer)

        await self.run.control.wait_if_paused()
        run_anyway = await self._stale_guard(step, plan, answer, shot)
        if run_anyway is None:
            self.batches.halt(proposal, f"action {proposal.batch_index + 1} was not run (stale)")
            return StepOutcome(answer)
        await self.run.record_step(step.model_copy(update={"execution": "pending"}))
        executed = await self._execute(plan.action, shot)
        detail = f"{run_anyway}; {executed.detail}" if run_anyway else executed.detail
        step = step.model_copy(
            update={
                "execution": executed.execution,
                "execution_detail": detail,
                "timings": step.timings.model_copy(update={"execute_ms": executed.ms}),
            }
        )
        await self.run.record_step(step)
        if executed.execution != "done":
            self.batches.halt(
                proposal, f"action {proposal.batch_index + 1} was {executed.execution}"
            )
        await self._answer_execution(answer, plan.action, executed)
        sent = executed.execution in ("done", "failed")
        if sent:
            self._last_ran = step
        return StepOutcome(answer, sent_input=sent)

    async def note_settle(self, waited_ms: float) -> None:
        """Record how long the screen took to settle after the last action that ran."""
        step, self._last_ran = self._last_ran, None
        if step is None:
            return
        timings = step.timings.model_copy(update={"settle_ms": round(waited_ms, 1)})
        await self.run.record_step(step.model_copy(update={"timings": timings}))

    async def _stale_guard(
        self, step: StepRecord, plan: _Plan, answer: CallAnswer, shot: Shot
    ) -> str | None:
        """Right before an approved pointer action runs: is its target still what the model
        saw? ``None`` when it must not run (recorded, answered, or the run stops); else a note
        for the record ("" when the target was unchanged)."""
        assert plan.action is not None
        stale = await self.run.check_screen(plan.action, shot)
        if stale is None:
            return ""
        choice = await self.run.decide_stale(stale, human=plan.decision != "auto_approved")
        if choice == "run":
            return f"run anyway by the supervisor although {stale.describe()}"
        outcome = "the run was stopped" if choice == "stop" else "the model gets the new screen"
        await self.run.record_step(
            step.model_copy(
                update={
                    "execution": "stale",
                    "execution_detail": f"not run: {stale.describe()}; {outcome}",
                }
            )
        )
        if choice == "stop":
            raise StopRun(f"stopped: {stale.describe()}")
        answer.feedback = feedback_for("stale", describe(plan.action), stale.describe())
        return None

    def _new_record(
        self,
        index: int,
        proposal: ProposedAction,
        turn: ModelTurn,
        shot: Shot,
        model_ms: float | None,
        upload_bytes: int,
    ) -> StepRecord:
        """The step as proposed: what the model saw and asked, before any decision."""
        usage = turn.response.usage
        return StepRecord(
            run_id=self.run_id,
            index=index,
            response_id=turn.response_id or None,
            call_id=proposal.call_id,
            action_type=proposal.kind,
            action=action_to_dict(proposal.action) if proposal.action else None,
            raw_action=redact_obj(proposal.raw),
            action_error=proposal.error,
            summary=proposal.summary(),
            reasoning=turn.reasoning,
            message=turn.message,
            screenshot=shot.data,
            screenshot_mime=shot.mime,
            viewport=(shot.width, shot.height),
            timings=Timings(
                capture_ms=shot.grab_ms + shot.scale_ms,
                encode_ms=shot.encode_ms,
                model_ms=model_ms,
            ),
            upload_bytes=upload_bytes,
            input_tokens=usage.input_tokens if usage and model_ms is not None else None,
            output_tokens=usage.output_tokens if usage and model_ms is not None else None,
        )

    async def _answer_execution(
        self, answer: CallAnswer, action: Action, executed: _Executed
    ) -> None:
        """Tell the model how a refused or failed action ended; a failure also asks the human
        (retry or stop) — the fail-safe, a human reaching for the brakes, always stops."""
        summary, detail = describe(action), executed.detail
        if executed.execution == "refused":
            self.refused += 1
            answer.feedback = feedback_for("refused", summary, detail)
        elif executed.execution == "failed":
            answer.feedback = feedback_for("failed", summary, detail)
            failsafe = isinstance(executed.failure, FailSafeTriggered)
            await self.run.control.problem(
                Problem(
                    "failsafe" if failsafe else "executor",
                    "Stopped by the fail-safe: the pointer is in a screen corner."
                    if failsafe
                    else f"The action could not be completed: {detail}",
                    detail,
                    can_retry=not failsafe,
                )
            )

    # ------------------------------------------------------------------ deciding

    async def _decide(self, proposal: ProposedAction, turn: ModelTurn, shot: Shot) -> _Plan:
        action = proposal.action
        verdict = self.run.policy.evaluate(action, self.run.held_input()) if action else None
        if verdict is not None and verdict.choice == "block":
            blocked = Problem("refused", f"Blocked: {verdict.reason}.", can_retry=False)
            self.run.control.emit(blocked)
            return _Plan(
                "blocked", feedback=feedback_for("blocked", proposal.summary(), verdict.reason)
            )
        needs_human = (
            action is None
            or verdict is None
            or verdict.choice == "ask"
            or bool(proposal.pending_safety_checks)
        )
        if not needs_human:
            return _Plan("auto_approved", action=action)
        if (
            action is not None
            and self.batches.pre_approved(proposal)
            and not proposal.pending_safety_checks
        ):
            # The supervisor approved it with an earlier action of the batch ("first N"/"all").
            return _Plan("approved", action=action)
        decision = await self._ask_until_acknowledged(proposal, turn, shot, verdict)
        return self._plan_for(decision, proposal)

    async def _ask_until_acknowledged(
        self, proposal: ProposedAction, turn: ModelTurn, shot: Shot, verdict: Verdict | None
    ) -> Decision:
        request = ApprovalRequest(
            run_id=self.run_id,
            # The number the supervisor sees: a refused step (nothing ran) does not use one up.
            step_index=self.count - 1 - self.refused,
            proposal=proposal,
            screenshot=shot,
            reasoning=turn.reasoning,
            message=turn.message,
            policy_reason=verdict.reason if verdict else "",
            note="" if proposal.executable else f"This action cannot be executed: {proposal.error}",
            held_input=tuple(self.run.held_input()),
            batch=batch_of(proposal, turn.proposals),
        )
        needed = set(request.needs_acknowledgement)
        for _ in range(MAX_ACK_PROMPTS):
            decision = await self.run.ask(request)
            if not isinstance(decision, (Approve, Edit)) or needed <= set(decision.acknowledged):
                return decision
            request = dataclasses.replace(
                request, note="Tick every safety check before approving this action."
            )
        return Reject("The supervisor did not acknowledge the safety checks.")

    def _plan_for(self, decision: Decision, proposal: ProposedAction) -> _Plan:
        summary = proposal.summary()
        match decision:
            case Stop():
                return _Plan("stopped")
            case Skip():
                return _Plan("skipped", feedback=feedback_for("skipped", summary))
            case Reject(feedback=text):
                text = redact(text.strip()) if text and text.strip() else None
                return _Plan("rejected", feedback=text or feedback_for("rejected", summary))
            case Edit() if proposal.error_field == "pending_safety_checks":
                # The call carries safety checks the console could not read: nobody can
                # acknowledge them, so no edit makes it runnable.
                return _Plan(
                    "invalid",
                    feedback=feedback_for("invalid", summary, proposal.error or ""),
                )
            case Edit(action=edited, acknowledged=acks):
                verdict = self.run.policy.evaluate(edited, self.run.held_input())
                if verdict.choice == "block":
                    self.run.control.emit(
                        Problem("refused", f"Blocked: {verdict.reason}.", can_retry=False)
                    )
                    return _Plan(
                        "blocked",
                        feedback=feedback_for("blocked", describe(edited), verdict.reason),
                    )
                return _Plan("edited", action=edited, edited=edited, acknowledged=acks)
            case Approve(acknowledged=acks, remember_type=remember, count=count):
                if proposal.action is None:
                    return _Plan(
                        "invalid", feedback=feedback_for("invalid", summary, proposal.error or "")
                    )
                if remember:
                    self.run.policy.remember_auto(proposal.action.type)
                self.batches.approve(proposal, count)
                return _Plan("approved", action=proposal.action, acknowledged=acks)
            case _:  # pragma: no cover - mypy checks that every decision has a case
                assert_never(decision)

    # ------------------------------------------------------------------ executing

    async def _execute(self, action: Action, shot: Shot) -> _Executed:
        started = time.perf_counter()
        try:
            result = await self.run.execute(action, shot.mapping)
        except ActionRefused as exc:
            reason = redact(str(exc))
            self.run.control.emit(
                Problem("refused", f"The console refused the action: {reason}", can_retry=False)
            )
            return _Executed("refused", reason, (time.perf_counter() - started) * 1000, exc)
        except Exception as exc:
            log.exception("executing %s failed", action.type)
            await self.run.release_input()
            detail = redact(f"{type(exc).__name__}: {exc}")
            return _Executed("failed", detail, (time.perf_counter() - started) * 1000, exc)
        elapsed = result.duration_ms or (time.perf_counter() - started) * 1000
        if result.ok is not True:
            return _Executed("failed", redact(str(result.detail)), elapsed)
        return _Executed("done", redact(str(result.detail)), elapsed)
