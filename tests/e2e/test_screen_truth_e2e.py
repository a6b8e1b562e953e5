"""Screen truth on a real X screen: settling, the stale-screen guard, blind captures.

The real loop, real mss capture and real input against ``screen_truth_app.py`` (a slow dialog,
a blinking caret, a target the test changes); the model is scripted, so what the model *received*
can be decoded and checked pixel by pixel. The CLI tests run ``console-app run`` in its own
process against a loopback server that counts requests: nothing may reach it.
"""

from __future__ import annotations

import asyncio
import base64
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from console_app.agent.context import LoopConfig
from console_app.agent.decisions import ApprovalRequest, Approve
from console_app.agent.loop import AgentLoop
from console_app.agent.policy import PolicyTable
from console_app.agent.screen_truth import SettleConfig, StaleScreen
from console_app.agent.turns import RequestSettings
from console_app.capture.screen import ScreenCapturer
from console_app.core.records import MemoryRecorder
from console_app.core.settings import Policy
from console_app.executor.desktop import DesktopComputer
from tests.unit.agent.fakes import ScriptedModel, call, message
from tests.waiting import wait_for

APP = Path(__file__).with_name("screen_truth_app.py")


class App:
    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, str(APP), "--out", str(out)],
            stdin=subprocess.PIPE,
            text=True,
        )
        self.centres: dict[str, list[int]] = wait_for(self._geometry, what="the app's geometry")

    def _geometry(self) -> dict[str, list[int]] | None:
        path = self.out / "geometry.json"
        return json.loads(path.read_text()) if path.exists() else None

    def change_target(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("change\n")
        self.proc.stdin.flush()
        wait_for((self.out / "state").exists, what="the target to change")

    def clicks(self) -> list[str]:
        path = self.out / "clicks.log"
        return path.read_text().split() if path.exists() else []

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    running = App(tmp_path / "app")
    try:
        yield running
    finally:
        running.stop()


def viewport_point(capturer: ScreenCapturer, screen: list[int]) -> dict[str, float]:
    mapping = capturer.capture().mapping
    x, y = mapping.physical_to_model(*screen)
    return {"x": round(x), "y": round(y)}


def images_sent(model: ScriptedModel) -> list[np.ndarray]:
    """Every screenshot the model received, decoded, in order."""
    out = []
    for params in model.requests:
        body = params.model_dump_json()
        for found in re.findall(r"data:image/\w+;base64,([A-Za-z0-9+/=]+)", body):
            data = np.frombuffer(base64.b64decode(found), np.uint8)
            out.append(cv2.imdecode(data, cv2.IMREAD_COLOR))
    return out


def red_pixels(image: np.ndarray) -> int:
    b, g, r = image[:, :, 0].astype(int), image[:, :, 1].astype(int), image[:, :, 2].astype(int)
    return int(((r > 170) & (g < 70) & (b < 70)).sum())


def blue_near(image: np.ndarray, point: dict[str, float]) -> bool:
    x, y = int(point["x"]), int(point["y"])
    patch = image[y - 4 : y + 4, x - 40 : x - 20].reshape(-1, 3).mean(axis=0)
    return bool(patch[0] > 180 and patch[0] - patch[2] > 80)  # BGR: a blue button


def run_loop(
    script: list[Any],
    desktop: DesktopComputer,
    capturer: ScreenCapturer,
    *,
    auto: bool,
    approve: Any = None,
    on_stale: Any = None,
) -> tuple[AgentLoop, ScriptedModel, MemoryRecorder]:
    model = ScriptedModel(script)
    recorder = MemoryRecorder()

    async def default_approve(request: ApprovalRequest) -> Any:
        return Approve()

    loop = AgentLoop(
        client=model,
        screen=capturer,
        computer=desktop,
        recorder=recorder,
        approve=approve or default_approve,
        config=LoopConfig(
            request=RequestSettings(model="scripted"),
            profile="test",
            backend="http://127.0.0.1:1",
            settle=SettleConfig(),  # the profile defaults: min 50 ms, max 3 s, reaction 1 s
        ),
        policy=PolicyTable(Policy(default="auto" if auto else "ask")),
        on_stale=on_stale,
    )
    asyncio.run(loop.run("task"))
    return loop, model, recorder


@pytest.fixture
def capturer() -> Iterator[ScreenCapturer]:
    with ScreenCapturer(monitor=1) as screen:
        yield screen


def test_a_dialog_that_opens_700_ms_after_the_click_is_on_the_next_screenshot(
    app: App, desktop: DesktopComputer, capturer: ScreenCapturer
) -> None:
    later = viewport_point(capturer, app.centres["later"])
    loop, model, recorder = run_loop(
        [call({"type": "click", **later}), message("ok")], desktop, capturer, auto=True
    )
    first, second = images_sent(model)
    assert red_pixels(first) == 0
    assert red_pixels(second) > 20_000, "the dialog is missing from the screenshot after settling"
    (step,) = recorder.steps_of(loop.run_id or "")
    assert step.execution == "done"
    assert step.timings.settle_ms is not None and 650 <= step.timings.settle_ms < 3000


def test_a_blinking_caret_does_not_hold_the_settle_to_its_maximum(
    app: App, desktop: DesktopComputer, capturer: ScreenCapturer
) -> None:
    field = viewport_point(capturer, app.centres["field"])
    loop, _, recorder = run_loop(
        [call({"type": "click", **field}), call({"type": "move", "x": 5, "y": 5}), message("ok")],
        desktop,
        capturer,
        auto=True,
    )
    click, move = recorder.steps_of(loop.run_id or "")
    assert click.timings.settle_ms is not None and move.timings.settle_ms is not None
    # The click drew the caret at once: settled as soon as two probes agreed.
    assert click.timings.settle_ms < 900, click.timings
    # The move changed nothing but the caret keeps blinking: the reaction time, not the 3 s max.
    assert move.timings.settle_ms < 2000, move.timings


def test_a_target_that_changes_while_the_human_decides_is_not_clicked(
    app: App, desktop: DesktopComputer, capturer: ScreenCapturer
) -> None:
    target = viewport_point(capturer, app.centres["target"])
    seen: list[StaleScreen] = []

    async def approve(request: ApprovalRequest) -> Any:
        await asyncio.to_thread(app.change_target)  # the screen moves on while the human reads
        return Approve()

    async def on_stale(stale: StaleScreen) -> str:
        seen.append(stale)
        return "resend"

    loop, model, recorder = run_loop(
        [call({"type": "click", **target}), message("ok")],
        desktop,
        capturer,
        auto=False,
        approve=approve,
        on_stale=on_stale,
    )
    assert app.clicks() == []
    (stale,) = seen  # the human was shown both screens
    assert stale.changed > 0.1
    assert not blue_near(decode(stale.before.data), target)
    assert blue_near(decode(stale.after.data), target)
    (step,) = recorder.steps_of(loop.run_id or "")
    assert step.decision == "approved" and step.execution == "stale"
    assert blue_near(images_sent(model)[-1], target), "the model did not get the new screen"


def test_an_auto_approved_click_on_a_changed_target_goes_back_to_the_model(
    app: App, desktop: DesktopComputer, capturer: ScreenCapturer
) -> None:
    target = viewport_point(capturer, app.centres["target"])

    def answer(params: Any) -> dict[str, Any]:
        app.change_target()  # the page changed while the model was thinking
        return call({"type": "click", **target})

    loop, model, recorder = run_loop([answer, message("ok")], desktop, capturer, auto=True)
    assert app.clicks() == []
    (step,) = recorder.steps_of(loop.run_id or "")
    assert step.decision == "auto_approved" and step.execution == "stale"
    assert blue_near(images_sent(model)[-1], target)


def test_an_unchanged_target_is_clicked_after_a_slow_approval(
    app: App, desktop: DesktopComputer, capturer: ScreenCapturer
) -> None:
    target = viewport_point(capturer, app.centres["target"])

    async def approve(request: ApprovalRequest) -> Any:
        await asyncio.sleep(1.2)  # a human thinking; the caret blinks elsewhere meanwhile
        return Approve()

    loop, _, recorder = run_loop(
        [call({"type": "click", **target}), message("ok")],
        desktop,
        capturer,
        auto=False,
        approve=approve,
    )
    assert app.clicks() == ["Target"]
    assert recorder.steps_of(loop.run_id or "")[0].execution == "done"


def decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


# ---------------------------------------------------------------------- blind sessions (CLI)


class CountingServer:
    """A loopback HTTP server that answers 500 and counts what reached it."""

    def __init__(self) -> None:
        self.count = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.count += 1
                self.send_response(500)
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def counting_server() -> Iterator[CountingServer]:
    server = CountingServer()
    try:
        yield server
    finally:
        server.close()


def run_cli(home: Path, env: dict[str, str], url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console_app", "run", "--task", "click OK", "--approve", "auto",
         "--base-url", url, "--model", "scripted"],
        capture_output=True,
        text=True,
        env={**env, "CONSOLE_APP_HOME": str(home)},
        timeout=120,
        check=False,
    )  # fmt: skip


