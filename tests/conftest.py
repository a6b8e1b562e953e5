"""Test-wide isolation: no test touches the real user's data, config, logs or keyring.

The ``home`` fixture (shared by every suite) gives one test a private home of its own.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before any console_app import: every path helper resolves under this folder.
_HOME = Path(tempfile.mkdtemp(prefix="console-app-tests-"))
os.environ["CONSOLE_APP_HOME"] = str(_HOME)
# A file-backed keyring (keyrings.alt) instead of the desktop's secret service.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = str(_HOME / "xdg-data")
os.environ.pop("TZAFON_API_KEY", None)
os.environ.pop("LIGHTCONE_BASE_URL", None)
# pyautogui imports mouseinfo, which exits without tkinter; we never use it.
sys.modules.setdefault("mouseinfo", None)  # type: ignore[arg-type]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every data/config/log path, and the file keyring (keyrings.alt, via XDG_DATA_HOME),
    under this test's own folder; no TZAFON_API_KEY; the root logger's handlers and level are
    restored afterwards (the commands and the console install their own)."""
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
def backdrop() -> Iterator[None]:
    """Something on the screen besides the windows a test masks: a small window in the lower
    right corner. A screen that is one flat colour outside the masked areas is a blank capture,
    which the console never sends to the model (`agent.screen_truth.blind_reason`)."""
    if not os.environ.get("DISPLAY"):
        pytest.fail("a backdrop needs an X display: run under xvfb-run (scripts/pytest-suites)")
    window = subprocess.Popen(
        ["xmessage", "-geometry", "+1560+960", "the rest of the desktop"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--classname", "xmessage"],
            stdout=subprocess.DEVNULL,
            timeout=20,
            check=True,
        )
        yield
    finally:
        window.kill()
        window.wait(10)
