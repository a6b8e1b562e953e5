"""Real third-party applications from Debian, driven by ``console-app run --profile local``.

The suite owns its X screen: a private Xvfb at 1280×720×24 with openbox as window manager
(started once per session, whatever ``DISPLAY`` was before), so the screen size and the window
decorations are those a user of a small laptop screen sees. Each test starts its application
fresh and waits for its window with ``xdotool search --sync`` (no fixed sleeps), then drives it
with the console's CLI in its own process — the local engine, HTTP, OCR, mss capture and real
X input — and checks the outcome **outside the console**: a file on disk, the request a
loopback server received, a window title, the clipboard.

The applications are installed by ``scripts/bootstrap`` (APT_PACKAGES): openbox, xterm,
mousepad, galculator, x11-apps (xcalc), chromium, xclip, xdotool.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.waiting import wait_for

SCREEN = (1280, 720)
WINDOW_TIMEOUT_S = 60.0
RUN_TIMEOUT_S = 150.0
APPS = ("Xvfb", "openbox", "xdotool", "xclip", "xterm", "mousepad", "galculator", "xcalc")


def _missing_tools() -> list[str]:
    return [name for name in (*APPS, "chromium") if shutil.which(name) is None]


@pytest.fixture(scope="session")
def real_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Xvfb (1280×720×24) with openbox; ``DISPLAY`` points at it for the session."""
    missing = _missing_tools()
    if missing:
        pytest.fail(
            "the real-application suite needs these programs (scripts/bootstrap installs "
            f"them): {', '.join(missing)}"
        )
    logs = tmp_path_factory.mktemp("xvfb")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{SCREEN[0]}x{SCREEN[1]}x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=(logs / "xvfb.txt").open("w"),
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        xvfb.kill()
        pytest.fail("Xvfb did not start: " + (logs / "xvfb.txt").read_text()[-1000:])
    previous = os.environ.get("DISPLAY")
    display = f":{number}"
    os.environ["DISPLAY"] = display
    wm = subprocess.Popen(
        ["openbox", "--sm-disable"],
        stdout=subprocess.DEVNULL,
        stderr=(logs / "openbox.txt").open("w"),
        env=_app_env(logs),
    )
    try:
        _wait(lambda: _wm_running(), what="openbox to manage the screen", timeout=30)
        yield display
    finally:
        for proc in (wm, xvfb):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if previous is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = previous


def _wm_running() -> bool:
    out = subprocess.run(
        ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], capture_output=True, text=True, check=False
    ).stdout
    return "window id" in out


def _wait(predicate: Callable[[], Any], *, what: str, timeout: float) -> Any:
    return wait_for(predicate, timeout, what, interval=0.1)


def _app_env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "GSETTINGS_BACKEND": "memory",
        "NO_AT_BRIDGE": "1",
        "LANG": "C.UTF-8",
    }
    for name in ("WINDOWID", "DBUS_SESSION_BUS_ADDRESS"):
        env.pop(name, None)
    return env


def xdotool(*args: str, timeout: float = 30) -> str:
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, check=True, timeout=timeout
    ).stdout.strip()