def test_a_wayland_session_without_x11_is_one_sentence_and_exit_2(
    tmp_path: Path, counting_server: CountingServer
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "TZAFON_API_KEY")}
    env["WAYLAND_DISPLAY"] = "wayland-0"
    done = run_cli(tmp_path, env, counting_server.url)
    assert done.returncode == 2, done.stdout + done.stderr
    # (the start-up notice about which backend is used is another matter, not counted here)
    lines = [line for line in done.stderr.splitlines() if line.strip() and "API key" not in line]
    assert len(lines) == 1 and "Wayland" in lines[0] and "Traceback" not in done.stderr
    assert counting_server.count == 0


def test_a_blank_screen_is_never_sent_and_exits_2(
    tmp_path: Path, counting_server: CountingServer
) -> None:
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is installed by scripts/bootstrap"
    # A screen with nothing on it: a fresh X server with a black root window and no windows.
    display = f":{200 + os.getpid() % 500}"
    server = subprocess.Popen(
        [xvfb, display, "-screen", "0", "1280x720x24", "-br", "-nolisten", "tcp"],
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{display[1:]}").exists(), what="Xvfb")
        env = {k: v for k, v in os.environ.items() if k not in ("TZAFON_API_KEY", "XAUTHORITY")}
        env["DISPLAY"] = display
        done = run_cli(tmp_path, env, counting_server.url)
    finally:
        server.terminate()
        server.wait(10)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "blank" in done.stderr and "Traceback" not in done.stderr
    assert counting_server.count == 0
