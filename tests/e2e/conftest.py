"""Fixtures for end-to-end tests on the Xvfb screen: the target app and real input.

The e2e suite runs under ``xvfb-run`` (``scripts/pytest-suites``), so ``DISPLAY`` is a private
1920×1080×24 X server and moving the real pointer is safe. Never run these on a real desktop.

Reusable pieces:

* `TargetApp` — a running ``tests/e2e/target_app.py`` process: its widget geometry (global
  rects by object name), its JSON-lines event log, and stdin commands (``reset``, ``focus``,
  ``mark``) acknowledged in the log, so a test can wait for "everything up to now was handled".
* ``target_app`` (module scope) — one shared app per test module, ~1 s to start.
* ``target`` — the shared app, reset (fields cleared, scrolled to the top, drag box home,
  focus on the window) and with a fresh log mark; use ``target.events()`` for what came after.
* ``start_target_app`` — a factory for an app of your own (other geometry, extra args).
* ``desktop`` / ``browser_desktop`` — a real `DesktopComputer` (desktop / browser environment),
  closed after the test with a check that nothing is left held.
* ``screen_mapping`` — the 1:1 mapping of monitor 1 (model pixels == screen pixels).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from console_app.capture.mapping import ViewportMapping
from console_app.capture.monitors import Monitor, list_monitors
from console_app.core.geometry import Rect
from console_app.executor.desktop import DesktopComputer

TARGET_APP = Path(__file__).with_name("target_app.py")
DEFAULT_GEOMETRY = (100, 80, 1200, 800)
START_TIMEOUT_S = 20.0

Event = dict[str, Any]


def _require_display() -> None:
    if not os.environ.get("DISPLAY"):
        pytest.fail(
            "e2e tests need an X display: run them under "
            "xvfb-run -a -s '-screen 0 1920x1080x24 -nolisten tcp' (see scripts/pytest-suites)"
        )


class TargetApp:
    """A running target app process, its geometry and its event log."""

    def __init__(
        self,
        workdir: Path,
        geometry: tuple[int, int, int, int] = DEFAULT_GEOMETRY,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        _require_display()
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "events.jsonl"
        self.geometry_path = workdir / "geometry.json"
        for path in (self.log_path, self.geometry_path):
            path.unlink(missing_ok=True)
        env = dict(os.environ, QT_QPA_PLATFORM="xcb", PYTHONUNBUFFERED="1")
        env.pop("QT_SCALE_FACTOR", None)
        self.stderr_path = workdir / "stderr.txt"
        self._stderr = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(TARGET_APP),
                "--log",
                str(self.log_path),
                "--geometry",
                ",".join(str(v) for v in geometry),
                "--geometry-out",
                str(self.geometry_path),
                *extra_args,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env=env,
            text=True,
        )
        self._next_id = 0
        self.wait_for(lambda e: e["event"] == "ready", timeout=START_TIMEOUT_S, what="ready")
        self.geometry: dict[str, Any] = json.loads(self.geometry_path.read_text("utf-8"))
        self.since = 0

    # -- geometry ---------------------------------------------------------------------------
    def rect(self, name: str) -> Rect:
        """Global rectangle of a widget by object name (as written when the app was shown)."""
        return Rect.of(self.geometry["widgets"][name])

    def center(self, name: str) -> tuple[int, int]:
        rect = self.rect(name)
        return (rect.left + rect.width // 2, rect.top + rect.height // 2)

    def refresh_geometry(self) -> dict[str, Any]:
        self.command("geometry")
        self.geometry = json.loads(self.geometry_path.read_text("utf-8"))
        return self.geometry

    # -- log --------------------------------------------------------------------------------
    def all_events(self) -> list[Event]:
        if not self.log_path.exists():
            return []
        events = []
        for line in self.log_path.read_text("utf-8").splitlines():
            if line.strip():
                events.append(json.loads(line))
        return events

    def events(self, kind: str | None = None, *, since: int | None = None) -> list[Event]:
        """Events after the last mark (or ``since``), optionally only of one kind."""
        start = self.since if since is None else since
        return [
            e
            for e in self.all_events()
            if e["seq"] > start and (kind is None or e["event"] == kind)
        ]

    def input_events(self, *, since: int | None = None) -> list[Event]:
        """Mouse, wheel and key events only (no acks, text changes or app signals)."""
        kinds = {"press", "release", "dblclick", "move", "wheel", "key_press", "key_release"}
        return [e for e in self.events(since=since) if e["event"] in kinds]

    def wait_for(
        self,
        predicate: Callable[[Event], bool],
        *,
        timeout: float = 5.0,
        what: str = "event",
        since: int | None = None,
    ) -> Event:
        deadline = time.monotonic() + timeout
        start = 0 if since is None else since
        while True:
            for event in self.all_events():
                if event["seq"] > start and predicate(event):
                    return event
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the target app exited ({self.process.returncode}) while waiting for {what}: "
                    + self.stderr_path.read_text("utf-8", "replace")[-2000:]
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.02)

    # -- commands ---------------------------------------------------------------------------
    def command(self, cmd: str, **fields: Any) -> Event:
        """Send a stdin command and wait for its acknowledgement (all earlier input handled)."""
        assert self.process.stdin is not None
        self._next_id += 1
        ident = f"c{self._next_id}"
        self.process.stdin.write(json.dumps({"cmd": cmd, "id": ident, **fields}) + "\n")
        self.process.stdin.flush()
        return self.wait_for(
            lambda e: e["event"] == "ack" and e.get("id") == ident, what=f"ack of {cmd}"
        )

    def mark(self, settle: float = 0.0) -> int:
        """A sync point: wait ``settle`` s, then until the app acked; later events are new."""
        if settle:
            time.sleep(settle)
        self.since = self.command("mark")["seq"]
        return self.since

    def sync(self, settle: float = 0.15) -> Event:
        """Let the X server deliver what was sent, then wait until the app handled it."""
        time.sleep(settle)
        return self.command("mark")

    def reset(self) -> None:
        self.command("reset")
        self.mark()

    def focus(self, name: str) -> Event:
        return self.command("focus", name=name)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except Exception:
                self.process.kill()
                self.process.wait(timeout=5)
        self._stderr.close()


@pytest.fixture(scope="module")
def target_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TargetApp]:
    app = TargetApp(tmp_path_factory.mktemp("target-app"))
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture
def target(target_app: TargetApp) -> TargetApp:
    target_app.reset()
    return target_app


@pytest.fixture
def start_target_app(tmp_path: Path) -> Iterator[Callable[..., TargetApp]]:
    apps: list[TargetApp] = []

    def start(
        geometry: tuple[int, int, int, int] = DEFAULT_GEOMETRY, extra_args: tuple[str, ...] = ()
    ) -> TargetApp:
        app = TargetApp(tmp_path / f"app{len(apps)}", geometry, extra_args)
        apps.append(app)
        return app

    try:
        yield start
    finally:
        for app in apps:
            app.stop()


def _computer(environment: str) -> Iterator[DesktopComputer]:
    _require_display()
    computer = DesktopComputer(environment=environment)  # type: ignore[arg-type]
    try:
        yield computer
    finally:
        left = computer.held()
        computer.close()
        assert left == [], f"input still held after the test: {left}"


@pytest.fixture
def desktop() -> Iterator[DesktopComputer]:
    yield from _computer("desktop")


@pytest.fixture
def browser_desktop() -> Iterator[DesktopComputer]:
    yield from _computer("browser")


@pytest.fixture(scope="session")
def monitor() -> Monitor:
    _require_display()
    return list_monitors()[0]


@pytest.fixture
def screen_mapping(monitor: Monitor) -> ViewportMapping:
    """Model pixels == screen pixels on monitor 1."""
    return ViewportMapping(monitor.width, monitor.height, monitor)
