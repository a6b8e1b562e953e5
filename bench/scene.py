"""The screen the bench measures on: the real target app and a few windows full of text.

Layout on the 1920×1080 screen (no window manager on Xvfb: windows sit exactly where put):

* the target app (``tests/e2e/target_app.py``, the app the e2e tests act on) on the left;
* source code and docs in plain text windows on the right and along the bottom.

When the console is measured it sits on the right half (`CONSOLE_GEOMETRY`), as in the e2e
test, covering the text windows there; its own pixels are masked black in every capture.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
TARGET_APP = ROOT / "tests" / "e2e" / "target_app.py"
TEXT_WINDOW = Path(__file__).with_name("text_window.py")

TARGET_GEOMETRY = (20, 60, 1080, 760)
CONSOLE_GEOMETRY = (1152, 0, 768, 1040)
TEXT_WINDOWS = (
    ((1120, 20, 780, 520), ROOT / "console_app" / "agent" / "loop.py"),
    ((1120, 560, 780, 500), ROOT / "docs" / "local-engine.md"),
    ((20, 840, 1080, 220), ROOT / "ARCHITECTURE.md"),
)


class Scene(AbstractContextManager["Scene"]):
    """Starts the windows, waits until they are shown, stops them on exit."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: list[subprocess.Popen[str]] = []

    def __enter__(self) -> Scene:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, QT_QPA_PLATFORM="xcb")
        log = self.workdir / "target-events.jsonl"
        geometry = self.workdir / "target-geometry.json"
        self._spawn(
            [
                sys.executable,
                str(TARGET_APP),
                "--log",
                str(log),
                "--geometry",
                ",".join(map(str, TARGET_GEOMETRY)),
                "--geometry-out",
                str(geometry),
                "--no-moves",
            ],
            env,
            stdout=subprocess.DEVNULL,
        )
        for rect, path in TEXT_WINDOWS:
            self._spawn(
                [
                    sys.executable,
                    str(TEXT_WINDOW),
                    "--geometry",
                    ",".join(map(str, rect)),
                    "--file",
                    str(path),
                ],
                env,
                stdout=subprocess.PIPE,
            )
        deadline = time.monotonic() + 30
        while not geometry.exists():
            self._check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError("the target app did not show up within 30 s")
            time.sleep(0.05)
        for process in self.processes[1:]:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                raise RuntimeError("a text window did not start")
        time.sleep(0.5)  # let the X server paint them
        return self

    def _spawn(self, command: list[str], env: dict[str, str], stdout: int) -> None:
        self.processes.append(
            subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=stdout,
                stderr=subprocess.DEVNULL,
                env=env,
                text=True,
            )
        )

    def _check_alive(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"a scene window exited with code {process.returncode}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for process in self.processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
