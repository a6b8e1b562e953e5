"""Turning the loop's records into table rows: scrubbed, JSON-encoded, in column order.

Kept apart from the store so the one place that decides what reaches the database — and
that nothing secret does — is short enough to read in one go.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from console_app.core.records import StepRecord
from console_app.core.redact import redact
from console_app.history.models import to_db_time
from console_app.history.scrub import scrub, scrub_obj

STEP_COLUMNS = (
    "run_id", "idx", "response_id", "call_id", "action_type", "action_json", "raw_action_json",
    "action_error", "edited_action_json", "summary", "reasoning", "message", "decision",
    "feedback", "safety_json", "execution", "execution_detail", "screenshot_sha256",
    "screenshot_mime", "viewport_w", "viewport_h", "timings_json", "upload_bytes",
    "input_tokens", "output_tokens", "created_at",
)  # fmt: skip


def clean_backend(url: str) -> str:
    """A backend URL safe to store: no ``user:password@``, secrets in the query redacted."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return redact(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        parts = parts._replace(netloc=netloc)
    return redact(urllib.parse.urlunsplit(parts))


def step_row(step: StepRecord, sha: str | None) -> tuple[Any, ...]:
    viewport = step.viewport or (None, None)
    return (
        step.run_id,
        step.index,
        step.response_id,
        step.call_id,
        step.action_type,
        _json(step.action),
        _json(step.raw_action),
        _text(step.action_error),
        _json(step.edited_action),
        scrub(step.summary),
        scrub(step.reasoning),
        scrub(step.message),
        step.decision,
        _text(step.feedback),
        json.dumps(scrub_obj(list(step.acknowledged_safety_checks))),
        step.execution,
        scrub(step.execution_detail),
        sha,
        step.screenshot_mime if sha else None,
        viewport[0],
        viewport[1],
        step.timings.model_dump_json(),
        step.upload_bytes,
        step.input_tokens,
        step.output_tokens,
        to_db_time(step.created_at),
    )


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(scrub_obj(value), ensure_ascii=False)


def _text(value: str | None) -> str | None:
    return None if value is None else scrub(value)
