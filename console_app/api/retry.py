"""When the client may send a request again, and how long it waits first.

Why a module of its own: the rule is the safety property of the client — a ``create`` that may
have reached the server is never repeated (the model could propose, and the human approve, the
same step twice) — and it deserves to be read on its own:

* a request whose connection failed before it was sent is always retried (the server never
  saw it);
* ``x-should-retry: true`` / ``false`` from the server decides for any method;
* otherwise only idempotent requests (``GET``, ``DELETE``, ``cancel``) are retried, on 408,
  429 and 5xx.

Waits honour ``retry-after-ms`` / ``retry-after`` (up to 60 s), else exponential backoff
(0.5 s·2ⁿ, at most 8 s) with jitter, as the official SDK does.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

import httpx

MAX_RETRY_AFTER = 60.0
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
RETRYABLE_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))


def should_retry(response: httpx.Response, *, idempotent: bool) -> bool:
    """May this error answer be retried? The server's ``x-should-retry`` hint wins."""
    hint = response.headers.get("x-should-retry", "").strip().lower()
    if hint == "true":
        return True
    if hint == "false":
        return False
    return idempotent and response.status_code in RETRYABLE_STATUS


def retry_delay(attempt: int, headers: Mapping[str, str] | None) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based)."""
    if headers is not None:
        server = retry_after(headers)
        if server is not None and 0 <= server <= MAX_RETRY_AFTER:
            return server
    backoff: float = min(INITIAL_BACKOFF * 2**attempt, MAX_BACKOFF)
    return backoff * (1 - 0.25 * random.random())


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The server's requested wait in seconds (``retry-after-ms``, then ``retry-after`` as
    seconds or an HTTP date), or ``None``."""
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return float(value)
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return float(email.utils.mktime_tz(parsed) - time.time())
    return None
