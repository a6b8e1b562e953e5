"""Profiles: which backend to talk to and how, validated with clear messages.

A profile never holds an API key: keys live in the OS keyring (``core/secrets.py``) under the
profile's name, or come from ``TZAFON_API_KEY``. Settings files therefore can be shared,
exported and backed up without leaking anything.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from console_app.core.geometry import CoordinateSpace
from console_app.core.keys import parse_chord
from console_app.core.privacy import WindowRule

ProfileKind = Literal["local", "lightcone", "openai"]
Environment = Literal["desktop", "browser"]
ImageFormat = Literal["jpeg", "png", "webp"]
PolicyChoice = Literal["auto", "ask", "block"]

LIGHTCONE_URL = "https://api.tzafon.ai"
DEFAULT_MODEL = "tzafon.northstar-cua-fast"
LOCAL_MODEL = "local-engine"  # the local engine's own model id (it also accepts DEFAULT_MODEL)
LOCAL_PROFILE = "local"

DEFAULT_BLOCKED_CHORDS: tuple[tuple[str, ...], ...] = (
    ("ctrl", "alt", "delete"),
    ("ctrl", "alt", "backspace"),  # kills the X server on many setups
    ("meta", "r"),  # Windows "Run" dialog
    ("meta", "l"),  # locks the session: the supervisor would lose the screen
)


class ActionLimits(BaseModel):
    """How long an action may be, whoever approves it (``--approve auto`` included).

    Why: a 100,000-point drag is half an hour of input and a 1 MB ``type`` twenty-five minutes,
    during which the supervisor can only hit Stop. The defaults allow any realistic action
    (500 drag points ≈ 10 s of movement, 5,000 characters ≈ a page of text, 20 actions in one
    turn) and refuse the rest with a sentence saying which limit to raise.
    """

    model_config = ConfigDict(extra="forbid")
    max_drag_points: int = Field(default=500, ge=2, le=100_000)
    max_type_chars: int = Field(default=5_000, ge=1, le=1_000_000)
    max_batch_actions: int = Field(default=20, ge=1, le=1_000)


class Policy(BaseModel):
    """Per action type: ``auto`` (run without asking), ``ask`` (default) or ``block``.

    ``blocked_chords`` are key combinations that are never pressed, whatever the per-type
    choice is (compared on canonical key names, order-insensitive). ``limits`` cap how long an
    action may be (`ActionLimits`); an action over a limit is blocked.
    """

    model_config = ConfigDict(extra="forbid")
    default: PolicyChoice = "ask"
    per_type: dict[str, PolicyChoice] = Field(default_factory=dict)
    blocked_chords: list[list[str]] = Field(
        default_factory=lambda: [list(chord) for chord in DEFAULT_BLOCKED_CHORDS]
    )
    limits: ActionLimits = Field(default_factory=ActionLimits)

    @field_validator("blocked_chords", mode="before")
    @classmethod
    def _chords(cls, chords: object) -> object:
        if not isinstance(chords, list):
            return chords
        parsed = []
        for number, chord in enumerate(chords, start=1):
            try:
                parsed.append(parse_chord(chord))
            except ValueError as exc:
                raise ValueError(f"blocked chord #{number} ({chord!r}): {exc}") from None
        return parsed

    def choice_for(self, action_type: str) -> PolicyChoice:
        return self.per_type.get(action_type, self.default)


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str = Field(min_length=1, max_length=64)
    kind: ProfileKind = "local"
    base_url: str | None = None  # None: local engine (started on demand) or Lightcone's URL
    model: str = DEFAULT_MODEL
    coordinates: CoordinateSpace = "pixels"
    environment: Environment = "desktop"
    viewport_width: int | None = Field(default=None, ge=320, le=7680)  # None: from the monitor
    viewport_height: int | None = Field(default=None, ge=240, le=4320)
    max_viewport_width: int = Field(default=1280, ge=320, le=7680)
    image_format: ImageFormat = "jpeg"
    image_quality: int = Field(default=80, ge=10, le=100)
    monitor: int = Field(default=1, ge=1)  # mss numbering: 1 is the first monitor
    max_steps: int = Field(default=50, ge=1, le=10_000)
    stream: bool = False
    tool_type: Literal["computer_use", "computer_use_preview"] = "computer_use"
    screenshot_output: Literal["input_image", "computer_screenshot"] = "input_image"
    # The wire names (core/dialect.py): None = inferred from the model name, else lightcone.
    api: Literal["openai", "lightcone"] | None = None
    scroll_unit_px: int = Field(default=100, ge=1, le=2000)  # pixels per wheel notch
    # After an action the console waits until the screen has reacted and is still before it
    # captures it for the model (agent/screen_truth.py): at least settle_min_ms, at most
    # settle_max_ms; a screen that shows no reaction at all gets settle_reaction_ms.
    settle_min_ms: int = Field(default=50, ge=0, le=10_000)
    settle_max_ms: int = Field(default=3000, ge=0, le=30_000)
    settle_reaction_ms: int = Field(default=1000, ge=0, le=30_000)
    # Right before an approved pointer action runs, refuse it if its target changed since the
    # model saw the screen (ask the human; auto-approved actions go back to the model).
    stale_guard: bool = True
    policy: Policy = Field(default_factory=Policy)
    # Privacy (core/privacy.py): windows masked in every screenshot and never a target, and
    # "only this app" (everything but these windows masked, actions outside them refused).
    mask_windows: list[WindowRule] = Field(default_factory=list)
    only_windows: list[WindowRule] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _legacy_settle(cls, data: Any) -> Any:
        # Profiles saved before settling existed had one fixed wait, "settle_ms": it becomes
        # the minimum wait (the user asked for at least that much).
        if isinstance(data, dict) and "settle_ms" in data:
            data = dict(data)
            legacy = data.pop("settle_ms")
            data.setdefault("settle_min_ms", legacy)
        return data

    @model_validator(mode="before")
    @classmethod
    def _local_model(cls, data: object) -> object:
        """A local profile names the engine's own model, not a Lightcone one (older settings
        files and a kind switched to local carry the Lightcone default); a Lightcone profile
        never asks Lightcone for ``local-engine``."""
        if isinstance(data, dict):
            local = data.get("kind", "local") == "local"
            if local and data.get("model") in (None, DEFAULT_MODEL):
                data = {**data, "model": LOCAL_MODEL}
            elif data.get("kind") == "lightcone" and data.get("model") == LOCAL_MODEL:
                data = {**data, "model": DEFAULT_MODEL}
        return data

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        name = name.strip()
        if not name:
            raise ValueError("a profile needs a name")
        if any(ch in name for ch in "/\\\n\r\t"):
            raise ValueError("a profile name cannot contain slashes or line breaks")
        return name

    @field_validator("base_url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        url = url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError("the base URL must start with http:// or https://")
        if "@" in url.split("//", 1)[1].split("/", 1)[0]:
            raise ValueError("put credentials in the API key field, not in the URL")
        return url

    @model_validator(mode="after")
    def _viewport_pair(self) -> Profile:
        if (self.viewport_width is None) != (self.viewport_height is None):
            raise ValueError("give both viewport width and height, or neither (auto)")
        if self.kind == "openai" and self.base_url is None:
            raise ValueError("an OpenAI-compatible profile needs a base URL")
        if self.settle_max_ms < self.settle_min_ms:
            raise ValueError("the longest settle wait cannot be shorter than the shortest")
        return self

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    def effective_base_url(self) -> str | None:
        """The URL to talk to; ``None`` for the local engine until it is started."""
        if self.kind == "lightcone":
            return self.base_url or LIGHTCONE_URL
        return self.base_url


def default_profiles() -> list[Profile]:
    """What a first start offers: the local engine (active) and Lightcone."""
    return [
        Profile(name=LOCAL_PROFILE, kind="local"),
        Profile(name="lightcone", kind="lightcone"),
    ]


class PrivacySettings(BaseModel):
    """How long the history keeps runs, and what typed text counts as a secret.

    ``keep_days`` / ``max_history_mb``: runs older than that, or the oldest runs beyond that
    total size on disk (database + screenshots), are deleted with their screenshots when the
    console starts (and every 6 hours while it is open) and after each ``console-app run``
    (``None``: keep; the run that just ended is never deleted for size).
    ``secret_patterns``: extra regular expressions whose matches are redacted in history and
    exports, on top of the built-in API-key shapes and card numbers (``core/secret_patterns.py``).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    keep_days: float | None = Field(default=None, gt=0, le=36_500)
    max_history_mb: float | None = Field(default=None, gt=0)
    secret_patterns: list[str] = Field(default_factory=list)
    redact_builtin_secrets: bool = True

    @field_validator("secret_patterns")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        import re

        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression ({exc}): {pattern!r}") from None
        return patterns


