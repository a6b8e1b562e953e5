"""The console's logic: start a run, route the loop's events to the views, pause / stop it.

The loop is created per run by ``make_loop`` (the real one comes from the open session, tests
pass a fake) and driven as an asyncio task on the qasync loop, so the GUI thread only ever
handles short callbacks: capture, input and history writes run in the loop's worker threads,
screenshots are decoded in the image pool.

States the window goes through: idle → running (thinking / awaiting approval / executing /
paused / waiting on an error) → idle with the result shown. Stop (button, Ctrl+Alt+Esc from
anywhere, or the message bar's Stop) cancels the request in flight, releases held input, and
the run ends as ``stopped`` in the history.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from console_app.agent.decisions import ApprovalRequest, Decision
from console_app.agent.events import (
    LoopEvent,
    LoopState,
    ModelAnswered,
    PrivacyStatus,
    Problem,
    RunFinished,
    RunResult,
    ScreenCaptured,
    StateChanged,
    StepRecorded,
    TextDelta,
)
from console_app.agent.screen_truth import StaleChoice, StaleScreen
from console_app.core.geometry import RectTuple
from console_app.core.redact import redact
from console_app.ui.console.approval_controller import ApprovalController
from console_app.ui.console.attention import Attention
from console_app.ui.console.console_view import MainWindow
from console_app.ui.console.problems_controller import Entry, ProblemController
from console_app.ui.console.screenshot_controller import ScreenController
from console_app.ui.console.stale_prompt import StalePrompt
from console_app.ui.desktop.exclusion import exclusion_source
from console_app.ui.desktop.focus_guard import ConsoleWindows, console_focus_guard

log = logging.getLogger(__name__)

_STATE_TEXT = {
    LoopState.IDLE: "Idle",
    LoopState.CAPTURING: "Capturing the screen…",
    LoopState.THINKING: "Waiting for the model…",
    LoopState.AWAITING_APPROVAL: "Waiting for your decision",
    LoopState.EXECUTING: "Executing the action…",
    LoopState.PAUSED: "Paused",
    LoopState.WAITING_ON_ERROR: "Paused on an error — Retry or Stop",
    LoopState.STOPPING: "Stopping…",
    LoopState.FINISHED: "Finished",
}
_RESULT_HEADLINES = {
    "succeeded": "Done",
    "failed": "The run ended without success",
    "stopped": "Run stopped",
    "error": "The run stopped because of an error",
    "interrupted": "The run was interrupted",
}


class LoopLike(Protocol):
    """What the console needs from `agent.loop.AgentLoop` (the GUI tests pass a fake)."""

    @property
    def paused(self) -> bool: ...

    async def run(self, task: str) -> RunResult: ...

    def stop(self) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...


MakeLoop = Callable[..., Awaitable[LoopLike]]
"""``await make_loop(model=..., approve=..., on_event=..., on_problem=..., exclusion=...)``."""


class ConsoleController(QObject):
    """Starts a run, routes the loop's events to the views, pauses and stops it.

    Owns the approval, problem and screenshot controllers of the console window; the loop is
    built per run by ``make_loop`` and runs as an asyncio task on the qasync loop.

    Signals:
        runStarted: a run was started (the task is running).
        runFinished(object): the run ended; carries its `RunResult`.
        stateChanged(object): the loop's `LoopState` changed.
    """

    runStarted = Signal()
    runFinished = Signal(object)
    stateChanged = Signal(object)

    def __init__(
        self, window: MainWindow, make_loop: MakeLoop, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.make_loop = make_loop
        self.approval = ApprovalController(window.approval, self)
        self.problems = ProblemController(window.message_bar, self)
        self.screen = ScreenController(
            window.screenshot, self.approval, window.timeline_model, self
        )
        self.attention = Attention(window)
        self._init_loop_hooks()
        self._init_run_state()
        self._connect_signals()
        self._set_idle_ui()

    def _init_loop_hooks(self) -> None:
        """What every run's loop is given: the exclusion and focus-guard callbacks."""
        self.console_windows = ConsoleWindows()
        rects = exclusion_source()

        def exclusion() -> list[RectTuple]:
            # GUI thread, before every capture and execution: the mask follows the window,
            # and the focus guard learns the console's window ids.
            self.console_windows.refresh()
            return rects()

        self.exclusion = exclusion
        self.focus_guard = console_focus_guard(self.console_windows)

    def _init_run_state(self) -> None:
        self.loop: LoopLike | None = None
        self.stale_prompt: StalePrompt | None = None  # made when a target first goes stale
        self.task: asyncio.Task[RunResult | None] | None = None
        self.state = LoopState.IDLE
        self.result: RunResult | None = None
        self.auto_types: set[str] = set()
        self.normalized = False
        self._busy_since: float | None = None
        self._busy_timer = QTimer(self)
        self._busy_timer.setInterval(100)
        self._streamed = {"reasoning": False, "message": False}

    def _connect_signals(self) -> None:
        w, a = self.window, self.approval
        w.start_button.clicked.connect(self.start)
        w.start_shortcut.activated.connect(self.start)
        w.run_controls.pause_button.clicked.connect(self.toggle_pause)
        w.pause_shortcut.activated.connect(self.toggle_pause)
        w.run_controls.stop_button.clicked.connect(self.stop)
        w.stop_shortcut.activated.connect(self.emergency_stop)
        w.approve_shortcut.activated.connect(a.on_enter)
        w.reject_shortcut.activated.connect(a.on_escape)
        w.edit_shortcut.activated.connect(a.toggle_edit)
        w.skip_shortcut.activated.connect(a.skip)
        w.timeline.stepActivated.connect(self.screen.review)
        a.pendingChanged.connect(w.set_approval_keys)
        a.decided.connect(self._decided)
        self._busy_timer.timeout.connect(self._tick)
        w.set_approval_keys(False)

    # ------------------------------------------------------------------ run lifecycle

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> None:
        if self.running:
            return
        task = self.window.task_box.toPlainText().strip()
        if not task:
            self.problems.show(Entry("warning", "Type a task first: what should the agent do?"))
            self.window.task_box.setFocus()
            return
        self.task = asyncio.ensure_future(self._run(task))

    async def _run(self, task: str) -> RunResult | None:
        w = self.window
        self.result = None
        self.auto_types.clear()
        self._streamed = {"reasoning": False, "message": False}
        w.live.clear()
        w.timeline_model.clear()
        self.screen.clear()
        w.screenshot.privacy_label.setVisible(False)
        self.problems.dismiss()
        self.window.set_running(True)
        self.runStarted.emit()
        text = w.model_combo.currentText().strip()
        found = w.model_combo.findText(text)
        data = w.model_combo.itemData(found) if found >= 0 else None
        model = (data if isinstance(data, str) else text) or None  # "local engine" → its id
        try:
            loop = await self.make_loop(
                model=model,
                approve=self.approve,
                on_event=self.on_event,
                on_problem=self.on_problem,
                exclusion=self.exclusion,
                focus_guard=self.focus_guard,
                on_stale=self.on_stale,
            )
        except Exception as exc:
            log.warning("could not prepare the run: %s", exc)
            self.problems.show(
                Entry("error", "The run could not start.", redact(f"{type(exc).__name__}: {exc}"))
            )
            self._set_idle_ui()
            return None
        self.loop = loop
        try:
            result = await loop.run(task)
        except Exception as exc:  # the loop never raises; a fake or a bug might
            log.exception("the run raised")
            self.problems.show(Entry("error", "The run failed.", redact(str(exc))))
            result = RunResult(getattr(loop, "run_id", None) or "", "error", str(exc))
        finally:
            self.loop = None
            self._set_idle_ui()
        self._show_result(result)
        self.runFinished.emit(result)
        return result

    def toggle_pause(self) -> None:
        loop = self.loop
        if loop is None:
            return
        if loop.paused:
            loop.resume()
            self.window.run_controls.set_paused(False)
            self._set_state_text(_STATE_TEXT.get(self.state, "Running"))
        else:
            loop.pause()
            self.window.run_controls.set_paused(True)
            self._set_state_text("Paused — will hold before the next model call or action")

    def stop(self) -> None:
        if self.loop is not None:
            log.info("stop requested by the supervisor")
            self._set_state_text("Stopping…")
            if self.approval.pending:
                self.approval.stop_run()  # recorded as "stopped", then the run ends
            else:
                self.loop.stop()  # cancels the request in flight

    def emergency_stop(self) -> None:
        if self.loop is not None:
            self.problems.show(Entry("warning", "Emergency stop: the run is being stopped."))
        self.stop()

    async def shutdown(self) -> None:
        """Stop a run in progress and wait for it to end (held input is released)."""
        self.stop()
        if self.task is not None and not self.task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self.task), 15)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("the run did not stop within 15 s")
        self.problems.close()
        self.attention.close()
        self.focus_guard.close()
        self.screen.loader.wait(2000)  # decodes in flight land while the window still exists
        self.window.timeline_model.thumbnails.wait(2000)

    # ------------------------------------------------------------------ loop callbacks

    async def approve(self, request: ApprovalRequest) -> Decision:
        self.screen.show_request(request)
        self.attention.request("An action waits for your approval", request.proposal.summary())
        return await self.approval.ask(request)

    async def on_stale(self, stale: StaleScreen) -> StaleChoice:
        """The loop's ``on_stale``: show both crops and let the human choose."""
        if self.stale_prompt is None:
            self.stale_prompt = StalePrompt(self.window)
        self.attention.request("The screen changed before the action ran", stale.describe())
        return await self.stale_prompt.ask(stale)

    async def on_problem(self, problem: Problem) -> Literal["retry", "stop"]:
        """The loop's ``on_problem``. pyautogui's corner fail-safe is the human pulling the
        emergency brake, so it stops the run at once instead of offering Retry."""
        if problem.kind == "failsafe":
            self.problems.show(
                Entry(
                    "warning",
                    "Emergency stop: the mouse was moved into a screen corner (fail-safe); "
                    "the run stops.",
                    problem.detail,
                )
            )
            return "stop"
        return await self.problems.ask(problem)

    def _decided(self, decision: Decision) -> None:
        if getattr(decision, "remember_type", False) and self.approval.request is not None:
            self.auto_types.add(self.approval.request.proposal.kind)
            label = self.window.run_controls.auto_types
            label.setText("Auto-approved this run: " + ", ".join(sorted(self.auto_types)))
            label.setVisible(True)

    def on_event(self, event: LoopEvent) -> None:
        w = self.window
        if isinstance(event, StateChanged):
            self._on_state(event)
        elif isinstance(event, ScreenCaptured):
            self.screen.show_capture(event.screenshot)
        elif isinstance(event, PrivacyStatus):
            w.screenshot.privacy_label.setText(event.text)
            w.screenshot.privacy_label.setVisible(bool(event.text))
        elif isinstance(event, TextDelta):
            if not self._streamed[event.kind]:
                self._clear_box(event.kind)  # a new turn's stream starts afresh
            self._streamed[event.kind] = True
            w.live.append(event.kind, event.text)
        elif isinstance(event, ModelAnswered):
            if not self._streamed["reasoning"]:
                self._clear_box("reasoning")
                w.live.append("reasoning", event.reasoning)
            if not self._streamed["message"]:
                self._clear_box("message")
                w.live.append("message", event.message)
            self._streamed = {"reasoning": False, "message": False}
        elif isinstance(event, StepRecorded):
            w.timeline_model.upsert(event.step)
        elif isinstance(event, Problem):
            self.problems.show_problem(event)
        elif isinstance(event, RunFinished):
            self.result = event.result

    def _clear_box(self, kind: str) -> None:
        box = self.window.live.reasoning if kind == "reasoning" else self.window.live.message
        box.clear()

    def _on_state(self, event: StateChanged) -> None:
        self.state = event.state
        self.stateChanged.emit(event.state)
        controls = self.window.run_controls
        text = _STATE_TEXT.get(event.state, event.state.value)
        if event.state == LoopState.WAITING_ON_ERROR and event.detail:
            text = f"Paused on an error — {event.detail}"
        self._set_state_text(text)
        controls.set_paused(event.state == LoopState.PAUSED)
        if event.state == LoopState.THINKING:
            self._busy_since = event.since
            self._busy_timer.start()
            self._tick()
        else:
            self._busy_since = None
            self._busy_timer.stop()
            controls.set_busy(event.state in (LoopState.CAPTURING, LoopState.EXECUTING))

    def _tick(self) -> None:
        if self._busy_since is None:
            return
        seconds = time.monotonic() - self._busy_since
        self.window.run_controls.set_busy(True, f"{seconds:.1f} s")

    # ------------------------------------------------------------------ view states

    def _set_state_text(self, text: str) -> None:
        self.window.run_controls.state.setText(text)

    def _set_idle_ui(self) -> None:
        self._busy_since = None
        self._busy_timer.stop()
        self.state = LoopState.IDLE
        self.window.set_running(False)

    def _show_result(self, result: RunResult) -> None:
        # Each text once: a reason or answer already in the Message panel (the model's own
        # words) or in the message bar is not repeated in the result line.
        shown = {self.window.live.message.toPlainText().strip()}
        if self.problems.current is not None:
            shown.add(self.problems.current.text.strip())
        shown.discard("")

        def new(text: str | None) -> bool:
            core = (text or "").strip().removeprefix("stopped after: ")
            return bool(core) and not any(core in seen for seen in shown)

        headline = _RESULT_HEADLINES.get(result.status, result.status)
        reason = result.reason if result.status != "succeeded" and new(result.reason) else ""
        if reason:
            headline = f"{headline}: {reason}"
        answer = result.answer if new(result.answer) and result.answer != reason else None
        steps = f" ({result.steps} step{'s' * (result.steps != 1)})"
        self.window.live.show_result(result.status, headline + steps, answer)
        self._set_state_text(f"Finished: {result.status}")
