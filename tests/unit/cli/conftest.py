"""Fixtures for the terminal commands: a private home, a fake backend, settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console_app.core.settings import Profile, Settings
from console_app.core.settings_store import SettingsStore
from tests.unit.cli.fake_backend import FakeBackend


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
