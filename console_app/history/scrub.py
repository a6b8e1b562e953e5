"""Stricter than `redact` for what is stored and exported: no auth header survives, not even
its name.

`core.redact.redact_obj` keeps ``{"Authorization": "[REDACTED]"}`` and `redact` keeps
``Bearer [REDACTED]`` — fine for a log line, but a history row or an exported report has no
business carrying an auth header at all. Here such keys are dropped from JSON and the words
left in front of a redaction marker are removed.

Secrets the agent *typed* (API-key shapes, card numbers, the user's own patterns:
``core/secret_patterns.py``) are replaced by ``[SECRET]`` here too, so the history and every
export carry neither; identifiers (run, response and call ids, screenshot hashes) are left
alone so a user's pattern can never break the links between records.
"""

from __future__ import annotations

import re
from typing import Any

from console_app.core.redact import REDACTED, redact
from console_app.core.secret_patterns import redact_typed

AUTH_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api_key",
        "apikey",
        "api-key",
        "x-api-key",
        "token",
        "access_token",
        "engine_token",
        "password",
        "secret",
        "cookie",
        "set-cookie",
    }
)

ID_KEYS = frozenset(
    {"id", "run_id", "response_id", "call_id", "previous_response_id", "screenshot_sha256"}
)
"""Identifier fields: not passed through the typed-secret patterns."""

_AUTH_PREFIX = re.compile(
    r"(?i)\b(?:proxy-)?(?:authorization|bearer)\b['\"]?\s*[:=]?\s*['\"]?(?="
    + re.escape(REDACTED)
    + ")"
)


def scrub(text: str, *, typed: bool = True) -> str:
    """`redact`, then drop ``Authorization:`` / ``Bearer`` in front of what was redacted; with
    ``typed`` (the default) typed secrets become ``[SECRET]`` as well."""
    if not text:
        return text
    previous = None
    text = redact(text)
    if typed:
        text = redact_typed(text)
    while previous != text:  # "Authorization: Bearer [REDACTED]" needs two passes
        previous, text = text, _AUTH_PREFIX.sub("", text)
    return text


def scrub_obj(value: Any, *, typed: bool = True) -> Any:
    """Scrub every string in a JSON-like value and drop auth-looking keys entirely."""
    if isinstance(value, str):
        return scrub(value, typed=typed)
    if isinstance(value, dict):
        return {
            key: scrub_obj(item, typed=typed and not (isinstance(key, str) and key in ID_KEYS))
            for key, item in value.items()
            if not (isinstance(key, str) and key.lower() in AUTH_KEYS)
        }
    if isinstance(value, (list, tuple)):
        return [scrub_obj(item, typed=typed) for item in value]
    return value
