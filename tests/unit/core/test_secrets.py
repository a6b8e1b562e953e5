"""API keys in the keyring (a file-backed keyring in tests), the env fallback, and failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from console_app.core import secrets
from console_app.core.redact import redact


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """The backend keyring picks on a machine without any keyring service."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_the_test_suite_uses_a_file_keyring(home: Path) -> None:
    status = secrets.keyring_status()
    assert "keyrings.alt.file.PlaintextKeyring" in status and ": usable" in status
    assert secrets.keyring_usable()


def test_set_get_delete_round_trip(home: Path) -> None:
    assert secrets.get_api_key("work") is None
    secrets.set_api_key("work", "  tz-roundtrip-key-000111  ")
    assert secrets.get_api_key("work", "lightcone") == "tz-roundtrip-key-000111"
    assert keyring.get_password(secrets.SERVICE, "work") == "tz-roundtrip-key-000111"
    assert secrets.get_api_key("other") is None  # keys are per profile
    assert secrets.delete_api_key("work") is True
    assert secrets.get_api_key("work") is None
    assert secrets.delete_api_key("work") is False
    with pytest.raises(ValueError, match="empty"):
        secrets.set_api_key("work", "   ")


def test_keyring_first_then_env_and_never_env_for_local(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZAFON_API_KEY", "tz-from-the-env-222333")
    assert secrets.find_api_key("cloud", "lightcone") == ("tz-from-the-env-222333", "env")
    # Lightcone's key never goes to an OpenAI-compatible server (it may be any URL).
    assert secrets.get_api_key("cloud", "openai") is None
    assert secrets.get_api_key("cloud") == "tz-from-the-env-222333"  # kind unknown: honoured
    assert secrets.get_api_key("local", "local") is None  # the engine has its own token
    secrets.set_api_key("cloud", "tz-from-the-keyring-444")
    assert secrets.find_api_key("cloud", "lightcone") == ("tz-from-the-keyring-444", "keyring")


def test_every_key_read_is_registered_for_redaction(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_password(secrets.SERVICE, "p1", "tz-registered-on-read-555")
    assert secrets.get_api_key("p1") == "tz-registered-on-read-555"
    assert "tz-registered-on-read-555" not in redact("key=tz-registered-on-read-555 here")
    assert redact("x tz-registered-on-read-555 y") == "x [REDACTED] y"
    monkeypatch.setenv("TZAFON_API_KEY", "tz-env-registered-666")
    secrets.get_api_key("p2")
    assert redact("tz-env-registered-666") == "[REDACTED]"


def test_without_a_keyring_the_env_key_still_works(
    home: Path, monkeypatch: pytest.MonkeyPatch, no_keyring: None
) -> None:
    status = secrets.keyring_status()
    assert "not usable" in status and "TZAFON_API_KEY" in status
    assert not secrets.keyring_usable()
    assert secrets.get_api_key("cloud", "lightcone") is None
    monkeypatch.setenv("TZAFON_API_KEY", "tz-env-without-keyring-777")
    assert secrets.get_api_key("cloud", "lightcone") == "tz-env-without-keyring-777"
    with pytest.raises(secrets.SecretStoreError) as caught:
        secrets.set_api_key("cloud", "tz-cannot-be-stored-888")
    message = str(caught.value)
    assert "Could not save the API key" in message and "TZAFON_API_KEY" in message
    assert "tz-cannot-be-stored-888" not in message
    assert secrets.delete_api_key("cloud") is False


def test_a_backend_that_raises_on_read_is_survived(
    home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Locked(fail.Keyring):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("the collection is locked")

    previous = keyring.get_keyring()
    keyring.set_keyring(Locked())
    try:
        monkeypatch.setenv("TZAFON_API_KEY", "tz-env-when-locked-999")
        assert secrets.find_api_key("cloud", "lightcone") == ("tz-env-when-locked-999", "env")
    finally:
        keyring.set_keyring(previous)
    assert "KeyringLocked" in caplog.text


def test_the_default_backend_status_matches_what_it_can_do(tmp_path: Path) -> None:
    """No override: whatever keyring this machine has (a desktop's Secret Service, or none on
    CI). The status line must agree with whether a read actually works. Read-only: nothing is
    written to a real keyring."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env["XDG_DATA_HOME"] = str(tmp_path)  # keyrings.alt must not pick up a stray file
    script = (
        "import json\n"
        "from console_app.core import secrets\n"
        "from console_app.core.secrets import keyring_status, keyring_usable\n"
        "try:\n"
        "    keyring = secrets._usable_keyring()  # refuses a plaintext file nobody chose\n"
        "    keyring.get_password('operator-console-status-probe', 'nobody'); works = True\n"
        "except Exception:\n"
        "    works = False\n"
        "print(json.dumps([keyring_status(), keyring_usable(), works]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    status, usable, works = json.loads(done.stdout)
    assert status.startswith("keyring backend ")
    assert usable == works, status
    assert ("not usable" in status) == (not usable)


def test_an_unencrypted_file_keyring_nobody_chose_is_refused(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a developer venv (keyrings.alt installed, no Secret Service) falls back to on its
    # own: keys must not silently land in a plain file.
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    from keyrings.alt.file import PlaintextKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        assert not secrets.keyring_usable()
        assert "unencrypted" in secrets.keyring_status()
        with pytest.raises(secrets.SecretStoreError, match="unencrypted"):
            secrets.set_api_key("work", "tz-never-in-a-plain-file-0001")
        assert secrets.get_api_key("work", "local") is None
    finally:
        keyring.set_keyring(previous)
