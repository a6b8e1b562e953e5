"""Fixtures for settings, secrets and logging tests: a private home and a private keyring."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Config/data/log dirs and the file keyring (keyrings.alt, via XDG_DATA_HOME) under this
    test's folder; no TZAFON_API_KEY; root logging handlers restored afterwards."""
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
