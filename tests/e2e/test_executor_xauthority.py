"""The executor connects to an X server that needs no cookie even without ``~/.Xauthority``.

python-xlib (under pyautogui) refuses such a session outright; found when the installed .deb
ran in a clean root. Proven on a private Xvfb started without authentication.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PROBE = """
import sys
sys.modules.setdefault("mouseinfo", None)
from console_app.executor.desktop import load_pyautogui
print("position", load_pyautogui().position())
print("ok")
"""


@pytest.fixture
def open_display() -> Iterator[str]:
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def test_no_xauthority_file_is_not_fatal(open_display: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "XAUTHORITY"}
    env.update(HOME=str(home), DISPLAY=open_display, CONSOLE_APP_HOME=str(tmp_path / "app"))
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
    assert not (home / ".Xauthority").exists()  # nothing written into the user's home
