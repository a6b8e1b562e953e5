"""Secrets the *agent* handles: typed text that looks like an API key or a card number.

`core.redact` removes the console's own secrets (registered keys, auth headers). This module
covers what the user's task makes the agent type — "log in with sk-live-…", "pay with 4111 …"
— which would otherwise be kept in the history (the action's ``text``, its summary, the model's
message) and copied into exported reports. ``history/scrub.py`` applies `redact_typed` to every
text on its way into the database and again on the way out into an export.

Built-in shapes (each chosen so that the console's own ids — ``run_…``, ``resp_…``, SHA-256
names — never match): well-known key prefixes (OpenAI/Anthropic ``sk-``, Stripe, GitHub,
GitLab, Slack, AWS access key ids, Google API keys, JWTs, PEM private keys) and card numbers
(13–19 digits, optionally grouped by spaces or dashes, that pass the Luhn check). Users add
their own regular expressions in Settings (``privacy.secret_patterns``), applied process-wide
with `configure`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

TYPED_SECRET = "[SECRET]"  # noqa: S105 (the marker, not a secret)

_BUILTIN = (
    r"\bsk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_\-]{16,}",
    r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}",
    r"\bgh[pousr]_[A-Za-z0-9]{30,}",
    r"\bgithub_pat_[A-Za-z0-9_]{30,}",
    r"\bglpat-[A-Za-z0-9_\-]{20,}",
    r"\bxox[abprs]-[A-Za-z0-9\-]{10,}",
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"\bAIza[0-9A-Za-z_\-]{35}",
    r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
)
_CARD = re.compile(r"(?<![\w.])\d(?:[ \-]?\d){12,18}(?![\w.])")

_lock = threading.Lock()
_builtin_on = True
_patterns: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in _BUILTIN)
_user: tuple[re.Pattern[str], ...] = ()


def configure(user_patterns: Iterable[str] = (), *, builtin: bool = True) -> list[str]:
    """Set the user's patterns (replacing earlier ones) and whether the built-in shapes apply.

    Returns the problems (patterns that are not valid regular expressions; they are skipped)."""
    global _builtin_on, _user
    compiled, problems = [], []
    for pattern in user_patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            problems.append(f"{pattern!r}: {exc}")
    with _lock:
        _user = tuple(compiled)
        _builtin_on = builtin
    return problems


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_ok(digits) and len(set(digits)) > 1:
        return TYPED_SECRET
    return match.group(0)


def redact_typed(text: str) -> str:
    """``text`` with every secret-shaped part replaced by ``[SECRET]``."""
    if not text:
        return text
    with _lock:
        patterns = (_patterns if _builtin_on else ()) + _user
        builtin = _builtin_on
    for pattern in patterns:
        text = pattern.sub(TYPED_SECRET, text)
    if builtin:
        text = _CARD.sub(_card, text)
    return text


def contains_typed_secret(text: str) -> bool:
    return redact_typed(text) != text
