"""Answers count only when the witness saw the human type them (see ``cli/key_witness.py``);
the rest are discarded with a visible warning and the prompt is asked again."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from console_app.agent.decisions import ApprovalRequest, Approve, Reject
from console_app.api.calls import normalize_call
from console_app.api.types.items import ComputerCallItem
from console_app.cli.terminal import NOT_TYPED_HERE, ask_human
from console_app.cli.terminal_approver import TerminalApprover
from console_app.cli.terminal_window import ancestors, terminal_pids
from console_app.core.logs import BACKUP_COUNT, MAX_BYTES


class ScriptedWitness:
    """Says, line by line, whether a human key press came with it."""

    def __init__(self, *typed_here: bool) -> None:
        self.verdicts = list(typed_here)
        self.begun = 0

    def begin(self) -> None:
        self.begun += 1

    def confirm(self) -> bool:
        return self.verdicts.pop(0)


def lines(*answers: str) -> object:
    feed: Iterator[str] = iter(answers)
    return lambda prompt: next(feed)


async def test_a_line_nobody_typed_here_is_discarded_with_a_warning() -> None:
    out = io.StringIO()
    witness = ScriptedWitness(False, True)
    answer = await ask_human("? ", lines("y", "n"), witness=witness, out=out)  # type: ignore[arg-type]
    assert answer == "n"
    assert out.getvalue().count(NOT_TYPED_HERE) == 1
    assert witness.begun == 2  # the prompt was shown again, with a fresh witness window


async def test_an_injected_approval_cannot_approve_the_step() -> None:
    item = ComputerCallItem(call_id="c1", action={"type": "click", "x": 1, "y": 2})
    request = ApprovalRequest(
        run_id="r", step_index=0, proposal=normalize_call(item), screenshot=None
    )
    out = io.StringIO()
    approver = TerminalApprover(
        interactive=True,
        out=out,
        reader=lines("y", "y", "n not that"),  # type: ignore[arg-type]
        witness=ScriptedWitness(False, False, True),  # two injected "y", then the human
    )
    decision = await approver(request)
    assert decision == Reject("not that") and decision != Approve()
    assert out.getvalue().count(NOT_TYPED_HERE) == 2


def test_the_terminal_processes_include_our_ancestors() -> None:
    mine = ancestors(os.getpid())
    assert os.getpid() in mine and os.getppid() in mine and 1 not in mine
    assert terminal_pids(os.getpid(), {}) == mine


def test_the_engine_log_rotates_with_a_size_cap(tmp_path: Path) -> None:
    from console_app.engine.server import _configure_logging

    log_file = tmp_path / "engine.log"
    root = logging.getLogger()
    level = root.level
    try:
        _configure_logging(log_file)
        noisy = logging.getLogger("console_app.engine.test")
        for i in range(12_000):
            noisy.info("line %d %s", i, "x" * 500)
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_engine_handler", False)]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    files = list(tmp_path.glob("engine.log*"))
    assert len(files) == BACKUP_COUNT + 1
    assert sum(f.stat().st_size for f in files) <= MAX_BYTES * (BACKUP_COUNT + 1)
