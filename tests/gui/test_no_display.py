"""Without a display the console says so in one line and exits 2 (Qt would abort instead)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from console_app.ui.main import display_problem


def test_no_display_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert "no display" in (display_problem() or "")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display_problem() is None


def test_the_console_exits_2_with_a_sentence(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="xcb", CONSOLE_APP_HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "console_app"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "no display" in done.stderr and "Traceback" not in done.stderr
