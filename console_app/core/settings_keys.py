"""API key changes made in the settings dialog, applied to the keyring on Save.

Why a module of its own: this is the one place that writes keys, and its rules are easy to
get subtly wrong — a key follows its profile through a rename (even two profiles swapping
names), goes away with a deleted profile, and a deleted profile's key never passes to a new
profile that happens to take its name. Keys are only ever written to the keyring
(`core.secrets`), never to a settings file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from console_app.core import secrets
from console_app.core.settings import Profile
from console_app.core.settings_validation import chords_text


@dataclass
class Draft:
    """One profile as edited: its values (a `Profile` dump), chords text and key changes."""

    values: dict[str, Any]
    chords: str
    origin: str | None  # its name in the saved settings; None for a new profile
    key: str = ""  # a key typed now (stored on Save)
    remove_key: bool = False

    @classmethod
    def of(cls, profile: Profile, origin: str | None) -> Draft:
        values = profile.model_dump(mode="json")
        return cls(values, chords_text(profile.policy.blocked_chords), origin)

    @property
    def name(self) -> str:
        return str(self.values.get("name") or "").strip()


def key_problem(key: str) -> str | None:
    if any(ch.isspace() or not ch.isprintable() or not ch.isascii() for ch in key):
        return "the API key contains spaces, line breaks or non-ASCII characters"
    return None


def apply_key_changes(drafts: Sequence[Draft], original_names: Sequence[str]) -> None:
    """Bring the keyring in line with the drafts (after the settings file was saved).

    Old keys are read first, stale entries deleted next, new and moved keys written last, so
    no order of renames can lose or mix up a key. Raises `core.secrets.SecretStoreError`.
    """
    kept = {d.origin for d in drafts if d.origin}
    moved: dict[str, str] = {}
    for d in drafts:
        if d.origin and d.origin != d.name and not d.key and not d.remove_key:
            found = secrets.find_api_key(d.origin)
            if found and found[1] == "keyring":
                moved[d.name] = found[0]
    stale = [name for name in original_names if name not in kept]
    stale += [d.origin for d in drafts if d.origin and d.origin != d.name]
    stale += [d.origin or d.name for d in drafts if d.remove_key]
    for name in dict.fromkeys(stale):
        secrets.delete_api_key(name)
    for d in drafts:
        if d.key:
            secrets.set_api_key(d.name, d.key)
        elif d.name in moved:
            secrets.set_api_key(d.name, moved[d.name])
