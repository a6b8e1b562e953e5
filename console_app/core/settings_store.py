"""Load and save `Settings` as JSON in the platform config dir, with messages people can act on.

File: ``core.paths.config_dir()/settings.json``, UTF-8, written atomically (a temporary file in
the same folder, fsync, rename), so a crash mid-save leaves the previous file intact.

Validation: every problem is reported at once, each naming the profile and the field, e.g.
``profile 'work': image_quality: Input should be less than or equal to 100 (got 150)``. A
file with problems is never overwritten silently: `SettingsStore.load` raises `SettingsError`
and the caller decides (the window shows the problems; the CLI prints them and exits 1).

Unknown-field policy (documented for people editing the file by hand):

* An unknown field — top level, in a profile or in its policy — is *tolerated*: it is reported
  as a warning (``store.warnings``) and kept verbatim on save. A file written by a newer
  version therefore survives a round trip through an older one, and a typo is still pointed out.
* Except a field that looks like a secret (``api_key``, ``token``, ``password``…): it is
  dropped with a warning and never written back. Keys belong in the keyring.
* A ``schema_version`` newer than this version understands loads what it can (with a warning);
  the first save keeps a copy of the original as ``settings.json.v<N>.bak``.
* An ``active_profile`` that names no profile falls back to the first profile, with a warning.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from console_app.core.paths import config_dir
from console_app.core.redact import redact
from console_app.core.secrets import ENV_API_KEY, get_api_key
from console_app.core.settings import (
    LOCAL_PROFILE,
    SETTINGS_SCHEMA_VERSION,
    Policy,
    Profile,
    Settings,
)

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"

SECRET_LIKE_FIELDS = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "key",
        "token",
        "access_token",
        "secret",
        "password",
        "authorization",
        "bearer",
        "engine_token",
    }
)

NO_KEY_NOTICE = (
    "No API key found, so the console uses the local engine (offline). To use Lightcone, "
    f"add a key to the 'lightcone' profile in Settings or set {ENV_API_KEY}."
)

# Migrations of the file layout: version N → N+1 on the raw dict. None yet (1 is the first).
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class SettingsError(ValueError):
    """The settings file cannot be used; ``problems`` lists every reason, one line each."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{path} has {count}: " + "; ".join(problems))


@dataclass(frozen=True)
class Startup:
    """What the console starts with; ``notice`` is a sentence to show once (or ``None``)."""

    settings: Settings
    notice: str | None
    first_start: bool