@dataclass
class App:
    """A running application and its top-level window."""

    name: str
    process: subprocess.Popen[bytes]
    window: str

    def title(self) -> str:
        return xdotool("getwindowname", self.window)

    def activate(self) -> None:
        xdotool("windowactivate", "--sync", self.window)
        _wait(
            lambda: xdotool("getactivewindow") == self.window,
            what=f"{self.name} to have the focus",
            timeout=20,
        )

    def keys(self, *keys: str) -> None:
        """Keys typed by the test itself (to read a result out, never to do the task)."""
        self.activate()
        xdotool("key", "--clearmodifiers", *keys)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def launch(real_display: str, tmp_path: Path) -> Iterator[Callable[..., App]]:
    """``launch(cmd, title_regex)``: start an app, wait for its visible window, focus it."""
    started: list[App] = []
    home = tmp_path / "app-home"
    home.mkdir()

    def start(cmd: list[str], title: str, *, cwd: Path | None = None) -> App:
        log = (tmp_path / f"{Path(cmd[0]).name}-{len(started)}.log").open("w")
        process = subprocess.Popen(
            cmd,
            cwd=cwd or home,
            env=_app_env(home),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def window() -> str | None:
            if process.poll() is not None:
                raise AssertionError(f"{cmd[0]} exited ({process.returncode}) before showing up")
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", title],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
            return found[0] if found else None

        app = App(Path(cmd[0]).name, process, _wait(window, what=title, timeout=WINDOW_TIMEOUT_S))
        started.append(app)
        app.activate()
        return app

    try:
        yield start
    finally:
        for app in reversed(started):
            app.stop()


def clipboard(selection: str = "clipboard") -> str:
    return subprocess.run(
        ["xclip", "-o", "-selection", selection],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    ).stdout


def wait_for_clipboard(
    predicate: Callable[[str], bool], selection: str = "clipboard", timeout: float = 15
) -> str:
    return str(
        _wait(
            lambda: (text := clipboard(selection)) and predicate(text) and text,
            what=f"the {selection} selection",
            timeout=timeout,
        )
    )


@dataclass
class RunResult:
    returncode: int
    steps: list[dict[str, Any]]
    final: dict[str, Any]
    output: str

    @property
    def executed(self) -> list[str]:
        """Action types that were actually executed on the desktop."""
        return [s["action_type"] for s in self.steps if s.get("execution") == "done"]

    def explain(self) -> str:
        return f"exit {self.returncode}\n{self.output[-6000:]}"


def run_task(home: Path, task: str, *, max_steps: int = 20) -> RunResult:
    """``console-app run --profile local --approve auto --json`` in its own process."""
    env = {**os.environ, "CONSOLE_APP_HOME": str(home)}
    for name in ("TZAFON_API_KEY", "WINDOWID"):
        env.pop(name, None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console_app",
            "run",
            "--task",
            task,
            "--profile",
            "local",
            "--approve",
            "auto",
            "--json",
            "--max-steps",
            str(max_steps),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    lines = [json.loads(ln) for ln in done.stdout.splitlines() if ln.startswith("{")]
    steps = [ln for ln in lines if ln.get("event") == "step"]
    final = lines[-1] if lines else {}
    return RunResult(done.returncode, steps, final, done.stdout + done.stderr)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]


@dataclass
class LoopbackSite:
    """A tiny web site on 127.0.0.1 that records every request it gets."""

    pages: dict[str, str]
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, timeout: float = 20) -> Request:
        found = _wait(lambda: self.hits(path), what=f"a request for {path}", timeout=timeout)
        return found[0]  # type: ignore[no-any-return]


@pytest.fixture
def loopback_site() -> Iterator[Callable[[dict[str, str]], LoopbackSite]]:
    servers: list[ThreadingHTTPServer] = []

    def serve(pages: dict[str, str]) -> LoopbackSite:
        site = LoopbackSite(pages)

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, form: dict[str, list[str]]) -> None:
                parts = urlsplit(self.path)
                site.requests.append(Request(self.command, parts.path, parse_qs(parts.query), form))
                body = site.pages.get(parts.path, site.pages.get("*", "<p>ok</p>")).encode()
                self.send_response(200 if parts.path in site.pages or "*" in site.pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if urlsplit(self.path).path == "/favicon.ico":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._answer({})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                self._answer(parse_qs(raw))

            def log_message(self, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        site.url = f"http://127.0.0.1:{server.server_address[1]}"
        return site

    try:
        yield serve
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def chromium_command(profile: Path, url: str) -> list[str]:
    return [
        "chromium",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-features=Translate,MediaRouter",
        "--password-store=basic",
        f"--user-data-dir={profile}",
        "--window-position=0,0",
        f"--window-size={SCREEN[0]},{SCREEN[1]}",
        url,
    ]
