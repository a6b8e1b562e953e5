"""Validate what the settings dialog holds, field by field, with pydantic's own messages.

Why not validate in the widgets: `core.settings.Profile` is the one definition of a valid
profile (ranges, URL rules, viewport pairs, unique names). The dialog's inputs therefore accept
more than the model does, and every value goes through the model; each error is shown next to
the field it names, and the summary lists them the way `SettingsError.problems` does
(``profile 'work': image_quality: Input should be less than or equal to 100 (got 150)``).

No Qt here: the controller and the tests call these functions with plain dicts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from console_app.core.keys import parse_chord
from console_app.core.redact import redact
from console_app.core.settings import Profile, Settings

GENERAL = "general"  # an error that names no single field

# Where a model-level message (no field in its location) belongs.
_MESSAGE_FIELDS = (("viewport", "viewport"), ("base URL", "base_url"), ("named", "name"))
_FIELD_ALIASES = {"viewport_width": "viewport", "viewport_height": "viewport"}


@dataclass
class ProfileCheck:
    """One profile's verdict: the valid `Profile`, or the errors per field."""

    profile: Profile | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.profile is not None and not self.errors


@dataclass
class SettingsCheck:
    settings: Settings | None
    profiles: list[ProfileCheck]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return self.settings is not None and all(p.ok for p in self.profiles)


def parse_chords(text: str) -> tuple[list[list[str]], list[str]]:
    """Blocked chords, one per line (``ctrl+alt+delete``), canonicalised; and what is wrong."""
    chords: list[list[str]] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            chords.append(parse_chord(line.strip()))
        except ValueError as exc:
            errors.append(f"line {number}: {line.strip()!r} is not a key combination ({exc})")
    return chords, errors


def chords_text(chords: Sequence[Sequence[str]]) -> str:
    return "\n".join("+".join(chord) for chord in chords)


def _label(values: dict[str, Any], number: int) -> str:
    name = values.get("name")
    return f"profile {name!r}" if isinstance(name, str) and name.strip() else f"profile #{number}"


def _field_of(error: Any) -> str:
    loc = [str(part) for part in error["loc"]]
    if loc and loc[0] == "policy":
        return "blocked_chords" if "blocked_chords" in loc else "policy"
    if loc:
        return _FIELD_ALIASES.get(loc[0], loc[0])
    message = str(error["msg"])
    return next((name for word, name in _MESSAGE_FIELDS if word in message), GENERAL)


def _show(value: Any) -> str:
    text = redact(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= 60 else text[:59] + "…"


def check_profile(
    values: dict[str, Any], number: int = 1, extra: dict[str, list[str]] | None = None
) -> ProfileCheck:
    """Validate one profile's values (as `Profile.model_validate` takes them); ``extra`` adds
    errors found before the model (e.g. a blocked chord that is not a key combination)."""
    label = _label(values, number)
    check = ProfileCheck(None)
    for name, messages in (extra or {}).items():
        check.errors.setdefault(name, []).extend(messages)
        check.problems.extend(f"{label}: {name}: {message}" for message in messages)
    try:
        check.profile = Profile.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            reason = str(error["msg"]).removeprefix("Value error, ")
            where = ".".join(str(part) for part in error["loc"])
            got = (
                "" if error["type"] == "missing" or not where else f" (got {_show(error['input'])})"
            )
            check.errors.setdefault(_field_of(error), []).append(reason + got)
            check.problems.append(f"{label}: {where + ': ' if where else ''}{reason}{got}")
    return check


def check_settings(
    drafts: Sequence[dict[str, Any]],
    active: str,
    extras: Sequence[dict[str, list[str]] | None] | None = None,
) -> SettingsCheck:
    """Every profile, then what only the whole can say (unique names, the active profile)."""
    if not drafts:
        return SettingsCheck(None, [], ["there must be at least one profile"])
    extras = extras or [None] * len(drafts)
    checks = [
        check_profile(values, n, extra)
        for n, (values, extra) in enumerate(zip(drafts, extras, strict=True), start=1)
    ]
    problems = [problem for check in checks for problem in check.problems]
    seen: dict[str, int] = {}
    for n, values in enumerate(drafts):
        name = str(values.get("name") or "").strip().casefold()
        if not name:
            continue
        if name in seen:
            text = f"two profiles are named {values['name']!r}; names must be unique"
            for index in (seen[name], n):
                checks[index].errors.setdefault("name", []).append(text)
            problems.append(text)
        else:
            seen[name] = n
    if problems or not all(c.ok for c in checks):
        return SettingsCheck(None, checks, problems)
    profiles = [c.profile for c in checks if c.profile is not None]
    names = [p.name for p in profiles]
    try:
        settings = Settings(
            active_profile=active if active in names else names[0], profiles=profiles
        )
    except ValidationError as exc:
        messages = [str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]
        return SettingsCheck(None, checks, messages)
    return SettingsCheck(settings, checks, [])
