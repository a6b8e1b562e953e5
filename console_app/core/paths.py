"""Where the console keeps its data, configuration and logs (platform conventions).

Uses platformdirs, so on Linux ``XDG_DATA_HOME``, ``XDG_CONFIG_HOME`` and ``XDG_STATE_HOME`` are
honoured; ``CONSOLE_APP_HOME`` puts everything under one folder (tests, portable installs).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "operator-console"


def _dirs() -> PlatformDirs:
    return PlatformDirs(APP_NAME, appauthor=False)


def _home_override(kind: str) -> Path | None:
    home = os.environ.get("CONSOLE_APP_HOME")
    return Path(home) / kind if home else None


def _ensure(path: Path) -> Path:
    """Create ``path`` private (0700: history, logs and settings are the user's business)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
    return path


def data_dir() -> Path:
    """History database, screenshots, engine state."""
    return _ensure(_home_override("data") or Path(_dirs().user_data_dir))


def config_dir() -> Path:
    """Settings and profiles (never secrets: those live in the OS keyring)."""
    return _ensure(_home_override("config") or Path(_dirs().user_config_dir))


def log_dir() -> Path:
    return _ensure(_home_override("logs") or Path(_dirs().user_log_dir))


def cache_dir() -> Path:
    return _ensure(_home_override("cache") or Path(_dirs().user_cache_dir))
