"""Typed secrets (API-key shapes, card numbers, the user's patterns) never reach history or
exports, and the console's own identifiers are never mistaken for one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console_app.core import secret_patterns
from console_app.core.secret_patterns import TYPED_SECRET, configure, luhn_ok, redact_typed
from console_app.history.scrub import scrub, scrub_obj


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    yield
    configure([])


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-abcdefghijklmnop1234567890",
        "sk-ant-api03-abcdefghijklmnopqrstuv",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "AKIAIOSFODNN7EXAMPLE",
        "AIzaSyA-1234567890abcdefghijklmnopqrstu",
        "xoxb-1234567890-abcdefghij",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5500005555555559",
        "378282246310005",
    ],
)
def test_secret_shapes_are_redacted(secret: str) -> None:
    text = f'type "{secret}" into the field'
    assert redact_typed(text) == f'type "{TYPED_SECRET}" into the field'


@pytest.mark.parametrize(
    "harmless",
    [
        "run_0123456789abcdef0123",
        "resp_01JXK3M8Q2V7T4W9R5B6N1C0PZ",
        "4111111111111112",  # fails the Luhn check
        "0000000000000000",
        "call 1755426498 at 2025-01-31T12:00:00",
        "3.14159265358979323",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "sku-12345",
    ],
)
def test_ordinary_text_and_ids_are_kept(harmless: str) -> None:
    assert redact_typed(harmless) == harmless


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_user_patterns_apply_and_bad_ones_are_reported() -> None:
    problems = configure([r"\bEMP-\d{6}\b", "(("])
    assert len(problems) == 1 and "((" in problems[0]
    assert redact_typed("badge EMP-123456 ok") == f"badge {TYPED_SECRET} ok"
    configure([], builtin=False)
    assert redact_typed("4111 1111 1111 1111") == "4111 1111 1111 1111"


def test_history_scrubbing_redacts_typed_text_but_not_identifiers() -> None:
    configure([r"\d{4}"])  # a careless user pattern that would hit ids
    step = {
        "run_id": "run_1234abcd",
        "call_id": "call_5678",
        "action": {"type": "type", "text": "pin 1234"},
        "summary": "type 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'",
    }
    cleaned = scrub_obj(step)
    assert cleaned["run_id"] == "run_1234abcd" and cleaned["call_id"] == "call_5678"
    assert cleaned["action"]["text"] == f"pin {TYPED_SECRET}"
    assert cleaned["summary"] == f"type '{TYPED_SECRET}'"
    configure([])
    assert scrub("card 4111 1111 1111 1111") == f"card {TYPED_SECRET}"
    assert secret_patterns.contains_typed_secret("4111111111111111")
