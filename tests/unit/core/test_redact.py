"""Secrets never leave through a string: registered values, bearer patterns, log records."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from console_app.core import redact as redact_module
from console_app.core.redact import (
    REDACTED,
    RedactingFilter,
    forget_secrets,
    redact,
    redact_obj,
    register_secret,
)

SECRET = "zq-9f8e7d6c5b4a3210"


@pytest.fixture(autouse=True)
def isolated_registry() -> Iterator[None]:
    """Start from an empty registry and give back whatever other tests had registered."""
    saved = set(redact_module._secrets)
    forget_secrets()
    yield
    forget_secrets()
    for secret in saved:
        register_secret(secret)


def test_registered_secrets_are_replaced_everywhere() -> None:
    register_secret(SECRET)
    text = f"key={SECRET}; again {SECRET}{SECRET} and /path/{SECRET}/x"
    assert redact(text) == (f"key={REDACTED}; again {REDACTED}{REDACTED} and /path/{REDACTED}/x")
    forget_secrets()
    assert SECRET in redact(f"now {SECRET} is forgotten")


def test_short_or_missing_secrets_are_ignored() -> None:
    register_secret("abc12")
    register_secret(None)
    register_secret("")
    assert redact("abc12 stays readable") == "abc12 stays readable"


def test_the_longest_secret_wins_when_they_overlap() -> None:
    register_secret("abcdef")
    register_secret("abcdefghij")
    assert redact("x abcdefghij y abcdef z") == f"x {REDACTED} y {REDACTED} z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer eyJhbGciOi.J9abc", f"Authorization: {REDACTED}"),
        ("authorization=Bearer abcdefghij", f"authorization={REDACTED}"),
        ('{"Authorization": "Bearer sk-abcdef123456"}', f'{{"Authorization": "{REDACTED}"}}'),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", f"Authorization: {REDACTED}"),
        ("curl -H 'authorization: token ghp_abcdef123'", f"curl -H 'authorization: {REDACTED}'"),
        ("sent bearer abcdefg1234 upstream", f"sent bearer {REDACTED} upstream"),
        ("api_key=supersecret1&x=1", f"api_key={REDACTED}&x=1"),
        ("X-Api-Key: 0123456789", f"X-Api-Key: {REDACTED}"),
        ('"token": "tok_123456789"', f'"token": "{REDACTED}"'),
        ("secret=hunter2hunter2", f"secret={REDACTED}"),
        ("use sk-proj-ABCDEFGHIJKLMNOP1234 here", f"use {REDACTED} here"),
    ],
)
def test_bearer_and_key_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "input_tokens: 123456789",
        "the bearer of bad news",
        "Authorization required",
        "click at (640, 88)",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_obj_walks_json_and_drops_auth_keys() -> None:
    register_secret(SECRET)
    value = {
        "message": f"bad key {SECRET}",
        "Authorization": "anything at all",
        "api-key": "x",
        "engine_token": "y",
        "password": "z",
        "nested": [{"token": "t"}, (f"a {SECRET}", 5, None, True)],
        "count": 3,
    }
    assert redact_obj(value) == {
        "message": f"bad key {REDACTED}",
        "Authorization": REDACTED,
        "api-key": REDACTED,
        "engine_token": REDACTED,
        "password": REDACTED,
        "nested": [{"token": REDACTED}, [f"a {REDACTED}", 5, None, True]],
        "count": 3,
    }


def _logger_with_filter() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger(f"tests.redact.{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_the_filter_redacts_messages_and_their_arguments() -> None:
    register_secret(SECRET)
    logger, stream = _logger_with_filter()
    logger.info("using key %s for %s", SECRET, "https://api.example")
    logger.debug({"headers": {"Authorization": f"Bearer {SECRET}"}})
    logger.warning("broken format %s %s", "only one")  # must not raise or vanish
    out = stream.getvalue()
    assert SECRET not in out
    assert f"using key {REDACTED} for https://api.example" in out
    assert "broken format" in out


def test_the_filter_redacts_exception_text() -> None:
    register_secret(SECRET)
    logger, stream = _logger_with_filter()
    try:
        raise RuntimeError(f"server said: invalid key {SECRET}")
    except RuntimeError:
        logger.exception("request failed")
    out = stream.getvalue()
    assert "RuntimeError: server said: invalid key " + REDACTED in out
    assert "Traceback" in out
    assert SECRET not in out


def test_the_filter_redacts_a_preformatted_traceback_and_stack() -> None:
    """Regression: a record that arrives with its traceback already formatted (``exc_text``
    without ``exc_info``, as a SocketHandler sends it) or with ``stack_info`` was passed
    through unredacted."""
    register_secret(SECRET)
    record = logging.makeLogRecord(
        {
            "msg": "remote failure",
            "exc_text": f"Traceback (most recent call last):\nValueError: {SECRET}",
            "stack_info": f"Stack (most recent call last):\n  call({SECRET!r})",
        }
    )
    assert RedactingFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert SECRET not in formatted
    assert "ValueError: " + REDACTED in formatted and "call('" + REDACTED in formatted
