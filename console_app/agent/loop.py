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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from console_app.agent.decisions import ApprovalRequest, Decision, StopRun
from console_app.agent.events import (
    EventSink,
    LoopEvent,
    LoopState,
    Problem,
    RunFinished,
    RunResult,
    ScreenCaptured,
    StateChanged,
    StepRecorded,
)
from console_app.agent.model_calls import ModelCaller
from console_app.agent.policy import PolicyTable
from console_app.agent.ports import (
    DesktopComputer,
    ExecutionOutcome,
    FocusGuard,
    ModelClient,
    Rect,
    ScreenSource,
    Shot,
)
from console_app.agent.steps import StepRunner
from console_app.agent.turns import (
    CallAnswer,
    ModelTurn,
    RequestSettings,
    first_request,
    follow_up_request,
)
from console_app.capture.mapping import ViewportMapping
from console_app.core.actions import KEYBOARD_ACTION_TYPES, Action
from console_app.core.records import (
    Recorder,
    ResponseRecord,
    RunInfo,
    StepRecord,
    StorageProblem,
)
from console_app.core.redact import redact
from console_app.executor.computer import ActionRefused

log = logging.getLogger(__name__)

Approver = Callable[[ApprovalRequest], Awaitable[Decision]]
ProblemHandler = Callable[[Problem], Awaitable[Literal["retry", "stop"]]]
RectSource = Callable[[], Sequence[Rect]]
_T = TypeVar("_T")


@dataclass(frozen=True)
class LoopConfig:
    request: RequestSettings
    profile: str = "local"
    profile_kind: str | None = None
    coordinates: Literal["pixels", "normalized"] = "pixels"
    backend: str = ""
    max_steps: int = 50
    stream: bool = False
    settle_seconds: float = 0.0
    """How long the screen is given to react to an action before it is captured again (an app
    repaints after a click; capturing at once would show the model the screen before it)."""
    cancel_timeout: float = 5.0


async def _stop_on_problem(problem: Problem) -> Literal["retry", "stop"]:
    return "stop"


