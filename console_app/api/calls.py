"""One ``computer_call`` → its `ProposedAction`s: one for ``action``, one per element of a batch
(``actions``), each executable or saying why not.

Each action goes through `api/normalize.normalize_action` (the dialects) and
`core.actions.build_action`; what makes the whole call unrunnable is decided here — a pending
safety check without an id, a call the server did not finish, ``action`` and ``actions`` that
disagree, an ``actions`` that is not a list. Nothing the model sent is lost: each proposal keeps
its element verbatim as ``raw``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from console_app.api.normalize import normalize_action
from console_app.api.types.items import ComputerCallItem
from console_app.api.types.response import Response
from console_app.core.actions import ActionValidationError, build_action
from console_app.core.proposal import ProposedAction, SafetyCheck

UNFINISHED_STATUSES = frozenset({"in_progress", "incomplete", "failed", "cancelled", "queued"})
"""Statuses of a call or a response whose actions are shown but never executed."""


def _safety_checks(item: ComputerCallItem) -> tuple[SafetyCheck, ...]:
    checks = []
    for check in item.pending_safety_checks or []:
        if not check.id:
            # A check that cannot be acknowledged by id cannot be acknowledged at all.
            raise ActionValidationError(
                "a pending safety check has no id", field="pending_safety_checks"
            )
        checks.append(SafetyCheck(id=check.id, code=check.code, message=check.message))
    return tuple(checks)


def _verbatim(value: Any) -> dict[str, Any]:
    """What the model sent, kept as-is for the record (a non-object under ``value``)."""
    return dict(value) if isinstance(value, Mapping) else {"value": value}


def _call_problem(item: ComputerCallItem) -> ActionValidationError | None:
    try:
        _safety_checks(item)
    except ActionValidationError as exc:
        return exc
    if isinstance(item.status, str) and item.status.strip().lower() in UNFINISHED_STATUSES:
        # A call the server did not finish writing (a cut or failed generation) may be
        # missing what makes it safe — never run half an instruction.
        return ActionValidationError(
            f"the call is {item.status.strip().lower()}, not completed", field="status"
        )
    return None


def _proposal(
    item: ComputerCallItem,
    raw_action: Any,
    raw: dict[str, Any],
    problem: ActionValidationError | None,
    *,
    index: int = 0,
    size: int = 1,
) -> ProposedAction:
    raw_type = raw.get("type") if isinstance(raw.get("type"), str) else None
    common: dict[str, Any] = {
        "call_id": item.call_id,
        "item_id": item.id,
        "raw": raw,
        "raw_type": raw_type,
        "batch_index": index,
        "batch_size": size,
    }
    with contextlib.suppress(ActionValidationError):  # unreadable checks: ``problem`` says so
        common["pending_safety_checks"] = _safety_checks(item)
    try:
        if problem is not None:
            raise problem
        action = build_action(normalize_action(raw_action))
    except ActionValidationError as exc:
        return ProposedAction(error=str(exc), error_field=exc.field, **common)
    return ProposedAction(action=action, **common)


def normalize_call(item: ComputerCallItem) -> ProposedAction:
    """One single-action ``computer_call`` → a `ProposedAction` (executable or saying why not).

    For a batched call use `normalize_calls`, which returns every action of the batch.
    """
    return normalize_calls(item)[0]


def normalize_calls(item: ComputerCallItem) -> list[ProposedAction]:
    """One ``computer_call`` → its proposals, in order: one for ``action``, one per element of
    ``actions`` (a batch). Every element is kept verbatim as ``raw`` — what the model asked
    for is never lost, even when it is not understood."""
    problem = _call_problem(item)
    batch = item.actions
    if batch is None or (isinstance(item.action, Mapping) and batch == [item.action]):
        if batch is not None:
            return [_proposal(item, item.action, _verbatim(item.action), problem)]
        if item.action is None:
            # Neither an action nor a batch: keep the whole call so the record shows it.
            raw = item.model_dump(mode="json", exclude_none=True)
            return [_proposal(item, None, raw, problem)]
        return [_proposal(item, item.action, _verbatim(item.action), problem)]
    if not isinstance(batch, list) or not batch:
        raw = item.model_dump(mode="json", exclude_none=True)
        error = ActionValidationError(
            "the call's 'actions' must be a non-empty list of action objects", field="actions"
        )
        return [_proposal(item, None, raw, problem or error)]
    if item.action is not None:
        # Two instructions in one call that disagree: running either could be the wrong one.
        problem = problem or ActionValidationError(
            "the call has both 'action' and a different 'actions' list", field="actions"
        )
    size = len(batch)
    return [
        _proposal(item, element, _verbatim(element), problem, index=index, size=size)
        for index, element in enumerate(batch)
    ]


def proposals(response: Response) -> list[ProposedAction]:
    """Every action of every ``computer_call`` of a response, in order, normalised."""
    return [p for item in response.computer_calls() for p in normalize_calls(item)]
