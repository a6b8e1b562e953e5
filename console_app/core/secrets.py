"""API keys: kept in the OS keyring, never in settings files, the history DB or logs.

Why the keyring: settings files are meant to be shared, backed up and exported; a key in them
would leak with the first copy. The keyring entry is the service ``operator-console`` with the
profile's name as the user name, so each profile has its own key.

Precedence of `get_api_key` (first hit wins):

1. the keyring entry for the profile;
2. the environment variable ``TZAFON_API_KEY`` — for ``lightcone`` profiles only (and when the
   kind is not given, to show where a key would come from). It is Lightcone's key: an
   OpenAI-compatible profile may point at any URL, so it never receives it (its key goes in the
   keyring), and a ``local`` profile is authenticated with the engine's per-start token.

Every key read here is registered with `console_app.core.redact.register_secret`, so from that
moment on no log line, error message, DB row or export can carry it.

A machine without a usable keyring (a server, a container, a locked-down desktop) still works:
reads fall back to the environment, and writes raise `SecretStoreError` with a sentence the
settings dialog can show as is.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Literal

from console_app.core.redact import redact, register_secret

log = logging.getLogger(__name__)

SERVICE = "operator-console"
ENV_API_KEY = "TZAFON_API_KEY"
ENGINE_TOKEN_ENV = "CONSOLE_ENGINE_TOKEN"  # noqa: S105 (the variable's name, not a token)
"""How the console hands the local engine its per-start token: in the child's environment,
never on the command line (which ``ps`` shows). Read by the engine and by the launcher."""

KeySource = Literal["keyring", "env"]

_ENV_KINDS = frozenset({"lightcone"})


class SecretStoreError(RuntimeError):
    """The keyring could not store or delete a key; the message says why in plain words."""


def _keyring() -> Any:
    # Imported lazily: keyring resolves its backend on first use, which may talk to D-Bus.
    import keyring

    return keyring


def _unencrypted_by_default(backend: Any) -> bool:
    """A plaintext file "keyring" (keyrings.alt) that nobody chose: keyring falls back to it
    when it is installed and no OS keyring exists. Keys must not silently end up in a plain
    file, so it only counts when ``PYTHON_KEYRING_BACKEND`` names it deliberately."""
    cls = type(backend)
    if "Plaintext" not in cls.__name__:
        return False
    chosen = os.environ.get("PYTHON_KEYRING_BACKEND", "")
    return not chosen.endswith(cls.__name__)


def _usable_keyring() -> Any:
    """The keyring module, or `SecretStoreError` when only a refused backend is available."""
    module = _keyring()
    if _unencrypted_by_default(module.get_keyring()):
        raise SecretStoreError(
            "Only an unencrypted file keyring is available (keyrings.alt). Install or unlock "
            f"an OS keyring, or set {ENV_API_KEY} in the environment."
        )
    return module


def _env_allowed(kind: str | None) -> bool:
    return kind is None or kind in _ENV_KINDS


def _read_keyring(profile_name: str) -> str | None:
    try:
        value = _usable_keyring().get_password(SERVICE, profile_name)
    except SecretStoreError:
        return None
    except Exception as exc:  # any backend failure: locked, no D-Bus, broken file
        log.warning("could not read the keyring (%s): %s", type(exc).__name__, redact(str(exc)))
        return None
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def find_api_key(profile_name: str, kind: str | None = None) -> tuple[str, KeySource] | None:
    """The key for a profile and where it came from (``keyring`` or ``env``), or ``None``."""
    key = _read_keyring(profile_name)
    if key is not None:
        register_secret(key)
        return key, "keyring"
    if _env_allowed(kind):
        env = os.environ.get(ENV_API_KEY, "").strip()
        if env:
            register_secret(env)
            return env, "env"
    return None


def get_api_key(profile_name: str, kind: str | None = None) -> str | None:
    """The API key for ``profile_name`` (see the module docstring for the precedence)."""
    found = find_api_key(profile_name, kind)
    return found[0] if found else None


def set_api_key(profile_name: str, api_key: str) -> None:
    """Store (or replace) the key of a profile in the keyring."""
    api_key = api_key.strip()
    if not api_key:
        raise ValueError("the API key is empty; use delete_api_key to remove a key")
    register_secret(api_key)
    keyring = _usable_keyring()
    try:
        keyring.set_password(SERVICE, profile_name, api_key)
    except Exception as exc:
        raise SecretStoreError(
            f"Could not save the API key in the system keyring ({_reason(exc)}). "
            f"Set {ENV_API_KEY} in the environment instead, or unlock/install a keyring."
        ) from None


def delete_api_key(profile_name: str) -> bool:
    """Remove a profile's key from the keyring. Returns False when there was none."""
    if _read_keyring(profile_name) is None:
        return False
    try:
        _keyring().delete_password(SERVICE, profile_name)
    except Exception as exc:
        raise SecretStoreError(
            f"Could not remove the API key from the system keyring ({_reason(exc)})."
        ) from None
    return True


def keyring_usable() -> bool:
    """True when a real backend is selected (the ``fail`` backend means there is none)."""
    return _describe_backend()[1]


def keyring_status() -> str:
    """One line for the self-test and the settings dialog: which backend, usable or not."""
    name, usable, note = _describe_backend()
    if usable:
        return f"keyring backend {name}: usable{f' ({note})' if note else ''}"
    return (
        f"keyring backend {name}: not usable ({note or 'no system keyring found'}); "
        f"API keys can only come from {ENV_API_KEY}"
    )


def _describe_backend() -> tuple[str, bool, str]:
    try:
        backend = _keyring().get_keyring()
    except Exception as exc:
        return "unavailable", False, _reason(exc)
    cls = type(backend)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if cls.__module__ == "keyring.backends.fail":
        return name, False, "no system keyring found"
    if cls.__module__ == "keyring.backends.null":
        return name, False, "keyring disabled"
    inner = getattr(backend, "backends", None)
    if cls.__module__ == "keyring.backends.chainer" and not inner:
        return name, False, "no system keyring found"
    if _unencrypted_by_default(backend):
        return name, False, "only an unencrypted file keyring is installed, and it was not chosen"
    if "Plaintext" in cls.__name__:
        return name, True, "keys stored unencrypted in a file, chosen by PYTHON_KEYRING_BACKEND"
    return name, True, ""


def _reason(exc: BaseException) -> str:
    text = redact(str(exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
