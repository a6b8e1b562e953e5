"""The supervised loop: capture → ask the model → decide → execute → capture → … until done.

A pure-asyncio state machine with no Qt: approval, error handling and events arrive through
injected callbacks, so the console window, the terminal mode and the tests drive the same code.

Guarantees (each has a test):

* Nothing runs without a decision: the policy auto-approves, asks or blocks; pending safety
  checks always go to the human and come back as ``acknowledged_safety_checks``.
* A step is recorded with its decision *before* its action executes, and again after.
* An action that is not understood (unknown type, missing field) is shown and answered, never
  executed. A blocked chord is never pressed, even when assembled from held keys plus a
  key press, typed text or a browser navigation (`policy.keys_pressed_by`).
* Stop cancels the in-flight request (and cancels a response still ``in_progress``), interrupts
  an action already running at its next input step, wins over an action decided but not yet
  started, releases held input and records the run as stopped.
* Calls of a response that did not complete, and calls not completed themselves, never run.
* Keys never go to the supervisor's own window (the console, the terminal): the focus guard
  hands focus back or the keyboard action is refused.
* Errors pause the run and ask ``on_problem`` (retry or stop); they never escape `run`.
* The model sees the screen that is there (`screen_truth`): after an action the next capture
  waits for the screen to settle; an approved pointer action whose target changed since the
  model saw it does not run without a second decision (``on_stale``); a blank capture is never
  sent.
"""

from __future__ import annotations

import contextlib
import logging

from console_app.agent.context import (
    Approver,
    LoopConfig,
    ProblemHandler,
    RectSource,
    RunContext,
    RunControl,
    StaleHandler,
)
from console_app.agent.decisions import StopRun
from console_app.agent.events import (
    EventSink,
    LoopState,
    Problem,
    RunFinished,
    RunResult,
    ScreenCaptured,
)
from console_app.agent.model_calls import ModelCaller
from console_app.agent.policy import PolicyTable
from console_app.agent.ports import FocusGuard, ModelClient, ScreenSource, Shot
from console_app.agent.screen_truth import blind_reason
from console_app.agent.steps import StepRunner
from console_app.agent.turns import (
    CallAnswer,
    ModelTurn,
    first_request,
    follow_up_request,
)
from console_app.capture.monitors import CaptureError
from console_app.core.geometry import RectTuple
from console_app.core.records import Recorder, RunInfo
from console_app.core.redact import redact
from console_app.executor.computer import Computer

log = logging.getLogger(__name__)


