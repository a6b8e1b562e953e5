"""``console-app --self-test``: prove this installation can run, one line per check.

Why it exists: the installer test runs it inside a clean Debian root (nothing but the .deb and
its dependencies), and a user whose console does not start can run it and paste the output.
Each check exercises the real thing the console uses — the Qt platform plugin, the local
engine as a child process, its OCR models, an mss grab of the real screen, pyautogui and
xdotool, the keyring backend, the data folders — without showing the main window and without
moving the pointer or typing.

Output: one ``PASS|WARN|FAIL <check>: <detail>`` line per check, then a summary line. The exit
code is 0 when no check failed. WARN never fails the test: it marks something the console
works without. The one WARN a headless machine gives is ``keyring`` — with no Secret Service
(GNOME Keyring, KWallet…) there is no OS keyring, and the console then takes API keys only
from ``TZAFON_API_KEY``; a plaintext-file fallback is deliberately *not* bundled, because keys
must live in the OS keyring or nowhere.

The Qt check runs in a child process (this same executable, ``--self-test`` with
``CONSOLE_APP_SELF_TEST_PART=qt``): a Qt platform plugin that cannot load its system libraries
aborts the process, and a child turns that abort into a FAIL line with Qt's own explanation
(e.g. which xcb library is missing) instead of a crash with no summary.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from console_app import __version__

if TYPE_CHECKING:
    from console_app.api.client import ResponsesClient

Status = Literal["PASS", "WARN", "FAIL"]

PART_ENV = "CONSOLE_APP_SELF_TEST_PART"
QT_CHILD_TIMEOUT = 90.0
ENGINE_START_TIMEOUT = 90.0
OCR_LINE = "OPERATOR CONSOLE 7"
"""Rendered into a test image (OpenCV's vector font) and read back by the engine's OCR."""
OCR_PHRASE = "OPERATOR CONSOLE"
"""What the OCR check asks the engine to find: two words of one line (``check "…"``)."""
OCR_ABSENT = "ZEBRA"
"""A word that is not in the image: the engine must answer "not found" for it."""

CHECK_NAMES = ("data", "qt", "screen", "input", "engine", "ocr", "keyring")


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    detail: str
    seconds: float

    @property
    def line(self) -> str:
        return f"{self.status} {self.name}: {self.detail} [{self.seconds:.1f} s]"


class CheckWarning(Exception):
    """Raised by a check for a WARN: the console works, with the limitation the message says."""


@dataclass
class _Context:
    """State shared between checks (the engine started by ``engine`` is queried by ``ocr``)."""

    workdir: Path
    engine: Any = None  # console_app.api.local_engine.LocalEngine
    notes: list[str] = field(default_factory=list)


# -- the checks ------------------------------------------------------------------------------


def check_data(ctx: _Context) -> str:
    """Every folder the console writes to exists (created if needed) and is writable."""
    from console_app.core import paths

    shown = []
    for kind, get in (
        ("data", paths.data_dir),
        ("config", paths.config_dir),
        ("logs", paths.log_dir),
        ("cache", paths.cache_dir),
    ):
        folder = get()
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".self-test-") as probe:
            probe.write(b"ok")
            probe.flush()
        shown.append(f"{kind} {_home_relative(folder)}")
    return "writable: " + ", ".join(shown)


def check_qt(ctx: _Context) -> str:
    """QApplication + an unshown widget + text rendering, in a child process (see module doc)."""
    env = {**os.environ, PART_ENV: "qt"}
    try:
        result = subprocess.run(
            [*self_command(), "--self-test"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=QT_CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the Qt check did not finish within {QT_CHILD_TIMEOUT:.0f} s") from None
    report = _last_json_line(result.stdout)
    if result.returncode != 0 or report is None:
        reason = (report or {}).get("error") or _tail(result.stderr) or "no output"
        raise RuntimeError(f"Qt could not start (exit {result.returncode}): {reason}")
    return (
        f"PySide6 {report['pyside']} (Qt {report['qt']}), platform {report['platform']}, "
        f"screen {report['screen']}, {report['fonts']} font families, "
        f"widget rendered unshown {report['widget']}"
    )


def check_screen(ctx: _Context) -> str:
    """A real grab of monitor 1 through the console's capture path (mss → scale → JPEG)."""
    from console_app.capture.screen import ScreenCapturer

    with ScreenCapturer() as capturer:
        shot = capturer.capture()
        monitor = shot.mapping.monitor
    if shot.width <= 0 or shot.height <= 0 or not shot.data:
        raise RuntimeError(f"empty capture ({shot.width}×{shot.height}, {len(shot.data)} bytes)")
    if not shot.data.startswith(b"\xff\xd8"):
        raise RuntimeError(f"the encoded image is not a JPEG ({shot.data[:4]!r})")
    return (
        f"monitor {monitor.index} {monitor.rect.width}×{monitor.rect.height} → "
        f"{shot.mime} {shot.width}×{shot.height} ({shot.size_bytes // 1024} KB) "
        f"in {shot.total_ms:.0f} ms"
    )


def check_input(ctx: _Context) -> str:
    """pyautogui and xdotool answer (read-only: the pointer position; nothing moves)."""
    from console_app.executor.desktop import is_x11, load_pyautogui

    gui = load_pyautogui()
    x, y = gui.position()
    width, height = gui.size()
    detail = f"pyautogui sees {width}×{height}, pointer at ({x}, {y})"
    if not is_x11():
        return detail + "; not X11, xdotool not used"
    xdotool = shutil.which("xdotool")
    if xdotool is None:
        raise CheckWarning(detail + "; xdotool is not installed: only ASCII text can be typed")
    # Same environment the executor's xdotool calls inherit (a bundle's library path included).
    result = subprocess.run(
        [xdotool, "getmouselocation"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{detail}; xdotool failed (exit {result.returncode}): {_tail(result.stderr)}"
        )
    return f"{detail}; xdotool {xdotool}: {result.stdout.strip()}"


def check_engine(ctx: _Context) -> str:
    """Start the local engine as the console does, create a response and read it back."""
    from console_app.api.local_engine import LocalEngine

    started = time.perf_counter()
    # Its own data folder: a console running at the same time keeps its engine state untouched.
    ctx.engine = LocalEngine(data_dir=ctx.workdir / "engine").start(ENGINE_START_TIMEOUT)
    start_s = time.perf_counter() - started
    created, fetched = asyncio.run(_create_and_retrieve(ctx.engine))
    return (
        f"started in {start_s:.1f} s on {ctx.engine.base_url}; "
        f"POST /v1/responses → {created} ; GET it back → {fetched}"
    )


async def _create_and_retrieve(engine: Any) -> tuple[str, str]:
    async with _client(engine) as client:
        response = await client.create(model="local", input="wait 0")
        if not response.id or response.status != "completed":
            raise RuntimeError(f"unexpected response: id={response.id} status={response.status}")
        actions = [call.action.get("type") for call in response.computer_calls()]
        if actions != ["wait"]:
            raise RuntimeError(f"expected one wait action, got {actions}")
        again = await client.retrieve(response.id)
        if again.id != response.id:
            raise RuntimeError(f"retrieved {again.id}, expected {response.id}")
    return f"{response.id} ({response.status}, wait)", f"{again.id} ({again.status})"


def check_ocr(ctx: _Context) -> str:
    """The engine's OCR (RapidOCR models + onnxruntime) reads a line of text off a rendered
    image, and does not "find" a word that is not there (so a broken OCR cannot pass)."""
    if ctx.engine is None or not ctx.engine.running:
        raise RuntimeError("the local engine is not running (see the engine check)")
    return asyncio.run(_ocr_round_trip(ctx.engine))


async def _ocr_check(client: ResponsesClient, image_url: str, text: str) -> tuple[bool, str]:
    """Run ``check "<text>"`` on the image; (found, the engine's words)."""
    response = await client.create(
        model="local",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": f'check "{text}"'},
                    {"type": "input_image", "image_url": image_url},
                ],
            }
        ],
    )
    ends = [c.action for c in response.computer_calls() if c.action.get("type") == "terminate"]
    if not ends:
        from console_app.api.types.response import ErrorBody

        error = response.error
        detail = error.message if isinstance(error, ErrorBody) else error
        why = f": {detail}" if detail else ""
        raise RuntimeError(f'check "{text}": no result (status {response.status}){why}')
    return ends[-1].get("status") == "success", str(ends[-1].get("result") or "")


