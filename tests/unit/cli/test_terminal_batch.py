"""The terminal prompt shows a whole batch in order and held keys; `a` / `y N` approve ahead."""

from __future__ import annotations

import io
from collections.abc import Iterator

from console_app.agent.decisions import ApprovalRequest, Approve
from console_app.api.calls import normalize_calls
from console_app.api.types.items import ComputerCallItem
from console_app.cli.terminal_approver import TerminalApprover

ACTIONS = [
    {"type": "click", "x": 10, "y": 20, "button": "left", "keys": ["CTRL"]},
    {"type": "type", "text": "hi"},
    {"type": "keypress", "keys": ["Return"]},
]


def batch_request(index: int = 0) -> ApprovalRequest:
    batch = tuple(normalize_calls(ComputerCallItem(call_id="c1", actions=ACTIONS)))
    return ApprovalRequest(
        run_id="r", step_index=index, proposal=batch[index], screenshot=None, batch=batch
    )


async def ask(request: ApprovalRequest, *answers: str) -> tuple[object, str]:
    feed: Iterator[str] = iter(answers)
    out = io.StringIO()
    approver = TerminalApprover(interactive=True, out=out, reader=lambda prompt: next(feed))
    return await approver(request), out.getvalue()


async def test_the_batch_is_listed_in_order_with_held_keys() -> None:
    decision, shown = await ask(batch_request(), "y")
    assert decision == Approve()
    lines = shown.splitlines()
    assert lines[0] == "batch of 3 actions in one call:"
    assert lines[1] == "  > 1. click at (10, 20) holding Ctrl"
    assert lines[2] == '    2. type "hi"'
    assert lines[3] == "    3. press Enter"
    assert "step 1: action 1 of 3: click at (10, 20) holding Ctrl" in shown


async def test_approve_all_and_first_n() -> None:
    assert (await ask(batch_request(), "a"))[0] == Approve(count=3)
    assert (await ask(batch_request(1), "a"))[0] == Approve(count=2)
    assert (await ask(batch_request(), "y 2"))[0] == Approve(count=2)
    assert (await ask(batch_request(1), "y 9"))[0] == Approve(count=2)
    assert (await ask(batch_request(), "y zero", "y"))[0] == Approve()
