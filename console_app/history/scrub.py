"""Stricter than `redact` for what is stored and exported: no auth header survives, not even
its name.

`core.redact.redact_obj` keeps ``{"Authorization": "[REDACTED]"}`` and `redact` keeps
``Bearer [REDACTED]`` — fine for a log line, but a history row or an exported report has no
business carrying an auth header at all. Here such keys are dropped from JSON and the words
left in front of a redaction marker are removed.
"""

from __future__ import annotations

import re
from typing import Any

from console_app.core.redact import REDACTED, redact

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

_AUTH_PREFIX = re.compile(
    r"(?i)\b(?:proxy-)?(?:authorization|bearer)\b['\"]?\s*[:=]?\s*['\"]?(?="
    + re.escape(REDACTED)
    + ")"
)


def scrub(text: str) -> str:
    """`redact`, then drop ``Authorization:`` / ``Bearer`` in front of what was redacted."""
    if not text:
        return text
    previous = None
    text = redact(text)
    while previous != text:  # "Authorization: Bearer [REDACTED]" needs two passes
        previous, text = text, _AUTH_PREFIX.sub("", text)
    return text


def scrub_obj(value: Any) -> Any:
    """Scrub every string in a JSON-like value and drop auth-looking keys entirely."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {
            key: scrub_obj(item)
            for key, item in value.items()
            if not (isinstance(key, str) and key.lower() in AUTH_KEYS)
        }
    if isinstance(value, (list, tuple)):
        return [scrub_obj(item) for item in value]
    return value