class AgentLoop:
    def __init__(
        self,
        *,
        client: ModelClient,
        screen: ScreenSource,
        computer: DesktopComputer,
        recorder: Recorder,
        approve: Approver,
        config: LoopConfig,
        policy: PolicyTable | None = None,
        on_event: EventSink | None = None,
        on_problem: ProblemHandler | None = None,
        exclusion: RectSource | None = None,
        focus_guard: FocusGuard | None = None,
    ) -> None:
        self.client = client
        self.screen = screen
        self.computer = computer
        self.recorder = recorder
        self.config = config
        self.policy = policy or PolicyTable()
        self._approve = approve
        self._sink = on_event
        self._on_problem = on_problem or _stop_on_problem
        self._exclusion = exclusion or (lambda: ())
        self._focus_guard = focus_guard
        self._stop_requested = False
        self._waiting: asyncio.Future[Any] | None = None
        self._resume = asyncio.Event()
        self._resume.set()
        self._state = LoopState.IDLE
        # One thread for the screen (one X connection), one for input (pyautogui is not
        # thread-safe), one for the history database: nothing blocking on the loop's thread.
        self._capture_thread = ThreadPoolExecutor(1, thread_name_prefix="capture")
        self._input_thread = ThreadPoolExecutor(1, thread_name_prefix="input")
        self._record_thread = ThreadPoolExecutor(1, thread_name_prefix="record")
        self.run_id: str | None = None
        self.model = ModelCaller(self)

    # ------------------------------------------------------------------ control

    @property
    def state(self) -> LoopState:
        return self._state

    @property
    def stopping(self) -> bool:
        return self._stop_requested

    def stop(self) -> None:
        """Stop as soon as possible (safe to call from the loop's thread at any time).

        An action already running is interrupted at its next input step (a long wait, typing
        or a drag does not run on); what it holds is released when the run ends."""
        if not self._stop_requested and self._state is not LoopState.FINISHED:
            self.set_state(LoopState.STOPPING, "stopping")
        self._stop_requested = True
        self._resume.set()
        try:
            self.computer.interrupt()
        except Exception:  # stopping must not fail because the desktop went away
            log.exception("interrupting the running action failed")
        if self._waiting is not None and not self._waiting.done():
            self._waiting.cancel()

    def pause(self) -> None:
        """Hold before the next model call or execution (an action already running finishes)."""
        if self._resume.is_set() and not self._stop_requested:
            self._resume.clear()
            self.set_state(LoopState.PAUSED, "paused by the supervisor")

    def resume(self) -> None:
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

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
        self.run_id = info.run_id
        steps = StepRunner(self, info.run_id)
        result: RunResult
        try:
            await self._recorded(self.recorder.begin_run, info)
            result = await self._run(info.run_id, task, steps)
        except StopRun as stop:
            reason = str(stop) or "stopped by the supervisor"
            result = RunResult(info.run_id, "stopped", reason, None, steps.count)
        except Exception as exc:  # the last line of defence: a run never crashes the app
            log.exception("the run failed unexpectedly")
            self.emit(
                Problem(
                    "internal",
                    "The run stopped because of an internal error.",
                    redact(f"{type(exc).__name__}: {exc}"),
                    can_retry=False,
                )
            )
            result = RunResult(info.run_id, "error", redact(str(exc)), None, steps.count)
        finally:
            await self._release_input()
        with contextlib.suppress(Exception):
            await self.in_thread(
                self._record_thread,
                self.recorder.end_run,
                info.run_id,
                result.status,
                result.answer or result.reason,
            )
        self.set_state(LoopState.FINISHED, result.status)
        self.emit(RunFinished(result))
        for pool in (self._capture_thread, self._input_thread, self._record_thread):
            pool.shutdown(wait=False)
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
            if sent_input and self.config.settle_seconds > 0:
                await self.interruptible(asyncio.sleep(self.config.settle_seconds))
            await self.wait_if_paused()
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

    # ------------------------------------------------------------------ helpers for steps

    async def capture(self) -> Shot:
        while True:
            self.set_state(LoopState.CAPTURING, "capturing the screen")
            try:
                mask = tuple(self._exclusion())
                shot: Shot = await self.interruptible(
                    self.in_thread(self._capture_thread, self._capture_sync, mask)
                )
            except StopRun:
                raise
            except Exception as exc:
                log.exception("capture failed")
                await self.problem(
                    Problem(
                        "capture",
                        "The screen could not be captured.",
                        redact(f"{type(exc).__name__}: {exc}"),
                    )
                )
                continue
            self.emit(ScreenCaptured(shot))
            return shot

    async def problem(self, problem: Problem) -> None:
        """Show a problem and wait for the human: returns on "retry", raises StopRun on stop."""
        self.emit(problem)
        if self._stop_requested:
            raise StopRun
        self.set_state(LoopState.WAITING_ON_ERROR, problem.text)
        if not problem.can_retry:
            await self.interruptible(self._on_problem(problem))
            raise StopRun(f"stopped after: {problem.text}")
        choice = await self.interruptible(self._on_problem(problem))
        if choice != "retry":
            raise StopRun(f"stopped after: {problem.text}")

    async def ask(self, request: ApprovalRequest) -> Decision:
        self.set_state(LoopState.AWAITING_APPROVAL, request.proposal.summary())
        return await self.interruptible(self._approve(request))

    async def execute(self, action: Action, mapping: ViewportMapping) -> ExecutionOutcome:
        """Run one action in the input thread. The await is shielded (the thread cannot be
        cancelled); `stop` interrupts the action itself through the computer instead."""
        self.set_state(LoopState.EXECUTING, "executing")
        forbidden = tuple(self._exclusion())
        return await asyncio.shield(
            self.in_thread(self._input_thread, self._execute_sync, action, mapping, forbidden)
        )

    def _capture_sync(self, mask: tuple[Rect, ...]) -> Shot:
        shot = self.screen.capture(mask)
        if self._focus_guard is not None:
            self._focus_guard.note()  # the window the model sees working is where keys belong
        return shot

    def _execute_sync(
        self, action: Action, mapping: ViewportMapping, forbidden: tuple[Rect, ...]
    ) -> ExecutionOutcome:
        # Checked on the input thread, right before the first event: a stop that arrived
        # between the decision and now (e.g. while the step was being recorded) wins.
        if self._stop_requested:
            raise ActionRefused("the run was stopped before this action started")
        if self._focus_guard is not None:
            # Before every action focus goes back from the supervisor's window to the agent's
            # (a click moves it anyway); only keys are refused when that is impossible.
            refusal = self._focus_guard.check()
            if refusal and action.type in KEYBOARD_ACTION_TYPES:
                raise ActionRefused(refusal)
        return self.computer.execute(action, mapping, forbidden=forbidden)

    @property
    def inflight_response_id(self) -> str | None:
        """The response the server is working on for this turn, when the loop knows it
        (streaming and background mode); it is cancelled on stop."""
        return self.model.inflight_response_id

    async def record_response(self, record: ResponseRecord) -> None:
        await self._recorded(self.recorder.record_response, record)

    async def record_step(self, step: StepRecord) -> None:
        await self._recorded(self.recorder.record_step, step)
        self.emit(StepRecorded(step))

    async def _recorded(self, write: Callable[..., None], *args: Any) -> None:
        """A history write; a full disk pauses the run (Retry/Stop) and the write is retried —
        the step is never executed before it is recorded, and nothing is lost."""
        while True:
            try:
                await self.in_thread(self._record_thread, write, *args)
                return
            except StorageProblem as exc:
                await self.problem(Problem("storage", str(exc)))

    def held_input(self) -> list[str]:
        try:
            return list(self.computer.held())
        except Exception:  # held() is informational
            return []

    async def wait_if_paused(self) -> None:
        if not self._resume.is_set():
            self.set_state(LoopState.PAUSED, "paused by the supervisor")
            await self.interruptible(self._resume.wait())
        if self._stop_requested:
            raise StopRun

    async def interruptible(self, awaitable: Awaitable[_T]) -> _T:
        """Await something that `stop` may cancel; a stop turns into `StopRun`."""
        if self._stop_requested:
            if isinstance(awaitable, Coroutine):
                awaitable.close()
            raise StopRun
        future = asyncio.ensure_future(awaitable)
        self._waiting = future
        try:
            return await future
        except asyncio.CancelledError:
            if self._stop_requested and future.cancelled():
                raise StopRun from None
            raise
        finally:
            self._waiting = None

    async def in_thread(self, pool: ThreadPoolExecutor, fn: Callable[..., _T], *args: Any) -> _T:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    async def release_after_failure(self) -> None:
        """After an input call failed half-way, nothing may stay pressed."""
        await self._release_input()

    async def _release_input(self) -> None:
        try:
            released = await self.in_thread(self._input_thread, self.computer.release_all)
        except Exception:
            log.exception("releasing held input failed")
            return
        if released:
            log.info("released held input: %s", ", ".join(released))

    def emit(self, event: LoopEvent) -> None:
        if self._sink is None:
            return
        try:
            self._sink(event)
        except Exception:  # a broken listener must not break the run
            log.exception("event listener failed")

    def set_state(self, state: LoopState, detail: str = "") -> None:
        self._state = state
        self.emit(StateChanged(state, detail))


__all__ = ["AgentLoop", "Approver", "LoopConfig", "ProblemHandler", "StopRun"]
