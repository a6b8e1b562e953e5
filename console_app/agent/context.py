"""What the loop's helpers share during one run: run control, worker threads, collaborators.

``loop`` drives a run; ``steps`` (one proposed action) and ``model_calls`` (one model turn) do
the work, ``batch`` keeps a batch's decisions and records what a stop left unrun. The helpers
depend on the `RunContext` defined here, never on `AgentLoop`, so the import graph is a line —
``loop > steps | model_calls > batch > context`` (an import-linter contract):

* `RunControl` — the run's state and events, stop, the pause gate, `interruptible` awaits and
  `problem` (show it, wait for retry or stop). Nothing else: the console's GUI test fake runs
  on the same class, so stop and pause behave there exactly as in a real run.
* `Workers` — one thread for the screen (one X connection), one for input (pyautogui is not
  thread-safe), one for the history database: nothing blocking runs on the loop's thread.
* `RunContext` — the two above plus what a step touches: the computer (execute, held input,
  release), the recorder, the policy, the approver and the run's configuration.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from console_app.agent.decisions import ApprovalRequest, Decision, StopRun
from console_app.agent.events import (
    EventSink,
    LoopEvent,
    LoopState,
    Problem,
    ScreenSettled,
    StateChanged,
    StepRecorded,
)
from console_app.agent.policy import PolicyTable
from console_app.agent.ports import FocusGuard
from console_app.agent.screen_truth import (
    ScreenTruth,
    SettleConfig,
    SettleResult,
    StaleChoice,
    StaleScreen,
)
from console_app.agent.turns import RequestSettings
from console_app.capture.mapping import ViewportMapping
from console_app.core.actions import KEYBOARD_ACTION_TYPES, Action, held_keys
from console_app.core.geometry import CoordinateSpace, RectTuple
from console_app.core.records import Recorder, ResponseRecord, StepRecord, StorageProblem
from console_app.executor.computer import Computer
from console_app.executor.outcomes import ActionRefused, ExecutionResult

log = logging.getLogger(__name__)

Approver = Callable[[ApprovalRequest], Awaitable[Decision]]
ProblemHandler = Callable[[Problem], Awaitable[Literal["retry", "stop"]]]
RectSource = Callable[[], Sequence[RectTuple]]
StaleHandler = Callable[[StaleScreen], Awaitable[StaleChoice]]
_T = TypeVar("_T")


@dataclass(frozen=True)
class LoopConfig:
    """One run's settings, taken from the profile (``agent/session.py``)."""

    request: RequestSettings
    profile: str = "local"
    profile_kind: str | None = None
    coordinates: CoordinateSpace = "pixels"
    backend: str = ""
    max_steps: int = 50
    stream: bool = False
    settle: SettleConfig = field(default_factory=SettleConfig)
    """How the screen is given time to react to an action before it is captured again (an app
    repaints after a click; capturing at once would show the model the screen before it)."""
    stale_guard: bool = True
    """Compare an approved pointer action's target with a fresh capture before it runs."""
    cancel_timeout: float = 5.0


async def _stop_on_problem(problem: Problem) -> Literal["retry", "stop"]:
    return "stop"


async def _resend_when_stale(stale: StaleScreen) -> StaleChoice:
    return "resend"


