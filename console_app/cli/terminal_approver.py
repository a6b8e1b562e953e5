"""Approval at a terminal prompt: ``y`` approve, ``n`` reject (+ feedback), ``e`` edit, ``s`` skip,
``q`` stop. The same decisions the console window offers, for ``console-app run``.

Why the edit syntax is small: a supervisor at a terminal corrects a target or a text, not a
whole JSON document — ``e 640 360`` moves a click, ``e "new text"`` retypes, ``e ctrl+s``
changes keys; a full JSON action is accepted for anything else.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from typing import Any, TextIO

from console_app.agent.decisions import ApprovalRequest, Approve, Decision, Edit, Reject, Skip, Stop
from console_app.agent.screen_truth import StaleChoice, StaleScreen
from console_app.cli.terminal import Witness, ask_human
from console_app.core.actions import (
    POINTER_ACTION_TYPES,
    ActionValidationError,
    action_to_dict,
    build_action,
)
from console_app.core.keys import keys_from_wire
from console_app.core.redact import redact

HELP = (
    '  y = approve   n [feedback] = reject   e <x y | "text" | keys | {json}> = edit\n'
    "  s = skip      q = stop the run        ? = this help\n"
    "  in a batch:   a = approve all the rest   y N = approve the first N from here"
)

Reader = Callable[[str], str]


class TerminalApprover:
    def __init__(
        self,
        *,
        auto: bool = False,
        interactive: bool | None = None,
        out: TextIO | None = None,
        reader: Reader | None = None,
        witness: Witness | None = None,
    ) -> None:
        """``witness``: proof that each answer was typed at this terminal (`ask_human`)."""
        self.auto = auto
        self.witness = witness
        self.interactive = sys.stdin.isatty() if interactive is None else interactive
        self.out = out or sys.stderr
        self._read = reader or input

    async def __call__(self, request: ApprovalRequest) -> Decision:
        proposal = request.proposal
        checks = request.needs_acknowledgement
        if self.auto and not checks:
            return Approve()
        if not self.interactive:
            if checks:
                return Reject("Safety checks need a human, and no terminal is attached.")
            return Reject("No terminal is attached to approve this action.")
        self._show(request)
        acknowledged: tuple[str, ...] = ()
        if checks:
            for check in proposal.pending_safety_checks:
                self._print(f"  ! safety check {check.id}: {check.message or check.code or ''}")
            answer = (await self._ask("  acknowledge these safety checks? [y/N] ")).strip()
            if answer.lower() != "y":
                return Reject("The supervisor did not acknowledge the safety checks.")
            acknowledged = checks
        while True:
            line = (await self._ask("  approve? [y/n/e/s/q/?] ")).strip()
            decision = self._parse(line, request, acknowledged)
            if decision is not None:
                return decision

    def _parse(
        self, line: str, request: ApprovalRequest, acknowledged: tuple[str, ...]
    ) -> Decision | None:
        command, _, rest = line.partition(" ")
        command = command.lower()
        if command in ("y", "yes", "a", "all"):
            if not request.proposal.executable:
                self._print("  this action cannot be executed; reject, skip or edit it")
                return None
            count = _batch_count(command, rest.strip(), request)
            if count == 0:
                self._print(HELP)
                return None
            return Approve(acknowledged=acknowledged, count=count)
        if command in ("n", "no"):
            return Reject(rest.strip() or None)
        if command in ("s", "skip"):
            return Skip()
        if command in ("q", "quit", "stop"):
            return Stop()
        if command in ("e", "edit"):
            try:
                return Edit(edit_action(request, rest.strip()), acknowledged=acknowledged)
            except (ActionValidationError, ValueError) as exc:
                self._print(f"  cannot edit: {exc}")
                return None
        self._print(HELP)
        return None

    def _show(self, request: ApprovalRequest) -> None:
        if request.batch:
            current = request.proposal.batch_index
            self._print(f"batch of {len(request.batch)} actions in one call:")
            for proposal in request.batch:
                mark = ">" if proposal.batch_index == current else " "
                text = proposal.summary().split(": ", 1)[-1]
                self._print(f"  {mark} {proposal.batch_index + 1}. {text}")
        self._print(f"step {request.step_index + 1}: {request.proposal.summary()}")
        if request.reasoning:
            self._print(f"  reasoning: {request.reasoning.splitlines()[0][:200]}")
        if request.note:
            self._print(f"  note: {request.note}")

    async def stale(self, stale: StaleScreen) -> StaleChoice:
        """An approved action's target changed while it waited: run it, resend, or stop."""
        if self.auto or not self.interactive:
            return "resend"
        self._print(f"  ! not run yet: {stale.describe()}")
        while True:
            line = (
                (
                    await self._ask(
                        "  run anyway (r), send the new screen to the model (n), stop (q)? "
                    )
                )
                .strip()
                .lower()
            )
            if line in ("r", "run"):
                return "run"
            if line in ("n", "new", ""):
                return "resend"
            if line in ("q", "quit", "stop"):
                return "stop"

    async def _ask(self, prompt: str) -> str:
        try:
            return await ask_human(prompt, self._read, witness=self.witness, out=self.out)
        except (EOFError, KeyboardInterrupt):
            return "q"

    def _print(self, text: str) -> None:
        print(redact(text), file=self.out, flush=True)


def edit_action(request: ApprovalRequest, text: str) -> Any:
    """Apply the terminal's edit shorthand to the proposed action (see the module doc)."""
    if not text:
        raise ValueError('say what to change: "e 640 360", "e \\"text\\"", "e ctrl+s" or JSON')
    if text.startswith("{"):
        return build_action(json.loads(text))
    original = request.proposal.action
    if original is None:
        raise ValueError("the proposal is not understood; give the whole action as JSON")
    data = action_to_dict(original)
    kind = original.type
    parts = shlex.split(text)
    if len(parts) == 2 and all(_is_number(p) for p in parts) and kind in POINTER_ACTION_TYPES:
        x, y = float(parts[0]), float(parts[1])
        if kind == "drag":
            data["path"][-1] = {"x": x, "y": y}  # move the drop point
        else:
            data["x"], data["y"] = x, y
        return build_action(data)
    if kind in ("type", "point_and_type"):
        data["text"] = parts[0] if len(parts) == 1 else text
        return build_action(data)
    if kind in ("keypress", "key_down", "key_up"):
        data["keys"] = keys_from_wire(text)
        return build_action(data)
    if kind == "navigate":
        data["url"] = text
        return build_action(data)
    raise ValueError(f"no shorthand edit for {kind}; give the whole action as JSON")


def _batch_count(command: str, rest: str, request: ApprovalRequest) -> int | None:
    """How many actions of the batch an approval covers (None: this one; 0: not understood)."""
    remaining = request.proposal.batch_size - request.proposal.batch_index
    if command in ("a", "all"):
        return remaining if request.batch else None
    if not rest:
        return None
    if not rest.isdigit() or int(rest) < 1 or not request.batch:
        return 0
    return min(int(rest), remaining)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
