"""Settings on disk: validation messages, unknown fields, atomic writes, first start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from console_app.core.paths import config_dir
from console_app.core.settings import Policy, Profile, Settings
from console_app.core.settings_store import (
    NO_KEY_NOTICE,
    SettingsError,
    SettingsStore,
    resolve_startup,
)


def write(store: SettingsStore, data: object) -> None:
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(json.dumps(data), encoding="utf-8")


def test_defaults_without_a_file_and_a_round_trip(home: Path) -> None:
    store = SettingsStore()
    assert store.path == config_dir() / "settings.json"
    assert store.path.is_relative_to(home)
    assert not store.exists()
    settings = store.load()
    assert settings.active_profile == "local"
    assert [p.kind for p in settings.profiles] == ["local", "lightcone"]

    work = Profile(
        name="work vllm",
        kind="openai",
        base_url="http://gpu-box:8000/v1/",
        model="qwen",
        coordinates="normalized",
        environment="browser",
        viewport_width=1280,
        viewport_height=800,
        image_format="png",
        image_quality=70,
        monitor=2,
        max_steps=12,
        policy=Policy(default="auto", per_type={"type": "ask", "navigate": "block"}),
    )
    changed = settings.with_profile(work)
    changed.active_profile = "work vllm"
    store.save(changed)
    loaded = SettingsStore().load()
    assert loaded == changed
    assert loaded.active().base_url == "http://gpu-box:8000/v1"  # normalised on the way in
    assert loaded.active().policy.choice_for("navigate") == "block"


def test_every_problem_is_named_with_its_profile_and_field(home: Path) -> None:
    store = SettingsStore()
    write(
        store,
        {
            "profiles": [
                {"name": "work", "kind": "openai", "base_url": "http://x", "image_quality": 150},
                {"name": "half", "kind": "local", "viewport_width": 800},
                {"name": "cloud", "kind": "lightcone", "policy": {"default": "maybe"}},
                {"kind": "local", "monitor": 0},
                {"name": "net", "kind": "openai"},
                "not a profile",
            ]
        },
    )
    with pytest.raises(SettingsError) as caught:
        store.load()
    problems = caught.value.problems
    assert (
        "profile 'work': image_quality: Input should be less than or equal to 100 (got 150)"
        in problems
    )
    assert "profile 'half': give both viewport width and height, or neither (auto)" in problems
    assert any(p.startswith("profile 'cloud': policy.default:") for p in problems)
    assert "profile #4: name: Field required" in problems
    assert any(p.startswith("profile #4: monitor:") for p in problems)
    assert "profile 'net': an OpenAI-compatible profile needs a base URL" in problems
    assert 'profile #6: must be a JSON object (got "not a profile")' in problems
    assert str(caught.value).startswith(f"{store.path} has {len(problems)} problems")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "is not valid JSON (line 1, column 2)"),
        ("[1, 2]", "must contain a JSON object"),
        ('{"profiles": []}', "profiles: must be a non-empty list"),
        ('{"schema_version": "two"}', "schema_version: must be a positive integer"),
        (
            '{"profiles": [{"name": "a"}, {"name": "A"}]}',
            "two profiles are named 'A'; names must be unique",
        ),
    ],
)
def test_broken_files_are_reported_not_overwritten(home: Path, text: str, expected: str) -> None:
    store = SettingsStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(text)
    with pytest.raises(SettingsError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        store.load()
    assert store.path.read_text() == text


def test_unknown_fields_are_tolerated_reported_and_kept(home: Path) -> None:
    store = SettingsStore()
    write(
        store,
        {
            "schema_version": 1,
            "active_profile": "local",
            "window": {"width": 900},
            "profiles": [
                {"name": "local", "kind": "local", "future_knob": True,
                 "policy": {"default": "ask", "future_rule": [1]}},
            ],
        },
    )  # fmt: skip
    settings = store.load()
    assert settings.active().name == "local"
    assert any("'window'" in w and "top level" in w for w in store.warnings)
    assert any("profile 'local'" in w and "'future_knob'" in w for w in store.warnings)
    assert any("profile 'local': policy" in w and "'future_rule'" in w for w in store.warnings)
    store.save(settings.model_copy(update={"active_profile": "local"}))
    saved = json.loads(store.path.read_text())
    assert saved["window"] == {"width": 900}
    assert saved["profiles"][0]["future_knob"] is True
    assert saved["profiles"][0]["policy"]["future_rule"] == [1]


def test_secret_looking_fields_are_dropped_and_never_written_back(home: Path) -> None:
    store = SettingsStore()
    write(
        store,
        {
            "api_key": "sk-top-level-0123456789abcdef",
            "profiles": [
                {"name": "lightcone", "kind": "lightcone", "api_key": "tz-profile-secret-999",
                 "Token": "another-secret-123"},
            ],
            "active_profile": "lightcone",
        },
    )  # fmt: skip
    settings = store.load()
    assert sum("belong in the keyring" in w for w in store.warnings) == 3
    store.save(settings)
    text = store.path.read_text()
    for secret in ("sk-top-level", "tz-profile-secret-999", "another-secret-123", "api_key"):
        assert secret not in text


def test_the_api_key_can_never_be_a_profile_field() -> None:
    with pytest.raises(ValidationError, match="api_key"):
        Profile.model_validate({"name": "x", "api_key": "k"})
    assert "api_key" not in Profile.model_fields
    with pytest.raises(ValidationError):
        Settings.model_validate({"api_key": "k"})


def test_a_key_typed_into_a_normal_field_is_refused_on_save(home: Path) -> None:
    store = SettingsStore()
    leaky = Settings().with_profile(
        Profile(name="oops", kind="openai", base_url="http://x", model="sk-abcdefghijklmnopqrstu")
    )
    with pytest.raises(SettingsError, match="looks like an API key"):
        store.save(leaky)
    assert not store.exists()


def test_a_newer_schema_is_loaded_and_backed_up_before_the_first_save(home: Path) -> None:
    store = SettingsStore()
    original = {"schema_version": 7, "profiles": [{"name": "local", "kind": "local"}]}
    write(store, original)
    settings = store.load()
    assert any("newer version" in w for w in store.warnings)
    store.save(settings)
    backup = store.path.with_name("settings.json.v7.bak")
    assert json.loads(backup.read_text()) == original
    assert json.loads(store.path.read_text())["schema_version"] == 1


def test_an_unknown_active_profile_falls_back_with_a_warning(home: Path) -> None:
    store = SettingsStore()
    write(store, {"active_profile": "gone", "profiles": [{"name": "a", "kind": "local"}]})
    assert store.load().active_profile == "a"
    assert any("'gone' names no profile" in w for w in store.warnings)


def test_saving_is_atomic(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SettingsStore()
    store.save(Settings())
    before = store.path.read_text()

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("console_app.core.settings_store.os.fsync", broken_fsync)
    changed = Settings().with_profile(Profile(name="new", kind="local"))
    with pytest.raises(OSError, match="disk full"):
        store.save(changed)
    assert store.path.read_text() == before  # the old file, whole
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["settings.json"]  # no temp


def test_profile_helpers() -> None:
    settings = Settings()
    with pytest.raises(KeyError, match="no profile named 'x'"):
        settings.profile("x")
    renamed = settings.with_profile(Profile(name="lightcone", kind="lightcone", model="sm-1"))
    assert [p.name for p in renamed.profiles] == ["local", "lightcone"]  # replaced in place
    assert renamed.profile("lightcone").model == "sm-1"
    fewer = renamed.without_profile("local")
    assert fewer.active_profile == "lightcone"
    with pytest.raises(ValueError, match="last profile"):
        fewer.without_profile("lightcone")


def test_first_start_without_a_key_uses_the_local_engine_and_says_so(home: Path) -> None:
    startup = resolve_startup(SettingsStore())
    assert startup.first_start
    assert startup.settings.active_profile == "local"
    assert startup.notice == NO_KEY_NOTICE
    assert "local engine" in NO_KEY_NOTICE and "TZAFON_API_KEY" in NO_KEY_NOTICE


def test_first_start_with_an_env_key_uses_lightcone(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZAFON_API_KEY", "tz-env-key-for-first-start")
    startup = resolve_startup(SettingsStore())
    assert (startup.settings.active_profile, startup.notice) == ("lightcone", None)


def test_a_later_start_keeps_the_saved_choice(home: Path) -> None:
    store = SettingsStore()
    settings = Settings()
    settings.active_profile = "lightcone"
    store.save(settings)
    startup = resolve_startup(store)
    assert not startup.first_start and startup.notice is None
    assert startup.settings.active_profile == "lightcone"