SETTINGS_SCHEMA_VERSION = 1
"""Version of the settings file layout; `core.settings_store` migrates older files up to it."""


class Supervision(BaseModel):
    """How the console supervises a run on the desktop (``ui/supervision.py``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    compact: Literal["auto", "always", "never"] = "auto"
    """The compact panel while a run is active: ``auto`` when the agent's monitor is the
    console's monitor."""
    dock_edge: Literal["right", "left"] = "right"
    desktop_overlay: bool = True
    """Draw the proposed action on the real desktop while it waits for approval."""


class Settings(BaseModel):
    """Everything the settings file holds: the profiles and which one is active.

    There is deliberately no place for an API key anywhere in this tree (``extra="forbid"`` all
    the way down); keys are in the keyring, see ``core/secrets.py``.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    schema_version: int = SETTINGS_SCHEMA_VERSION
    active_profile: str = LOCAL_PROFILE
    profiles: list[Profile] = Field(default_factory=default_profiles, min_length=1)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    supervision: Supervision = Field(default_factory=Supervision)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        seen: set[str] = set()
        for profile in self.profiles:
            folded = profile.name.casefold()
            if folded in seen:
                raise ValueError(f"two profiles are named {profile.name!r}; names must be unique")
            seen.add(folded)
        if self.active_profile not in {p.name for p in self.profiles}:
            raise ValueError(
                f"the active profile {self.active_profile!r} is not one of the profiles"
            )
        return self

    def profile(self, name: str) -> Profile:
        for profile in self.profiles:
            if profile.name == name:
                return profile
        known = ", ".join(p.name for p in self.profiles)
        raise KeyError(f"no profile named {name!r} (profiles: {known})")

    def has_profile(self, name: str) -> bool:
        return any(p.name == name for p in self.profiles)

    def active(self) -> Profile:
        return self.profile(self.active_profile)

    def with_profile(self, profile: Profile) -> Settings:
        """A copy with ``profile`` added, or replacing the profile of the same name."""
        profiles = [p for p in self.profiles if p.name != profile.name]
        index = next((i for i, p in enumerate(self.profiles) if p.name == profile.name), None)
        profiles.insert(len(profiles) if index is None else index, profile)
        return Settings(
            schema_version=self.schema_version,
            active_profile=self.active_profile,
            profiles=profiles,
            privacy=self.privacy,
            supervision=self.supervision,
        )

    def without_profile(self, name: str) -> Settings:
        """A copy without ``name``; the active profile falls back to the first one left."""
        profiles = [p for p in self.profiles if p.name != name]
        if not profiles:
            raise ValueError("the last profile cannot be removed")
        active = self.active_profile if self.active_profile != name else profiles[0].name
        return Settings(
            schema_version=self.schema_version,
            active_profile=active,
            profiles=profiles,
            privacy=self.privacy,
            supervision=self.supervision,
        )