async def _ocr_round_trip(engine: Any) -> str:
    import httpx

    image_url = _text_image_url(OCR_LINE)
    started = time.perf_counter()
    async with _client(engine) as client:
        found, said = await _ocr_check(client, image_url, OCR_PHRASE)
        if not found:
            raise RuntimeError(f'the line "{OCR_PHRASE}" was not read off a rendered image: {said}')
        seconds = time.perf_counter() - started
        absent, said = await _ocr_check(client, image_url, OCR_ABSENT)
        if absent:
            raise RuntimeError(f'OCR claims to see "{OCR_ABSENT}", which is not in the image')
    async with httpx.AsyncClient(timeout=10) as http:
        health = (
            await http.get(
                f"{engine.base_url}/health", headers={"Authorization": f"Bearer {engine.token}"}
            )
        ).json()
    if not health.get("ocr_loaded"):
        raise RuntimeError(f"the engine says its OCR models are not loaded: {health}")
    return (
        f"models loaded; read the line {OCR_PHRASE!r} in {seconds:.1f} s, "
        f"{OCR_ABSENT!r} correctly not found (OCR runs: {health.get('ocr_runs')})"
    )


def check_keyring(ctx: _Context) -> str:
    """A real OS keyring backend is selected; without one, API keys come from the environment."""
    from console_app.core.secrets import keyring_status, keyring_usable

    status = keyring_status()
    if not keyring_usable():
        raise CheckWarning(status)
    if "unencrypted" in status:  # a plaintext file (tests select one) is not an OS keyring
        raise CheckWarning(status)
    return status


