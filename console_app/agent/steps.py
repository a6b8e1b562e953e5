"""One step of the loop: decide about one proposed action, record it, run it, record the result.

The order is the safety property: decision → record (committed) → execute → record. Whatever
happens in between (a crash, a stop, a refusal), the history never lacks a step that ran.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
from console_app.agent.events import Problem, RunResult
from console_app.agent.policy import Verdict
from console_app.agent.turns import CallAnswer, ModelTurn, feedback_for
from console_app.core.actions import (
    FINAL_ACTION_TYPES,
    Action,
    Answer,
    Done,
    Terminate,
    action_to_dict,
)
from console_app.core.describe import describe
from console_app.core.proposal import ProposedAction
from console_app.core.records import Decision as DecisionName
from console_app.core.records import Execution, StepRecord, Timings
from console_app.core.redact import redact, redact_obj
from console_app.executor.computer import ActionRefused, FailSafeTriggered

if TYPE_CHECKING:
    from console_app.agent.loop import AgentLoop
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

    decision: DecisionName
    action: Action | None = None
    feedback: str | None = None
    acknowledged: tuple[str, ...] = ()
    edited: Action | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class StepRunner:
    def __init__(self, loop: AgentLoop, run_id: str) -> None:
        self.loop = loop
        self.run_id = run_id
        self.count = 0
        self.refused = 0  # steps the console refused before any input: they keep no number

    async def handle(
        self,
        proposal: ProposedAction,
        turn: ModelTurn,
        shot: Shot,
        *,
        model_ms: float | None,
        upload_bytes: int,
    ) -> StepOutcome:
        index = self.count
        self.count += 1
        usage = turn.response.usage
        step = StepRecord(
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
        answer = CallAnswer(proposal)
        action = proposal.action

        if action is not None and action.type in FINAL_ACTION_TYPES:
            await self.loop.record_step(step.model_copy(update={"decision": "final"}))
            return StepOutcome(answer, final=self._final(action, turn, index + 1))

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
            await self.loop.record_step(step)
            answer.feedback = plan.feedback
            if plan.decision == "stopped":
                raise StopRun
            return StepOutcome(answer)

        await self.loop.wait_if_paused()
        await self.loop.record_step(step.model_copy(update={"execution": "pending"}))
        execution, detail, execute_ms = await self._execute(plan.action, shot)
        step = step.model_copy(
            update={
                "execution": execution,
                "execution_detail": detail,
                "timings": step.timings.model_copy(update={"execute_ms": execute_ms}),
            }
        )
        await self.loop.record_step(step)
        summary = describe(plan.action)
        sent = execution in ("done", "failed")
        if execution == "refused":
            self.refused += 1
            answer.feedback = feedback_for("refused", summary, detail)
        elif execution == "failed":
            answer.feedback = feedback_for("failed", summary, detail)
            # The corner fail-safe is a human reaching for the brakes: it stops, never retries.
            failsafe = detail.startswith(FailSafeTriggered.__name__)
            await self.loop.problem(
                Problem(
                    "failsafe" if failsafe else "executor",
                    "Stopped by the fail-safe: the pointer is in a screen corner."
                    if failsafe
                    else f"The action could not be completed: {detail}",
                    detail,
                    can_retry=not failsafe,
                )
            )
        return StepOutcome(answer, sent_input=sent)

    # ------------------------------------------------------------------ deciding

    async def _decide(self, proposal: ProposedAction, turn: ModelTurn, shot: Shot) -> _Plan:
        action = proposal.action
        verdict = self.loop.policy.evaluate(action, self.loop.held_input()) if action else None
        if verdict is not None and verdict.choice == "block":
            self.loop.emit(Problem("refused", f"Blocked: {verdict.reason}.", can_retry=False))
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
            held_input=tuple(self.loop.held_input()),
        )
        needed = set(request.needs_acknowledgement)
        for _ in range(MAX_ACK_PROMPTS):
            decision = await self.loop.ask(request)
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
                verdict = self.loop.policy.evaluate(edited, self.loop.held_input())
                if verdict.choice == "block":
                    self.loop.emit(
                        Problem("refused", f"Blocked: {verdict.reason}.", can_retry=False)
                    )
                    return _Plan(
                        "blocked",
                        feedback=feedback_for("blocked", describe(edited), verdict.reason),
                    )
                return _Plan("edited", action=edited, edited=edited, acknowledged=acks)
            case Approve(acknowledged=acks, remember_type=remember):
                if proposal.action is None:
                    return _Plan(
                        "invalid", feedback=feedback_for("invalid", summary, proposal.error or "")
                    )
                if remember:
                    self.loop.policy.remember_auto(proposal.action.type)
                return _Plan("approved", action=proposal.action, acknowledged=acks)
        raise AssertionError(f"unknown decision {decision!r}")  # pragma: no cover

    # ------------------------------------------------------------------ executing

    async def _execute(self, action: Action, shot: Shot) -> tuple[Execution, str, float]:
        started = time.perf_counter()
        try:
            result = await self.loop.execute(action, shot.mapping)
        except ActionRefused as exc:
            reason = redact(str(exc))
            self.loop.emit(
                Problem("refused", f"The console refused the action: {reason}", can_retry=False)
            )
            return "refused", reason, (time.perf_counter() - started) * 1000
        except Exception as exc:
            log.exception("executing %s failed", action.type)
            await self.loop.release_after_failure()
            return (
                "failed",
                redact(f"{type(exc).__name__}: {exc}"),
                (time.perf_counter() - started) * 1000,
            )
        elapsed = result.duration_ms or (time.perf_counter() - started) * 1000
        if result.ok is not True:
            return "failed", redact(str(result.detail)), elapsed
        return "done", redact(str(result.detail)), elapsed

    # ------------------------------------------------------------------ ending

    def _final(self, action: Action, turn: ModelTurn, steps: int) -> RunResult:
        message = turn.message or None
        match action:
            case Terminate(status="success", result=result):
                return RunResult(
                    self.run_id, "succeeded", "the model reported success", result or message, steps
                )
            case Terminate(status="failure", result=result):
                return RunResult(
                    self.run_id,
                    "failed",
                    result or message or "the model gave up",
                    result or message,
                    steps,
                )
            case Terminate(result=result):
                return RunResult(
                    self.run_id,
                    "failed",
                    "the model ended the run without reporting success",
                    result or message,
                    steps,
                )
            case Answer(result=result):
                return RunResult(self.run_id, "succeeded", "the model answered", result, steps)
            case Done(text=text):
                return RunResult(
                    self.run_id, "succeeded", "the model is done", text or message, steps
                )
        raise AssertionError(f"not a final action: {action!r}")  # pragma: no cover
