"""The step number the supervisor sees: a step the console refused (nothing ran) keeps none."""

from __future__ import annotations

from console_app.agent.decisions import ApprovalRequest, Approve, Decision
from tests.unit.agent.fakes import call, message
from tests.unit.agent.test_loop import CLICK, make_loop


class RefuseFirst:
    """A focus guard that refuses the first keyboard action, then allows."""

    def __init__(self) -> None:
        self.checks = 0

    def note(self) -> None:
        pass

    def check(self) -> str | None:
        self.checks += 1
        return "the keyboard focus is on the console" if self.checks == 1 else None


async def test_a_refused_step_does_not_use_up_a_step_number() -> None:
    asked: list[tuple[int, str]] = []

    def decide(request: ApprovalRequest) -> Decision:
        asked.append((request.step_index, request.proposal.kind))
        return Approve()

    script = [
        call({"type": "type", "text": "hi"}),
        call({"type": "type", "text": "hi"}, "c2", "r2"),
        call(CLICK, "c3", "r3"),
        message("ok"),
    ]
    loop, _, computer, recorder, _, _ = make_loop(script, decide)
    loop.context.focus_guard = RefuseFirst()
    result = await loop.run("task")
    # Step 1 was refused (nothing ran): the retry is step 1 again, the click step 2.
    assert asked == [(0, "type"), (0, "type"), (1, "click")]
    steps = recorder.steps_of(result.run_id)
    assert [s.execution for s in steps] == ["refused", "done", "done"]
    assert [a.type for a in computer.executed] == ["type", "click"]