CHECKS: tuple[tuple[str, Callable[[_Context], str]], ...] = (
    ("data", check_data),
    ("qt", check_qt),
    ("screen", check_screen),
    ("input", check_input),
    ("engine", check_engine),
    ("ocr", check_ocr),
    ("keyring", check_keyring),
)


# -- the runner ------------------------------------------------------------------------------


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check, print one line each and a summary; 0 iff nothing failed."""
    if os.environ.get(PART_ENV) == "qt":
        from console_app.ui.self_test_qt import run_qt_part

        return run_qt_part()
    out = out or sys.stdout
    frozen = getattr(sys, "frozen", False)
    where = f"bundle {Path(sys.executable).parent}" if frozen else f"Python {sys.executable}"
    print(f"console-app {__version__} self-test ({where})", file=out, flush=True)
    started = time.perf_counter()
    results: list[CheckResult] = []
    with tempfile.TemporaryDirectory(prefix="console-self-test-") as workdir:
        ctx = _Context(workdir=Path(workdir))
        try:
            for name, check in CHECKS:
                result = _run_check(name, check, ctx)
                results.append(result)
                print(result.line, file=out, flush=True)
        finally:
            if ctx.engine is not None:
                ctx.engine.stop()
    failed = sum(r.status == "FAIL" for r in results)
    warned = sum(r.status == "WARN" for r in results)
    passed = len(results) - failed - warned
    verdict = "OK" if not failed else "FAILED"
    print(
        f"self-test {verdict}: {passed} passed, {warned} warning(s), {failed} failed "
        f"in {time.perf_counter() - started:.1f} s",
        file=out,
        flush=True,
    )
    return 1 if failed else 0


def _run_check(name: str, check: Callable[[_Context], str], ctx: _Context) -> CheckResult:
    from console_app.core.redact import redact

    started = time.perf_counter()
    status: Status
    try:
        detail = check(ctx)
        status = "PASS"
    except CheckWarning as exc:
        detail, status = str(exc), "WARN"
    except Exception as exc:
        detail, status = f"{type(exc).__name__}: {exc}", "FAIL"
    detail = " ".join(redact(detail).split())  # one line, no secret
    return CheckResult(name, status, detail, time.perf_counter() - started)


# -- helpers ---------------------------------------------------------------------------------


def self_command() -> list[str]:
    """The command that runs this console again (the bundle's executable or this Python)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "console_app"]


def _client(engine: Any) -> ResponsesClient:
    from console_app.api.client import ResponsesClient

    return ResponsesClient(
        base_url=engine.base_url, api_key=engine.token, read_env=False, max_retries=0
    )


def _text_image_url(text: str) -> str:
    """A white PNG with ``text`` in black (OpenCV's built-in vector font: no system fonts)."""
    import cv2
    import numpy as np

    image = np.full((160, 900, 3), 255, np.uint8)
    cv2.putText(image, text, (30, 100), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (0, 0, 0), 4, cv2.LINE_AA)
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("OpenCV could not encode the test image")
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode("ascii")


def _last_json_line(text: str) -> dict[str, Any] | None:
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _tail(text: str, lines: int = 3) -> str:
    """The last lines of a child's stderr; Qt's own ``qt.qpa`` diagnosis first when present."""
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    qpa = [line for line in kept if line.startswith("qt.qpa")]
    return " | ".join((qpa or kept)[-lines:])


def _home_relative(path: Path) -> str:
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)
