"""Real terminals for e2e tests: xterm windows on the Xvfb screen running a private tmux server,
and a scripted Responses server that proposes the actions a test needs.

`TmuxDesk` starts xterms (``open_xterm``), talks to its own tmux server (``-L <unique>``, no
config), reads a pane's screen (``pane_text``) and plays the human: focus a window and press
keys through the X server (``human_keys``), which is what the console's key witness accepts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


class TmuxDesk:
    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.workdir = workdir
        for tool in ("tmux", "xterm", "xdotool"):
            if shutil.which(tool) is None:
                pytest.fail(f"{tool} is missing: scripts/bootstrap installs it")
        self.socket = f"oc-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.xterms: list[subprocess.Popen[bytes]] = []

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=10,
            check=False,
        )
        return done.stdout

    def open_xterm(self, title: str, geometry: str, *command: str) -> int:
        """Start an xterm running ``command``; its top-level X window id once mapped.

        An xterm that exits before its window appears (seen rarely right after Xvfb starts)
        is started again, once; what it said is in the failure message."""
        said = ""
        for _attempt in range(2):
            log = self.workdir / f"xterm-{title}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    ["xterm", "-T", title, "-geometry", geometry, "-fa", "DejaVu Sans Mono",
                     "-fs", "9", "-e", *command],
                    env=self.env,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            self.xterms.append(process)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                found = _search_window(title, self.env)
                if found:
                    return found
                if process.poll() is not None:
                    break
                time.sleep(0.1)
            said = log.read_text("utf-8", "replace")[-2000:]
            if process.poll() is None:
                break  # running but no window: starting it again would not help
        raise AssertionError(f"xterm {title!r} (exit {process.poll()}) has no window: {said}")

    def pane_text(self, target: str) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-t", target, "-S", "-500")

    def wait_pane(self, target: str, predicate: Callable[[str], bool], what: str) -> str:
        return wait_until(
            lambda: text if predicate(text := self.pane_text(target)) else None,
            timeout=60,
            what=f"{what}; the pane shows:\n{self.pane_text(target)}",
        )

    def human_keys(self, window: int, *keys: str) -> None:
        """Focus ``window`` and press ``keys`` through the X server (like a person)."""
        xdotool(self.env, "windowfocus", "--sync", str(window))
        xdotool(self.env, "key", "--clearmodifiers", *keys)

    def close(self) -> None:
        self.tmux("kill-server")
        for process in self.xterms:
            if process.poll() is None:
                process.terminate()
        for process in self.xterms:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()


def xdotool(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, env=env, timeout=10, check=True
    )
    return done.stdout


def _search_window(title: str, env: dict[str, str]) -> int | None:
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"],
        capture_output=True,
        text=True,
        env=env,
        timeout=10,
        check=False,
    )
    ids = [int(line) for line in done.stdout.split()]
    return ids[0] if ids else None


def wait_until(probe: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[TmuxDesk]:
    env = dict(os.environ)
    env["CONSOLE_APP_HOME"] = str(tmp_path / "home")
    env["HOME"] = str(tmp_path)  # bash and tmux read nothing of the real user's
    env.pop("TMUX", None)
    env.pop("TZAFON_API_KEY", None)
    env["PS1"] = "$ "
    desk = TmuxDesk(env, tmp_path)
    try:
        yield desk
    finally:
        desk.close()


class ScriptedBackend:
    """A Responses server answering each create with the next scripted action (then a
    final message), so a test knows exactly what the console will propose."""

    def __init__(self, actions: list[dict[str, Any] | Callable[[dict[str, Any]], Any]]) -> None:
        """``actions``: dicts, or functions of the request body (to place a click in model
        space: the request's computer tool says the display size the model sees)."""
        self.actions = list(actions)
        self.requests: list[dict[str, Any]] = []
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                backend.requests.append(body)
                data = json.dumps(backend._next(len(backend.requests), body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _next(self, n: int, body: dict[str, Any]) -> dict[str, Any]:
        output: list[dict[str, Any]]
        if n <= len(self.actions):
            action = self.actions[n - 1]
            action = action(body) if callable(action) else action
            output = [
                {
                    "type": "computer_call",
                    "call_id": f"call_{n}",
                    "id": f"cu_{n}",
                    "status": "completed",
                    "action": action,
                    "pending_safety_checks": [],
                }
            ]
        else:
            output = [
                {
                    "type": "message",
                    "role": "assistant",
                    "id": f"msg_{n}",
                    "content": [{"type": "output_text", "text": "done"}],
                }
            ]
        return {"id": f"resp_{n}", "object": "response", "created_at": int(time.time()),
                "model": "scripted", "status": "completed", "output": output}  # fmt: skip

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def display_width(body: dict[str, Any]) -> int:
    tools = [t for t in body.get("tools") or [] if "display_width" in t]
    return int(tools[0]["display_width"])


def steps_of_last_run(home: Path) -> list[Any]:
    from console_app.history.store import HistoryStore

    with HistoryStore(home / "data" / "history.sqlite3") as store:
        runs = store.list_runs(limit=1)
        assert runs, "no run was recorded"
        return list(store.steps_of(runs[0].run_id))
