"""Plain-text summaries for the history view: a response's output items, a step's facts.

No Qt: the details pane and the replay window only place these strings, and tests can check
them without widgets. Computer calls are described the way the console shows live proposals
(``api.calls`` → ``core.describe.describe``), so a past step reads like it did when it was
approved. Every string passes through ``history.scrub``: a server that echoed a key into its
output must not put it on screen.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from console_app.api.calls import normalize_calls
from console_app.api.types import Response
from console_app.api.types.items import (
    ComputerCallItem,
    ComputerCallOutputItem,
    FunctionCallItem,
    MessageItem,
    ReasoningItem,
)
from console_app.core.actions import ActionValidationError, build_action
from console_app.core.describe import describe
from console_app.core.records import ResponseRecord
from console_app.history.models import StoredStep, normalize_created_at
from console_app.history.scrub import scrub

MAX_TEXT = 200


def short(text: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(value: datetime | str | None) -> str:
    """A UTC time as ``2025-01-31 12:00:05`` (the ledger keeps UTC; so does the view)."""
    if value is None:
        return ""
    moment: datetime
    if isinstance(value, str):
        normalized = normalize_created_at(value)
        if normalized is None:
            return ""
        try:
            moment = datetime.strptime(normalized, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        except ValueError:
            return value  # kept as the server sent it
    else:
        moment = value
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def item_summary(item: Any) -> tuple[str, str]:
    """(type, one-line summary) of one output item."""
    if isinstance(item, ComputerCallItem):
        batch = normalize_calls(item)
        if len(batch) > 1:  # a batched call: every action, in order
            texts = [p.summary().split(": ", 1)[-1] for p in batch]
            numbered = "; ".join(f"{n}. {t}" for n, t in enumerate(texts, start=1))
            return "computer_call", scrub(f"batch of {len(batch)}: {numbered}")
        return "computer_call", scrub(batch[0].summary())
    if isinstance(item, MessageItem):
        return "message", scrub(short(item.text()) or "(empty message)")
    if isinstance(item, ReasoningItem):
        return "reasoning", scrub(short(item.text()) or "(no summary)")
    if isinstance(item, FunctionCallItem):
        return "function_call", scrub(short(f"{item.name}({item.arguments or ''})"))
    if isinstance(item, ComputerCallOutputItem):
        return "computer_call_output", f"answers {item.call_id or '?'}"
    kind = str(getattr(item, "type", None) or "unknown")
    return kind, "(not shown: an item type this console does not know)"


def output_summary(response: Response) -> list[tuple[str, str]]:
    return [item_summary(item) for item in response.items]


def response_facts(
    entry: ResponseRecord | None, response: Response | None, response_id: str
) -> list[tuple[str, str]]:
    """What the details pane lists: the latest known values (retrieved beat recorded)."""
    status = (response.status if response else None) or (entry.status if entry else None)
    model = (response.model if response else None) or (entry.model if entry else None)
    if response is not None and response.created_at is not None:
        created = when(str(response.created_at))
    else:
        created = when(entry.created_at) if entry else ""
    facts = [
        ("ID", response_id),
        ("Status", status or "unknown"),
        ("Created", created),
        ("Model", model or ""),
        ("Profile", entry.profile if entry else ""),
        ("Backend", entry.backend if entry else ""),
        ("Run", (entry.run_id or "") if entry else ""),
        ("Last seen", when(entry.last_seen) if entry else ""),
    ]
    if response is not None:
        error = response.error_message()
        if error:
            facts.append(("Error", short(error)))
        text = response.output_text()
        if text:
            facts.append(("Text", short(text)))
    return [(key, scrub(value)) for key, value in facts]


def step_title(step: StoredStep) -> str:
    """``3. click at (10, 20) — approved`` for the replay's step list."""
    what = step.summary or _action_text(step.edited_action or step.action) or step.action_type
    decision = step.decision.replace("_", "-")
    if step.execution in ("refused", "failed", "stale"):
        decision += f" · {step.execution}"
    return scrub(f"{step.index + 1}. {what or 'step'} — {decision}")


def step_facts(step: StoredStep) -> list[tuple[str, str]]:
    t = step.timings
    timings = " · ".join(
        f"{name} {value:.0f} ms"
        for name, value in (
            ("capture", t.capture_ms), ("encode", t.encode_ms), ("model", t.model_ms),
            ("decision", t.decision_ms), ("execute", t.execute_ms), ("settle", t.settle_ms),
        )
        if value is not None
    )  # fmt: skip
    tokens = (
        ""
        if step.input_tokens is None and step.output_tokens is None
        else f"{step.input_tokens or 0} in / {step.output_tokens or 0} out"
    )
    facts = [
        ("Proposed", _action_text(step.action) or step.action_type or ""),
        ("Edited to", _action_text(step.edited_action)),
        ("Not executable", step.action_error or ""),
        ("Decision", step.decision.replace("_", "-")),
        ("Feedback", step.feedback or ""),
        ("Execution", f"{step.execution}: {step.execution_detail}".rstrip(": ")),
        ("Timings", timings),
        ("Tokens", tokens),
        ("Model said", short(step.message)),
        ("Reasoning", short(step.reasoning, 400)),
        ("Response", step.response_id or ""),
        ("Time", when(step.created_at)),
    ]
    return [(key, scrub(value)) for key, value in facts if value]


def _action_text(data: dict[str, Any] | None) -> str:
    if not data:
        return ""
    try:
        return describe(build_action(dict(data)))
    except ActionValidationError:
        return str(data.get("type") or "")