class AgentLoop:
    """Drives one supervised run: capture, ask, hand each proposal to a step, capture again.

    The loop owns the order of a run; the work is done by helpers that share one `RunContext`
    (``agent/context.py``): `ModelCaller` asks the model for a turn, `StepRunner` decides,
    records and executes one proposed action. `stop`, `pause` and `resume` may be called from
    the loop's thread at any time (the console's buttons, the terminal's Ctrl+C).
    """

    def __init__(
        self,
        *,
        client: ModelClient,
        screen: ScreenSource,
        computer: Computer,
        recorder: Recorder,
        approve: Approver,
        config: LoopConfig,
        policy: PolicyTable | None = None,
        on_event: EventSink | None = None,
        on_problem: ProblemHandler | None = None,
        exclusion: RectSource | None = None,
        focus_guard: FocusGuard | None = None,
        on_stale: StaleHandler | None = None,
    ) -> None:
        self.client = client
        self.screen = screen
        self.computer = computer
        self.recorder = recorder
        self.config = config
        self.policy = policy or PolicyTable()
        self.control = RunControl(
            on_event=on_event, on_problem=on_problem, on_stop=computer.interrupt
        )
        self.context = RunContext(
            control=self.control,
            computer=computer,
            recorder=recorder,
            approve=approve,
            config=config,
            policy=self.policy,
            exclusion=exclusion or (lambda: ()),
            focus_guard=focus_guard,
            screen=screen,
            on_stale=on_stale,
        )
        self.model = ModelCaller(self.context, client)

    # ------------------------------------------------------------------ control

    @property
    def state(self) -> LoopState:
        return self.control.state

    @property
    def stopping(self) -> bool:
        return self.control.stopping

    def stop(self) -> None:
        """Stop as soon as possible (safe to call from the loop's thread at any time).

        An action already running is interrupted at its next input step (a long wait, typing
        or a drag does not run on); what it holds is released when the run ends."""
        self.control.stop()

    def pause(self) -> None:
        """Hold before the next model call or execution (an action already running finishes)."""
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    @property
    def paused(self) -> bool:
        return self.control.paused

    @property
    def run_id(self) -> str | None:
        return self.context.run_id

    @property
    def inflight_response_id(self) -> str | None:
        """The response the server is working on for this turn, when the loop knows it
        (streaming and background mode); it is cancelled on stop."""
        return self.model.inflight_response_id

    # ------------------------------------------------------------------ run

    async def run(self, task: str) -> RunResult:
        info = RunInfo(
            task=task,
            profile=self.config.profile,
            backend=self.config.backend,
            model=self.config.request.model,
            coordinates=self.config.coordinates,
            profile_kind=self.config.profile_kind,
        )
        context, control, workers = self.context, self.control, self.context.workers
        context.run_id = info.run_id
        steps = StepRunner(context, info.run_id)
        result: RunResult
        try:
            await context.recorded(self.recorder.begin_run, info)
            result = await self._run(info.run_id, task, steps)
        except StopRun as stop:
            reason = str(stop) or "stopped by the supervisor"
            result = RunResult(info.run_id, "stopped", reason, None, steps.count)
        except Exception as exc:  # the last line of defence: a run never crashes the app
            log.exception("the run failed unexpectedly")
            control.emit(
                Problem(
                    "internal",
                    "The run stopped because of an internal error.",
                    redact(f"{type(exc).__name__}: {exc}"),
                    can_retry=False,
                )
            )
            result = RunResult(info.run_id, "error", redact(str(exc)), None, steps.count)
        finally:
            await context.release_input()
        with contextlib.suppress(Exception):
            await workers.run(
                workers.record,
                self.recorder.end_run,
                info.run_id,
                result.status,
                result.answer or result.reason,
            )
        control.set_state(LoopState.FINISHED, result.status)
        control.emit(RunFinished(result))
        workers.shutdown()
        return result

    async def _run(self, run_id: str, task: str, steps: StepRunner) -> RunResult:
        shot = await self.capture()
        params = first_request(self.config.request, task, shot.data_url, (shot.width, shot.height))
        while True:
            turn, model_ms, upload = await self.model.ask(params, shot)
            answers: list[CallAnswer] = []
            if not turn.proposals:
                return self._finish_without_call(run_id, turn, steps.count)
            first = True
            sent_input = False
            for proposal in turn.proposals:
                if steps.count >= self.config.max_steps:
                    return RunResult(
                        run_id,
                        "failed",
                        f"the step budget of {self.config.max_steps} was used up",
                        turn.message or None,
                        steps.count,
                    )
                outcome = await steps.handle(
                    proposal,
                    turn,
                    shot,
                    model_ms=model_ms if first else None,
                    upload_bytes=upload if first else 0,
                )
                first = False
                if outcome.final is not None:
                    return outcome.final
                answers.append(outcome.answer)
                sent_input = sent_input or outcome.sent_input
            if sent_input:
                settled = await self.context.settle()
                await steps.note_settle(settled.waited_ms)
            await self.control.wait_if_paused()
            shot = await self.capture()
            params = follow_up_request(
                self.config.request,
                turn.response_id,
                answers,
                shot.data_url,
                (shot.width, shot.height),
            )

    def _finish_without_call(self, run_id: str, turn: ModelTurn, count: int) -> RunResult:
        status = turn.response.status or "completed"
        if status == "completed":
            return RunResult(run_id, "succeeded", "the model answered", turn.message or None, count)
        reason = turn.response.error_message() or f"the response ended as {status}"
        return RunResult(run_id, "failed", reason, turn.message or None, count)

    # ------------------------------------------------------------------ capturing

    async def capture(self) -> Shot:
        while True:
            self.control.set_state(LoopState.CAPTURING, "capturing the screen")
            try:
                mask = tuple(self.context.exclusion())
                shot: Shot = await self.control.interruptible(
                    self.context.workers.run(self.context.workers.capture, self._capture_sync, mask)
                )
            except StopRun:
                raise
            except CaptureError as exc:
                log.warning("capture failed: %s", exc)
                await self.control.problem(Problem("capture", str(exc), redact(str(exc))))
                continue
            except Exception as exc:
                log.exception("capture failed")
                await self.control.problem(
                    Problem(
                        "capture",
                        "The screen could not be captured.",
                        redact(f"{type(exc).__name__}: {exc}"),
                    )
                )
                continue
            blind = blind_reason(shot)
            if blind is not None:
                # Never send the model a picture of nothing: the human decides (retry / stop).
                await self.control.problem(Problem("blind", blind))
                continue
            self.control.emit(ScreenCaptured(shot))
            return shot

    def _capture_sync(self, mask: tuple[RectTuple, ...]) -> Shot:
        shot = self.screen.capture(mask)
        guard = self.context.focus_guard
        if guard is not None:
            guard.note()  # the window the model sees working is where keys belong
        return shot


__all__ = ["AgentLoop"]