class SettingsStore:
    """One settings file. ``warnings`` holds what the last `load` tolerated."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or (config_dir() / SETTINGS_FILE)
        self.warnings: list[str] = []
        self._extras: dict[tuple[str, str], dict[str, Any]] = {}
        self._newer_version: int | None = None

    def exists(self) -> bool:
        return self.path.is_file()

    # ------------------------------------------------------------------ load

    def load(self) -> Settings:
        """The settings in the file, or the defaults when there is no file yet."""
        self.warnings, self._extras, self._newer_version = [], {}, None
        if not self.exists():
            return Settings()
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(self.path, [f"cannot be read: {exc}"]) from None
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            raise SettingsError(self.path, [f"is not valid JSON ({where}): {exc.msg}"]) from None
        if not isinstance(raw, dict):
            raise SettingsError(self.path, ["must contain a JSON object"])
        settings = self._parse(self._migrate(raw))
        for warning in self.warnings:
            log.warning("settings: %s", warning)
        return settings

    def _migrate(self, raw: dict[str, Any]) -> dict[str, Any]:
        version = raw.get("schema_version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise SettingsError(
                self.path, [f"schema_version: must be a positive integer (got {version!r})"]
            )
        if version > SETTINGS_SCHEMA_VERSION:
            self._newer_version = version
            self.warnings.append(
                f"schema_version {version} was written by a newer version of the console; "
                f"loaded what version {SETTINGS_SCHEMA_VERSION} understands"
            )
        while version < SETTINGS_SCHEMA_VERSION:
            raw = _MIGRATIONS[version](raw)
            version += 1
        return {**raw, "schema_version": SETTINGS_SCHEMA_VERSION}

    def _parse(self, raw: dict[str, Any]) -> Settings:
        problems: list[str] = []
        top = self._split(raw, Settings, ("settings", ""), "top level")
        raw_profiles = top.get("profiles")
        if raw_profiles is None:
            raw_profiles = [p.model_dump(mode="json") for p in Settings().profiles]
        if not isinstance(raw_profiles, list) or not raw_profiles:
            raise SettingsError(self.path, ["profiles: must be a non-empty list of profiles"])
        profiles: list[Profile] = []
        for number, item in enumerate(raw_profiles, start=1):
            profile = self._parse_profile(number, item, problems)
            if profile is not None:
                profiles.append(profile)
        if problems:
            raise SettingsError(self.path, problems)
        active = top.get("active_profile", LOCAL_PROFILE)
        names = [p.name for p in profiles]
        if active not in names:
            self.warnings.append(
                f"active_profile {active!r} names no profile; using {names[0]!r} instead"
            )
            active = names[0]
        try:
            return Settings(
                schema_version=SETTINGS_SCHEMA_VERSION,
                active_profile=active,
                profiles=profiles,
                **({"privacy": top["privacy"]} if "privacy" in top else {}),
                supervision=top.get("supervision") or {},
            )
        except ValidationError as exc:
            raise SettingsError(self.path, _messages(exc, prefix="")) from None

    def _parse_profile(self, number: int, item: Any, problems: list[str]) -> Profile | None:
        if not isinstance(item, dict):
            problems.append(f"profile #{number}: must be a JSON object (got {_show(item)})")
            return None
        name = item.get("name")
        label = (
            f"profile {name!r}" if isinstance(name, str) and name.strip() else f"profile #{number}"
        )
        key = str(name) if isinstance(name, str) else f"#{number}"
        clean = self._split(item, Profile, ("profile", key), label)
        policy = clean.get("policy")
        if isinstance(policy, dict):
            clean["policy"] = self._split(policy, Policy, ("policy", key), f"{label}: policy")
        try:
            return Profile.model_validate(clean)
        except ValidationError as exc:
            problems.extend(_messages(exc, prefix=f"{label}: "))
            return None

    def _split(
        self, raw: dict[str, Any], model: type[BaseModel], slot: tuple[str, str], label: str
    ) -> dict[str, Any]:
        """Known fields for validation; unknown ones are kept aside (or dropped if secret)."""
        known = {k: v for k, v in raw.items() if k in model.model_fields}
        unknown = {k: v for k, v in raw.items() if k not in model.model_fields}
        for field in list(unknown):
            if field.lower() in SECRET_LIKE_FIELDS:
                del unknown[field]
                self.warnings.append(
                    f"{label}: the field {field!r} was ignored and will be removed: API keys "
                    f"belong in the keyring (Settings → API key) or {ENV_API_KEY}, never in "
                    "settings files"
                )
        if unknown:
            self._extras[slot] = unknown
            fields = ", ".join(repr(f) for f in unknown)
            self.warnings.append(f"{label}: unknown field(s) {fields} kept as they are")
        return known

    # ------------------------------------------------------------------ save

    def save(self, settings: Settings) -> None:
        """Write ``settings`` atomically (unknown fields from the last load are kept)."""
        data = settings.model_dump(mode="json")
        data["schema_version"] = SETTINGS_SCHEMA_VERSION
        _merge(data, self._extras.get(("settings", ""), {}))
        for profile in data["profiles"]:
            _merge(profile, self._extras.get(("profile", profile["name"]), {}))
            _merge(profile["policy"], self._extras.get(("policy", profile["name"]), {}))
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if redact(text) != text:
            raise SettingsError(
                self.path,
                [
                    "a value looks like an API key or token; keys belong in the keyring, "
                    "not in settings files — nothing was written"
                ],
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._newer_version is not None and self.exists():
            backup = self.path.with_name(f"{self.path.name}.v{self._newer_version}.bak")
            if not backup.exists():
                shutil.copy2(self.path, backup)
        atomic_write_text(self.path, text)
        self._newer_version = None


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def resolve_startup(
    store: SettingsStore | None = None,
    key_lookup: Callable[[str, str | None], str | None] = get_api_key,
) -> Startup:
    """The settings to start with. On a first start (no file) the active profile is Lightcone
    when a key is available for it, else the local engine — and ``notice`` says so."""
    store = store or SettingsStore()
    if store.exists():
        return Startup(store.load(), None, first_start=False)
    settings = Settings()
    lightcone = next((p for p in settings.profiles if p.kind == "lightcone"), None)
    if lightcone is not None and key_lookup(lightcone.name, lightcone.kind):
        settings.active_profile = lightcone.name
        return Startup(settings, None, first_start=True)
    settings.active_profile = LOCAL_PROFILE
    return Startup(settings, NO_KEY_NOTICE, first_start=True)


def _merge(target: dict[str, Any], extras: dict[str, Any]) -> None:
    for key, value in extras.items():
        target.setdefault(key, value)


def _messages(exc: ValidationError, *, prefix: str) -> list[str]:
    out = []
    for error in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in error["loc"])
        reason = str(error["msg"]).removeprefix("Value error, ")
        shown = "" if error["type"] == "missing" else f" (got {_show(error.get('input'))})"
        if not loc or (error["type"] == "value_error" and isinstance(error.get("input"), dict)):
            out.append(f"{prefix}{reason}")
        else:
            out.append(f"{prefix}{loc}: {reason}{shown}")
    return out


def _show(value: Any) -> str:
    text = redact(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= 60 else text[:59] + "…"
