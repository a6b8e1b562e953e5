"""Fixtures for the terminal commands: a private home, a fake backend, settings pointing at it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from console_app.core.settings import Profile, Settings
from console_app.core.settings_store import SettingsStore
from tests.unit.cli.fake_backend import FakeBackend


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every data/config/log path, and the file keyring, under this test's own folder; the
    root logger's handlers are restored afterwards (the commands install their own)."""
    monkeypatch.setenv("CONSOLE_APP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "keyring-data"))
    monkeypatch.delenv("TZAFON_API_KEY", raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield tmp_path / "home"
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def backend() -> Iterator[FakeBackend]:
    server = FakeBackend().start()
    yield server
    server.stop()


@pytest.fixture
def fake_profile(home: Path, backend: FakeBackend) -> Profile:
    """An OpenAI-compatible profile named "fake" pointing at the fake backend, made active."""
    profile = Profile(name="fake", kind="openai", base_url=backend.url, model="fake-model")
    settings = Settings().with_profile(profile)
    settings.active_profile = "fake"
    SettingsStore().save(settings)
    return profile
