"""Per-step console overhead, stage by stage, against the naive pipeline, in one process.

The console side is a real run: `agent.session.open_session` with the local engine (its own
process), the real `ScreenCapturer`, `ResponsesClient`, `DesktopComputer` (real XTest input)
and a real `HistoryStore`, every action auto-approved. The task is many ``press shift`` steps,
which the engine plans without OCR, so a step's wall time is the console's own work plus one
loopback round trip. The stages are timed where the real code runs them:

* **capture+scale+encode** — `Screenshot.total_ms` (grab, mask, INTER_AREA, JPEG), as the
  capturer measures it in its worker thread;
* **request build** — on the loop's thread, from the moment the capture is back
  (``ScreenCaptured``) to the moment httpx hands the finished request to the transport (an
  httpx ``request`` event hook): building the items, the upload count, the data URL, the JSON;
* **response parse** — `api.answers.parse_model` (JSON + pydantic) and `agent.turns.read_turn`
  (normalising the calls), wrapped in timers;
* **execute** — `AgentLoop.execute` (the hop to the input thread, the plan, the key press);
* **overlay render** — afterwards in the same process, for each step's real screenshot and
  proposal: the console's screenshot canvas (at the size it has in the console window) gets
  the decoded image and the proposal's overlay and paints synchronously (``repaint``). The
  decode itself runs in a worker thread in the console; it is reported apart and not summed.

The naive pipeline is what existing tools do per step: ``pyautogui.screenshot()`` → PNG →
base64, at full size. ``pyautogui.screenshot()`` on Linux with Pillow ≥ 9.2 calls
``PIL.ImageGrab.grab()`` (XCB) when gnome-screenshot is installed; it is not installed here, so
pyscreeze's flag is set and pyautogui runs exactly that path (no gnome-screenshot process is
involved either way). PNG with Pillow's defaults, ``base64.b64encode``.

Each run: one console run of ``--steps`` steps, then as many naive steps, then the overlay
renders. The first step of a run (imports, connection set-up) is left out.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import auto_profile, cheap_task, refuse_approval, worker_main
from bench.scene import CONSOLE_GEOMETRY
from bench.stats import p50, percentile

STAGES = ("capture", "request", "parse", "overlay", "execute")


@dataclass
class Turn:
    captured_at: float = 0.0
    capture_ms: float = 0.0
    request_ms: float | None = None
    parse_ms: float = 0.0
    execute_ms: float | None = None
    shot: Any = None
    proposal: Any = None


@dataclass
class Probe:
    """Collects per-turn timings from hooks on the real objects."""

    turns: list[Turn] = field(default_factory=list)

    def on_event(self, event: Any) -> None:
        from console_app.agent.events import ModelAnswered, ScreenCaptured

        if isinstance(event, ScreenCaptured):
            shot = event.screenshot
            self.turns.append(
                Turn(captured_at=time.perf_counter(), capture_ms=shot.total_ms, shot=shot)
            )
        elif isinstance(event, ModelAnswered) and event.proposals and self.turns:
            self.turns[-1].proposal = event.proposals[0]

    async def on_request(self, request: Any) -> None:
        if self.turns and self.turns[-1].request_ms is None:
            turn = self.turns[-1]
            turn.request_ms = (time.perf_counter() - turn.captured_at) * 1000

    def add_parse(self, ms: float) -> None:
        if self.turns:
            self.turns[-1].parse_ms += ms

    def add_execute(self, ms: float) -> None:
        if self.turns:
            self.turns[-1].execute_ms = ms


def _timed(fn: Any, add: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            add((time.perf_counter() - started) * 1000)

    return wrapper


async def console_run(session: Any, steps: int) -> list[Turn]:
    """One auto-approved run of ``steps`` cheap steps; the complete turns, in order."""
    import console_app.agent.model_calls as loop_module
    import console_app.api.client as client_module

    probe = Probe()
    hooks = session.client._http.event_hooks
    hooks["request"] = [*hooks.get("request", []), probe.on_request]
    original_parse = client_module.parse_model
    original_read_turn = loop_module.read_turn
    client_module.parse_model = _timed(original_parse, probe.add_parse)
    loop_module.read_turn = _timed(original_read_turn, probe.add_parse)
    try:
        loop = session.loop(approve=refuse_approval, on_event=probe.on_event, max_steps=steps + 5)
        real_execute = loop.context.execute

        async def execute(action: Any, mapping: Any) -> Any:
            started = time.perf_counter()
            try:
                return await real_execute(action, mapping)
            finally:
                probe.add_execute((time.perf_counter() - started) * 1000)

        loop.context.execute = execute
        result = await loop.run(cheap_task(steps))
    finally:
        client_module.parse_model = original_parse
        loop_module.read_turn = original_read_turn
        hooks["request"] = [h for h in hooks["request"] if h is not probe.on_request]
    if result.status != "succeeded":
        raise RuntimeError(f"the bench run did not succeed: {result}")
    return [t for t in probe.turns if t.execute_ms is not None and t.request_ms is not None]


def naive_step() -> dict[str, float]:
    """pyautogui.screenshot() → PNG (Pillow defaults) → base64, at full size."""
    import pyautogui

    started = time.perf_counter()
    image = pyautogui.screenshot()
    grabbed = time.perf_counter()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    encoded = time.perf_counter()
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    done = time.perf_counter()
    return {
        "grab": (grabbed - started) * 1000,
        "png": (encoded - grabbed) * 1000,
        "base64": (done - encoded) * 1000,
        "total": (done - started) * 1000,
        "size": image.size[0] * 10_000 + image.size[1],
        "bytes": len(url),
    }


class OverlayBench:
    """The console window's screenshot canvas, at the size it has in the console window.

    The window is placed just right of the screen (X allows it; there is no window manager
    on Xvfb), so it paints for real but neither pipeline captures it: both see the same
    screen full of content."""

    def __init__(self) -> None:
        from PySide6.QtWidgets import QApplication

        from console_app.ui.console.console_view import MainWindow

        self.app = QApplication.instance() or QApplication([])
        self.window = MainWindow()
        x, y, width, height = CONSOLE_GEOMETRY
        self.window.setGeometry(1920 + x, y, width, height)
        self.window.show()
        for _ in range(20):
            self.app.processEvents()
            time.sleep(0.01)
        self.canvas = self.window.screenshot.canvas

    def render(self, shot: Any, proposal: Any) -> tuple[float, float]:
        """(decode ms — a worker thread in the console, overlay render ms — the GUI thread)."""
        from console_app.core.overlay import ImageSpace, overlay_for
        from console_app.ui.widgets.image_loader import decode

        started = time.perf_counter()
        image = decode(shot.data)
        decoded = time.perf_counter()
        self.canvas.set_image(image)
        self.canvas.set_overlays([(overlay_for(proposal, ImageSpace.of(shot)), "proposed")])
        self.canvas.repaint()
        done = time.perf_counter()
        self.app.processEvents()
        return (decoded - started) * 1000, (done - decoded) * 1000

    def close(self) -> None:
        self.window.allow_close = True
        self.window.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    import pyscreeze

    from console_app.agent.session import open_session
    from console_app.executor.desktop import DesktopComputer
    from console_app.history.store import HistoryStore

    # pyscreeze takes the Pillow path (ImageGrab.grab, XCB) only if gnome-screenshot exists.
    pyscreeze.GNOMESCREENSHOT_EXISTS = True
    overlay = OverlayBench()
    runs: list[dict[str, Any]] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))

    async def main() -> None:
        history = HistoryStore(workdir / "history.sqlite3")
        computer = DesktopComputer()
        session = await open_session(auto_profile(), history, computer=computer)
        try:
            await console_run(session, 3)  # warm-up: imports, the first OCR-free turns
            for _ in range(args.runs):
                turns = (await console_run(session, args.steps + 1))[1:]
                naive = [naive_step() for _ in turns]
                rendered = [overlay.render(t.shot, t.proposal) for t in turns]
                runs.append(summarise(turns, naive, rendered))
        finally:
            await session.aclose()
            history.close()

    asyncio.run(main())
    overlay.close()
    return {"runs": runs, "steps": args.steps}


def summarise(
    turns: list[Turn], naive: list[dict[str, float]], rendered: list[tuple[float, float]]
) -> dict[str, Any]:
    per_step = {
        "capture": [t.capture_ms for t in turns],
        "request": [t.request_ms or 0.0 for t in turns],
        "parse": [t.parse_ms for t in turns],
        "overlay": [r[1] for r in rendered],
        "execute": [t.execute_ms or 0.0 for t in turns],
    }
    totals = [sum(per_step[s][i] for s in STAGES) for i in range(len(turns))]
    capture_split = {
        "grab": p50([t.shot.grab_ms for t in turns]),
        "scale": p50([t.shot.scale_ms for t in turns]),
        "encode": p50([t.shot.encode_ms for t in turns]),
    }
    naive_total = p50([n["total"] for n in naive])
    console_total = p50(totals)
    return {
        "console": {stage: p50(values) for stage, values in per_step.items()},
        "console_p95": {stage: percentile(values, 95) for stage, values in per_step.items()},
        "capture_split": capture_split,
        "decode_worker": p50([r[0] for r in rendered]),
        "console_total": console_total,
        "naive": {k: p50([n[k] for n in naive]) for k in ("grab", "png", "base64", "total")},
        "naive_total": naive_total,
        "naive_bytes": p50([n["bytes"] for n in naive]),
        "shot_bytes": p50([len(t.shot.data) for t in turns]),
        "ratio": console_total / naive_total,
        "steps": len(turns),
    }


if __name__ == "__main__":
    worker_main(run)
