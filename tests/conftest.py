"""Test-wide isolation: no test touches the real user's data, config, logs or keyring."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

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
