"""Keep secrets out of logs, exceptions, the history database and exports.

Why a registry: the API key and the engine token are known only at run time, and they can turn
up anywhere a string is built (a server that echoes the key in an error, a URL with a token, a
debug dump of headers). Every string that leaves the process through a log record, an error
message or an export passes through `redact`, which replaces every registered secret and
anything that looks like an ``Authorization`` value.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

REDACTED = "[REDACTED]"

_lock = threading.Lock()
_secrets: set[str] = set()

_PATTERNS = [
    # Authorization headers and bearer tokens written anywhere.
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]{6,}"),
    # The whole value after "Authorization:", scheme included ("Basic dXNlcjpw…" too).
    re.compile(
        r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)"
        r"(?:(?:bearer|basic|token|digest|apikey)\s+)?[^'\"\s,}]{4,}"
    ),
    re.compile(r"(?i)((?:api[_-]?key|token|secret)['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}&]{6,}"),
    # Common key shapes (OpenAI-style and long opaque keys after a known prefix).
    re.compile(r"()\bsk-[A-Za-z0-9_\-]{16,}"),
]


def register_secret(secret: str | None) -> None:
    """Remember a secret so every later `redact` call removes it. Short values are ignored
    (a 3-character "secret" would redact ordinary words)."""
    if secret and len(secret) >= 6:
        with _lock:
            _secrets.add(secret)


def forget_secrets() -> None:
    """Tests only: start again with an empty registry."""
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and bearer-looking value replaced."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def redact_obj(value: Any) -> Any:
    """Redact every string inside a JSON-like structure, and drop auth-looking keys."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in {
                "authorization",
                "api_key",
                "apikey",
                "x-api-key",
                "api-key",
                "token",
                "access_token",
                "engine_token",
                "password",
            }:
                out[key] = REDACTED
            else:
                out[key] = redact_obj(item)
        return out
    if isinstance(value, (list, tuple)):
        return [redact_obj(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the formatted message, any exception text and stack.

    Attach it to *handlers* (a logger's own filters see only records created on that logger,
    not those propagated from its children)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format must not hide the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:  # arrived already formatted (a SocketHandler sends it so)
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
