"""A fake agent loop and fake screenshots for driving the console's views and controllers.

`FakeLoop` has the public surface of `agent.loop.AgentLoop` that the console uses (run, stop,
pause, resume, paused) and calls the same injected callbacks with the same event types, in the
same order as the real loop: capture → think → (approve → record → execute → record)… → finish.
Stop, pause, the awaits stop cancels and problems run on the real `agent.context.RunControl`,
so the console's stop/pause paths are exercised against the loop's own semantics, not a copy.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from console_app.agent.context import RunControl
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
from console_app.agent.events import (
    LoopState,
    ModelAnswered,
    Problem,
    RunFinished,
    RunResult,
    ScreenCaptured,
    StepRecorded,
    TextDelta,
)
from console_app.core.actions import action_to_dict, build_action
from console_app.core.proposal import ProposedAction, SafetyCheck
from console_app.core.records import StepRecord, Timings
from tests.fakes import FakeShot, fake_mapping


def desktop_image(
    width: int = 1280, height: int = 720, title: str = "Orders — Example App"
) -> QImage:
    """A plausible application screen (title bar, form, buttons, a list) to draw overlays on."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(225, 230, 238))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont("DejaVu Sans")
    font.setPixelSize(max(12, height // 40))
    p.setFont(font)
    p.fillRect(QRect(0, 0, width, height // 24), QColor(40, 44, 52))
    p.setPen(QColor(230, 230, 230))
    p.drawText(
        QRect(12, 0, width, height // 24),
        Qt.AlignmentFlag.AlignVCenter,
        "Activities   Files   Terminal",
    )
    win = QRect(width // 12, height // 9, width * 10 // 12, height * 7 // 9)
    p.fillRect(win, QColor(255, 255, 255))
    p.fillRect(QRect(win.x(), win.y(), win.width(), 34), QColor(60, 90, 160))
    p.setPen(QColor(255, 255, 255))
    p.drawText(QRect(win.x() + 12, win.y(), win.width(), 34), Qt.AlignmentFlag.AlignVCenter, title)
    p.setPen(QColor(30, 30, 30))
    fields = ["Customer", "Email", "Quantity"]
    for i, name in enumerate(fields):
        y = win.y() + 70 + i * 56
        p.drawText(QRect(win.x() + 30, y, 150, 32), Qt.AlignmentFlag.AlignVCenter, name)
        p.setPen(QColor(150, 150, 150))
        p.drawRect(QRect(win.x() + 180, y, 340, 32))
        p.setPen(QColor(30, 30, 30))
    for i, (label, color) in enumerate(
        (("Save", QColor(40, 140, 70)), ("Cancel", QColor(160, 160, 160)))
    ):
        r = QRect(win.x() + 180 + i * 140, win.y() + 260, 120, 38)
        p.fillRect(r, color)
        p.setPen(QColor(255, 255, 255))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, label)
    p.setPen(QColor(30, 30, 30))
    list_rect = QRect(win.x() + 600, win.y() + 70, win.width() - 640, win.height() - 110)
    p.drawRect(list_rect)
    for i in range(12):
        p.drawText(
            QRect(list_rect.x() + 10, list_rect.y() + 8 + i * 30, list_rect.width(), 28),
            Qt.AlignmentFlag.AlignVCenter,
            f"Order #{1040 + i}   {['open', 'shipped', 'paid'][i % 3]}",
        )
    p.end()
    return image


def encode(image: QImage, fmt: str = "JPEG") -> bytes:
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, fmt, 85)
    return bytes(array.data())


def make_shot(
    width: int = 1280, height: int = 720, normalized: bool = False, **kw: Any
) -> FakeShot:
    return FakeShot(
        encode(desktop_image(width, height, **kw)),
        "image/jpeg",
        width,
        height,
        fake_mapping(width, height, normalized),
        grab_ms=1.2,
        scale_ms=9.5,
        encode_ms=3.1,
    )


CHECK_MESSAGES = {
    "sc_irreversible": "This action submits a payment and cannot be undone.",
    "sc_payment": "The page asks for card details: make sure the amount (€1,240.00) is right.",
}


def proposal(
    action: dict[str, Any] | None = None, *, checks: tuple[str, ...] = (), **kw: Any
) -> ProposedAction:
    safety = tuple(
        SafetyCheck(
            id=c, code="sensitive", message=CHECK_MESSAGES.get(c, f"Confirm {c} is intended.")
        )
        for c in checks
    )
    if action is None:
        return ProposedAction(
            call_id="call_x",
            error=kw.pop("error", "unknown action type 'teleport'"),
            raw_type=kw.pop("raw_type", "teleport"),
            raw=kw.pop("raw", {"type": "teleport"}),
            pending_safety_checks=safety,
        )
    return ProposedAction(
        call_id=kw.pop("call_id", "call_1"),
        action=build_action(action),
        raw=action,
        pending_safety_checks=safety,
    )


@dataclass
class Turn:
    """One scripted model turn: one or more proposals (or a problem to raise first)."""

    proposals: list[ProposedAction] = field(default_factory=list)
    reasoning: str = "Looking at the screen to find the next control."
    message: str = ""
    problem: Problem | None = None
    think_seconds: float = 0.0
    stream: bool = False


class FakeLoop:
    def __init__(
        self,
        turns: list[Turn],
        *,
        approve: Any,
        on_event: Any,
        on_problem: Any,
        exclusion: Any,
        focus_guard: Any = None,
        on_stale: Any = None,
        shot: FakeShot | None = None,
        final: RunResult | None = None,
        model: str | None = None,
    ) -> None:
        self.turns = list(turns)
        self.approve = approve
        self.on_event = on_event
        self.on_problem = on_problem
        self.on_stale = on_stale
        self.exclusion = exclusion
        self.shot = shot or make_shot()
        self.final = final
        self.model = model
        self.run_id = "run_fake"
        self.decisions: list[Decision] = []
        self.executed: list[dict[str, Any]] = []
        self.problem_choices: list[str] = []
        self.exclusions: list[list[tuple[int, int, int, int]]] = []
        # The real run control (state, events, stop, pause gate, interruptible, problem).
        self.control = RunControl(on_event=on_event, on_problem=self._answer_problem)

    # -- control: the real loop's, delegated the same way ----------------------------------
    @property
    def state(self) -> LoopState:
        return self.control.state

    @property
    def paused(self) -> bool:
        return self.control.paused

    def stop(self) -> None:
        self.control.stop()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    # -- run -------------------------------------------------------------------------------
    def _state(self, state: LoopState, detail: str = "") -> None:
        self.control.set_state(state, detail)

    async def _answer_problem(self, problem: Problem) -> str:
        choice: str = await self.on_problem(problem)
        self.problem_choices.append(choice)
        return choice

    async def run(self, task: str) -> RunResult:
        index = 0
        try:
            for turn in self.turns:
                self._state(LoopState.CAPTURING, "capturing the screen")
                self.exclusions.append(list(self.exclusion()))
                self.on_event(ScreenCaptured(self.shot))
                await self.control.wait_if_paused()
                self._state(LoopState.THINKING, "waiting for the model")
                if turn.problem is not None:
                    await self.control.problem(turn.problem)  # returns on retry
                if turn.stream:
                    for word in turn.reasoning.split(" "):
                        self.on_event(TextDelta("reasoning", word + " "))
                if turn.think_seconds:
                    await self.control.interruptible(asyncio.sleep(turn.think_seconds))
                self.on_event(
                    ModelAnswered(
                        "resp_1",
                        "completed",
                        turn.reasoning,
                        turn.message,
                        tuple(turn.proposals),
                        812.0,
                        153_000,
                        1520,
                        64,
                    )
                )
                for prop in turn.proposals:
                    await self._step(index, prop, turn)
                    index += 1
        except StopRun:
            result = RunResult(self.run_id, "stopped", "stopped by the supervisor", None, index)
        else:
            result = self.final or RunResult(
                self.run_id, "succeeded", "the model answered", "All done.", index
            )
        self._state(LoopState.FINISHED, result.status)
        self.on_event(RunFinished(result))
        return result

    async def _step(self, index: int, prop: ProposedAction, turn: Turn) -> None:
        step = StepRecord(
            run_id=self.run_id,
            index=index,
            call_id=prop.call_id,
            action_type=prop.kind,
            action=action_to_dict(prop.action) if prop.action else None,
            action_error=prop.error,
            summary=prop.summary(),
            reasoning=turn.reasoning,
            screenshot=self.shot.data,
            screenshot_mime="image/jpeg",
            viewport=(self.shot.width, self.shot.height),
            timings=Timings(capture_ms=1.2, encode_ms=3.1, model_ms=812.0),
            upload_bytes=153_000,
            input_tokens=1520,
            output_tokens=64,
        )
        request = ApprovalRequest(self.run_id, index, prop, self.shot, turn.reasoning, turn.message)
        self._state(LoopState.AWAITING_APPROVAL, prop.summary())
        decision = await self.control.interruptible(self.approve(request))
        self.decisions.append(decision)
        run: dict[str, Any] | None = None
        name = "approved"
        if isinstance(decision, Stop):
            self.on_event(StepRecorded(step.model_copy(update={"decision": "stopped"})))
            raise StopRun
        if isinstance(decision, Approve) and prop.action is not None:
            run = action_to_dict(prop.action)
        elif isinstance(decision, Edit):
            run, name = action_to_dict(decision.action), "edited"
        elif isinstance(decision, Reject):
            name = "rejected"
        elif isinstance(decision, Skip):
            name = "skipped"
        else:
            name = "invalid"
        update: dict[str, Any] = {"decision": name}
        if isinstance(decision, Edit):
            update["edited_action"] = run
        if isinstance(decision, Reject):
            update["feedback"] = decision.feedback
        if run is not None:
            await self.control.wait_if_paused()
            self._state(LoopState.EXECUTING, "executing")
            self.exclusions.append(list(self.exclusion()))
            self.executed.append(run)
            update.update(
                execution="done", timings=step.timings.model_copy(update={"execute_ms": 41.0})
            )
        self.on_event(StepRecorded(step.model_copy(update=update)))