class RunControl:
    """The run's state, its events, stop, the pause gate and the awaits stop may cancel.

    ``on_event`` receives every event (a listener that raises is logged, never fatal);
    ``on_problem`` answers a `Problem` with retry or stop; ``on_stop`` runs on every `stop`
    (the loop interrupts the running action with it) and may fail without failing the stop.
    """

    def __init__(
        self,
        *,
        on_event: EventSink | None = None,
        on_problem: ProblemHandler | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self.sink = on_event
        self._on_problem = on_problem or _stop_on_problem
        self._on_stop = on_stop
        self._stop_requested = False
        self._waiting: asyncio.Future[Any] | None = None
        self._resume = asyncio.Event()
        self._resume.set()
        self._state = LoopState.IDLE

    @property
    def state(self) -> LoopState:
        return self._state

    @property
    def stopping(self) -> bool:
        return self._stop_requested

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    def stop(self) -> None:
        """Stop as soon as possible (safe to call from the loop's thread at any time): cancel
        what the run awaits and call ``on_stop``."""
        if not self._stop_requested and self._state is not LoopState.FINISHED:
            self.set_state(LoopState.STOPPING, "stopping")
        self._stop_requested = True
        self._resume.set()
        if self._on_stop is not None:
            try:
                self._on_stop()
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

    def emit(self, event: LoopEvent) -> None:
        if self.sink is None:
            return
        try:
            self.sink(event)
        except Exception:  # a broken listener must not break the run
            log.exception("event listener failed")

    def set_state(self, state: LoopState, detail: str = "") -> None:
        self._state = state
        self.emit(StateChanged(state, detail))


class Workers:
    """The run's three single-thread pools: ``capture``, ``input`` and ``record``."""

    def __init__(self) -> None:
        self.capture = ThreadPoolExecutor(1, thread_name_prefix="capture")
        self.input = ThreadPoolExecutor(1, thread_name_prefix="input")
        self.record = ThreadPoolExecutor(1, thread_name_prefix="record")

    async def run(self, pool: ThreadPoolExecutor, fn: Callable[..., _T], *args: Any) -> _T:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    def shutdown(self) -> None:
        for pool in (self.capture, self.input, self.record):
            pool.shutdown(wait=False)


class RunContext:
    """What `StepRunner` and `ModelCaller` may use: control, threads and the collaborators.

    ``exclusion`` gives the console's own windows (masked, forbidden); ``focus_guard`` keeps
    keys out of them (``check`` runs on the input thread right before each action).
    ``screen`` and ``on_stale`` serve screen truth (``agent/screen_truth.py``): settling after
    an action, the stale-screen guard before an approved pointer action.
    """

    def __init__(
        self,
        *,
        control: RunControl,
        computer: Computer,
        recorder: Recorder,
        approve: Approver,
        config: LoopConfig,
        policy: PolicyTable,
        exclusion: RectSource,
        focus_guard: FocusGuard | None,
        screen: Any = None,
        on_stale: StaleHandler | None = None,
    ) -> None:
        self.control = control
        self.workers = Workers()
        self.computer = computer
        self.recorder = recorder
        self.config = config
        self.policy = policy
        self.exclusion = exclusion
        self.focus_guard = focus_guard
        self._approve = approve
        self.run_id: str | None = None
        self.screen = screen
        self.truth = ScreenTruth(screen, config.settle)
        self._on_stale = on_stale or _resend_when_stale
        self._before_action: Any = None  # a probe taken right before the last action ran

    async def ask(self, request: ApprovalRequest) -> Decision:
        self.control.set_state(LoopState.AWAITING_APPROVAL, request.proposal.summary())
        return await self.control.interruptible(self._approve(request))

    async def execute(self, action: Action, mapping: ViewportMapping) -> ExecutionResult:
        """Run one action in the input thread. The await is shielded (the thread cannot be
        cancelled); `stop` interrupts the action itself through the computer instead."""
        self.control.set_state(LoopState.EXECUTING, "executing")
        forbidden = tuple(self.exclusion())
        return await asyncio.shield(
            self.workers.run(self.workers.input, self._execute_sync, action, mapping, forbidden)
        )

    def _execute_sync(
        self, action: Action, mapping: ViewportMapping, forbidden: tuple[RectTuple, ...]
    ) -> ExecutionResult:
        try:
            self._before_action = self.truth.probe(forbidden)  # what settling compares with
        except Exception:
            self._before_action = None
        # Checked on the input thread, right before the first event (after the probe, which
        # takes a few ms): a stop that arrived between the decision and now wins.
        if self.control.stopping:
            raise ActionRefused("the run was stopped before this action started")
        if self.focus_guard is not None:
            # Before every action focus goes back from the supervisor's window to the agent's
            # (a click moves it anyway); only keys are refused when that is impossible.
            refusal = self.focus_guard.check()
            # Held keys (a shift-click) are key events too: they go wherever the focus is.
            if refusal and (action.type in KEYBOARD_ACTION_TYPES or held_keys(action)):
                raise ActionRefused(refusal)
        return self.computer.execute(action, mapping, forbidden=forbidden)

    # ------------------------------------------------------------------ screen truth

    async def settle(self) -> SettleResult:
        """Wait until the screen reacted to what just ran and is still (see `screen_truth`)."""
        self.control.set_state(LoopState.CAPTURING, "waiting for the screen to settle")
        before, self._before_action = self._before_action, None
        mask = tuple(self.exclusion())
        try:
            result: SettleResult = await self.control.interruptible(
                self.workers.run(
                    self.workers.capture,
                    self.truth.settle,
                    before,
                    mask,
                    lambda: self.control.stopping,
                )
            )
        except StopRun:
            raise
        except Exception:  # settling is an optimisation: a failed probe means "capture now"
            log.exception("waiting for the screen to settle failed")
            result = SettleResult(0.0, 0, False, False)
        self.control.emit(ScreenSettled(result))
        return result

    async def check_screen(self, action: Action, seen: Any) -> StaleScreen | None:
        """Before an approved pointer action runs: did its target change since ``seen``?"""
        if not self.config.stale_guard or not self.truth.can_probe:
            return None
        mask = tuple(self.exclusion())
        fresh = await self.control.interruptible(
            self.workers.run(self.workers.capture, self.screen.capture, mask)
        )
        return self.truth.check_stale(action, seen, fresh)

    async def decide_stale(self, stale: StaleScreen, *, human: bool) -> StaleChoice:
        """Ask the human what to do with a stale target; automatic decisions resend."""
        if not human:
            return "resend"
        self.control.set_state(LoopState.AWAITING_APPROVAL, stale.describe())
        return await self.control.interruptible(self._on_stale(stale))

    def held_input(self) -> list[str]:
        try:
            return list(self.computer.held())
        except Exception:  # held() is informational
            return []

    async def release_input(self) -> None:
        """Release every held key and button (after a failure half-way, and when a run ends)."""
        try:
            released = await self.workers.run(self.workers.input, self.computer.release_all)
        except Exception:
            log.exception("releasing held input failed")
            return
        if released:
            log.info("released held input: %s", ", ".join(released))

    async def record_response(self, record: ResponseRecord) -> None:
        await self.recorded(self.recorder.record_response, record)

    async def record_step(self, step: StepRecord) -> None:
        await self.recorded(self.recorder.record_step, step)
        self.control.emit(StepRecorded(step))

    async def recorded(self, write: Callable[..., None], *args: Any) -> None:
        """A history write; a full disk pauses the run (Retry/Stop) and the write is retried —
        the step is never executed before it is recorded, and nothing is lost."""
        while True:
            try:
                await self.workers.run(self.workers.record, write, *args)
                return
            except StorageProblem as exc:
                await self.control.problem(Problem("storage", str(exc)))
