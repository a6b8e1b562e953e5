"""Privacy rules end to end: real windows on the Xvfb screen, the real CLI, real capture and
input, and a loopback backend that keeps every request — the pixels it received are the proof.

* ``--mask-window``: a red xterm (class ``SecretVault``) is black in every image the backend
  receives, and a click the backend aims at it is refused (nothing reaches the desktop).
* ``--only-window``: everything but the target app is black; a click outside it is refused,
  a click inside it runs.
* The history keeps exactly the image that was sent (after masking and scaling).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from console_app.capture.windows import WindowLister
from console_app.core.geometry import Rect
from tests.conformance.recording_server import RecordingServer
from tests.e2e.conftest import TargetApp

VIEW_SCALE = 1280 / 1920  # the auto viewport of a 1920×1080 monitor is 1280×720
VAULT_CLASS = "SecretVault"
VAULT_TITLE = "Vault 7f3c"


class ScriptedServer(RecordingServer):
    """Answers each ``POST /v1/responses`` with the next scripted action (then a message)."""

    def __init__(self, actions: list[dict[str, Any]]) -> None:
        super().__init__()
        self.actions = list(actions)
        self.turn = 0

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if not (method == "POST" and path == "/v1/responses"):
            return super().answer(method, path, body)
        with self._lock:
            self.turn += 1
            turn = self.turn
        output: list[dict[str, Any]]
        if turn <= len(self.actions):
            output = [
                {
                    "type": "computer_call",
                    "id": f"cu_{turn}",
                    "call_id": f"call_{turn}",
                    "action": self.actions[turn - 1],
                    "pending_safety_checks": [],
                    "status": "completed",
                }
            ]
        else:
            output = [
                {
                    "type": "message",
                    "id": f"msg_{turn}",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "finished", "annotations": []}],
                }
            ]
        return 200, {
            "id": f"resp_scripted_{turn}",
            "object": "response",
            "created_at": int(time.time()),
            "model": "scripted",
            "status": "completed",
            "output": output,
        }


def sent_images(server: RecordingServer) -> list[bytes]:
    """The screenshot of every request the backend received, in order."""
    images = []
    for record in server.take():
        if record.method != "POST":
            continue
        urls: list[str] = []
        _data_urls(record.json(), urls)
        assert len(urls) == 1, f"expected one screenshot per request, got {len(urls)}"
        images.append(base64.b64decode(urls[0].split(",", 1)[1]))
    return images


def _data_urls(value: Any, out: list[str]) -> None:
    if isinstance(value, str) and value.startswith("data:image/"):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _data_urls(item, out)
    elif isinstance(value, list):
        for item in value:
            _data_urls(item, out)


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[:2] == (720, 1280), "not the 1280×720 viewport"
    return image


def region(image: np.ndarray, rect: Rect, inset: int = 3) -> np.ndarray:
    """The pixels of a screen rectangle in the scaled image (a few pixels in from its edges)."""
    x0, y0 = int(rect.left * VIEW_SCALE) + inset, int(rect.top * VIEW_SCALE) + inset
    x1, y1 = int(rect.right * VIEW_SCALE) - inset, int(rect.bottom * VIEW_SCALE) - inset
    return image[y0:y1, x0:x1]


def to_view(x: float, y: float) -> dict[str, int]:
    return {"x": round(x * VIEW_SCALE), "y": round(y * VIEW_SCALE)}


@pytest.fixture(scope="module")
def vault(target_app: TargetApp) -> Iterator[Rect]:
    """A red xterm with a known class and title beside the target app (started after it, so
    it is on top); its rectangle as the X server reports it."""
    process = subprocess.Popen(
        ["xterm", "-class", VAULT_CLASS, "-T", VAULT_TITLE, "-bg", "red", "-fg", "red",
         "-geometry", "40x12+1380+150"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    lister = WindowLister()
    try:
        deadline = time.monotonic() + 20
        while True:
            found = [w for w in lister.windows() if w.wm_class == VAULT_CLASS]
            if found:
                break
            assert process.poll() is None, "xterm exited"
            assert time.monotonic() < deadline, "the xterm window never appeared"
            time.sleep(0.05)
        time.sleep(0.3)  # let xterm paint its background before the first grab
        yield found[0].rect
    finally:
        lister.close()
        process.terminate()
        process.wait(10)


def run_cli(home: Path, server: RecordingServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONSOLE_APP_HOME": str(home)}
    env.pop("TZAFON_API_KEY", None)
    env.pop("WINDOWID", None)
    return subprocess.run(
        [sys.executable, "-m", "console_app", "run", "--task", "privacy check",
         "--base-url", server.url, "--model", "scripted", "--approve", "auto", "--json",
         "--max-steps", "5", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def steps_of(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return [line for line in lines if line["event"] == "step"]


def test_a_masked_window_is_black_for_the_backend_and_never_clicked(
    target: TargetApp, vault: Rect, tmp_path: Path
) -> None:
    mark = target.mark()
    centre = (vault.left + vault.width / 2, vault.top + vault.height / 2)
    with ScriptedServer([{"type": "click", "button": "left", **to_view(*centre)}]) as server:
        done = run_cli(tmp_path, server, "--mask-window", f"class:{VAULT_CLASS}")
        images = sent_images(server)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "masked by privacy rules" in done.stderr
    steps = steps_of(done)
    assert [s["execution"] for s in steps] == ["refused"], steps
    assert "protected" in steps[0]["execution_detail"]
    assert [e for e in target.events(since=mark) if e["event"] == "press"] == []

    assert len(images) == 2
    for data in images:
        image = decode(data)
        assert float(region(image, vault).max()) <= 24, "the vault is visible to the backend"
        app = region(image, target.rect("target_window"))
        assert float(app.mean()) > 60, "the target app should stay visible"

    # The history keeps exactly what the backend got (masked and scaled), nothing unmasked.
    from console_app.history.store import HistoryStore

    store = HistoryStore(tmp_path / "data" / "history.sqlite3")
    try:
        stored = store.steps_of(steps[0]["run_id"])[0]
        assert stored.screenshot_sha256 == hashlib.sha256(images[0]).hexdigest()
    finally:
        store.close()


def test_without_a_rule_the_same_window_reaches_the_backend(
    target: TargetApp, vault: Rect, tmp_path: Path
) -> None:
    """The control: the xterm really is red on the screen (so black above is the mask)."""
    with ScriptedServer([]) as server:
        done = run_cli(tmp_path, server)
        images = sent_images(server)
    assert done.returncode == 0, done.stdout + done.stderr
    red = region(decode(images[0]), vault)
    assert float(red[..., 2].mean()) > 150 and float(red[..., 1].mean()) < 80


def test_only_window_leaves_only_the_target_visible(
    target: TargetApp, vault: Rect, tmp_path: Path
) -> None:
    mark = target.mark()
    outside = (vault.left + vault.width / 2, vault.top + vault.height / 2)
    inside = target.center("ok_button")
    actions = [
        {"type": "click", "button": "left", **to_view(*outside)},
        {"type": "click", "button": "left", **to_view(*inside)},
    ]
    with ScriptedServer(actions) as server:
        done = run_cli(tmp_path, server, "--only-window", "^Target App$")
        images = sent_images(server)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Confined to: 'Target App'" in done.stderr
    steps = steps_of(done)
    assert [s["execution"] for s in steps] == ["refused", "done"], steps
    presses = [e for e in target.events(since=mark) if e["event"] == "press"]
    assert [p["widget"] for p in presses] == ["ok_button"]

    image = decode(images[0])
    window = target.rect("target_window")
    assert float(region(image, window).mean()) > 60, "the target must stay visible"
    mask = np.ones(image.shape[:2], bool)
    inner = region(mask, window, inset=-2)
    inner[...] = False  # everything but the target (with a 2 px margin for the scaling)
    assert float(image[mask].max()) <= 24, "something outside the target reached the backend"


def test_picking_a_window_by_clicking_it_names_its_class(vault: Rect) -> None:
    """Settings' "Pick a window…": the next click on the screen chooses the window."""
    import threading

    from console_app.capture.windows import pick_window
    from console_app.core.privacy import window_for_rule

    result: list[Any] = []
    picker = threading.Thread(target=lambda: result.append(pick_window(timeout=20)))
    picker.start()
    centre = (vault.left + vault.width // 2, vault.top + vault.height // 2)
    subprocess.run(["xdotool", "mousemove", str(centre[0]), str(centre[1])], check=True)
    deadline = time.monotonic() + 15
    while picker.is_alive() and time.monotonic() < deadline:
        # the click only counts once xdotool holds the pointer grab; click until it answers
        subprocess.run(["xdotool", "click", "1"], check=True)
        picker.join(0.3)
    picker.join(5)
    assert result and result[0] is not None, "no window was picked"
    window = result[0]
    assert window.wm_class == VAULT_CLASS and window.title == VAULT_TITLE
    rule = window_for_rule(window)
    assert rule.wm_class == VAULT_CLASS and rule.matches(window)


def test_keys_are_refused_while_a_masked_window_has_the_focus(
    target: TargetApp, vault: Rect, tmp_path: Path
) -> None:
    wid = subprocess.run(
        ["xdotool", "search", "--class", VAULT_CLASS], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True, timeout=10)
    try:
        with ScriptedServer([{"type": "type", "text": "hunter2"}]) as server:
            done = run_cli(tmp_path, server, "--mask-window", f"title:^{VAULT_TITLE}$")
    finally:
        target.command("focus", name="line_edit")
    assert done.returncode == 0, done.stdout + done.stderr
    steps = steps_of(done)
    assert [s["execution"] for s in steps] == ["refused"], steps
    assert "privacy rule" in steps[0]["execution_detail"]
