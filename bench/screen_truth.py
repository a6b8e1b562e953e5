"""Screen truth's cost: how long the console waits for the screen, and approval → next request.

A real run: `agent.session.open_session` with the local engine (its own process), the real
`ScreenCapturer`, `ResponsesClient`, `DesktopComputer` and `HistoryStore`, with the profile's
settle defaults (min 50 ms, max 3 s, reaction 1 s) and the stale-screen guard on. The approver
answers at once; the timer starts when it answers.

* ``approve_to_request_ms`` — approval given → the next request handed to httpx's transport (an
  httpx ``request`` event hook): the stale check (pointer actions only), recording, executing,
  settling, capturing, encoding and building the request. The steps type one character into a
  focused text field of ``tests/e2e/screen_truth_app.py`` (``type "a"``: no OCR in the engine),
  so the screen reacts at once, as it does to most actions.
* ``settle_ms`` — the settle wait those steps recorded (`Timings.settle_ms`).
* ``settle_ms_no_reaction`` — the same for ``press shift`` steps, which change nothing on the
  screen: the wait is then the reaction time (reported, no target).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import worker_main
from bench.scene import ROOT
from bench.stats import p50

APP = ROOT / "tests" / "e2e" / "screen_truth_app.py"


class Timer:
    def __init__(self) -> None:
        self.approved: float | None = None
        self.gaps: list[float] = []
        self.settles: list[float] = []

    async def approve(self, request: Any) -> Any:
        from console_app.agent.decisions import Approve

        self.approved = time.perf_counter()
        return Approve()

    async def on_request(self, request: Any) -> None:
        if self.approved is not None:
            self.gaps.append((time.perf_counter() - self.approved) * 1000)
            self.approved = None

    def on_event(self, event: Any) -> None:
        from console_app.agent.events import StepRecorded

        if isinstance(event, StepRecorded) and event.step.timings.settle_ms is not None:
            self.settles.append(event.step.timings.settle_ms)


def start_app(workdir: Path) -> subprocess.Popen[str]:
    out = workdir / "app"
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, str(APP), "--out", str(out), "--geometry", "40,60,900,700"],
        stdin=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (out / "geometry.json").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the screen-truth app did not show")
        time.sleep(0.05)
    field = json.loads((out / "geometry.json").read_text())["field"]
    subprocess.run(["xdotool", "mousemove", *map(str, field), "click", "1"], check=True)
    return proc


async def measure(steps: int, command: str) -> Timer:
    from console_app.agent.policy import PolicyTable
    from console_app.agent.session import open_session
    from console_app.core.settings import Policy, Profile
    from console_app.history.store import HistoryStore

    profile = Profile(name="local", kind="local", max_steps=steps + 5)
    recorder = HistoryStore()
    session = await open_session(profile, recorder)
    timer = Timer()
    hooks = session.client._http.event_hooks
    hooks["request"] = [*hooks.get("request", []), timer.on_request]
    try:
        loop = session.loop(
            approve=timer.approve,
            on_event=timer.on_event,
            policy=PolicyTable(Policy(default="ask")),
            max_steps=steps + 5,
        )
        result = await loop.run("\n".join([command] * steps))
        if result.status != "succeeded":
            raise RuntimeError(f"the bench run did not succeed: {result}")
    finally:
        await session.aclose()
        recorder.close()
    timer.gaps = timer.gaps[1:]  # the first one pays for connection set-up
    return timer


def run(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        app = start_app(Path(tmp))
        try:
            for _ in range(args.runs):
                typed = asyncio.run(measure(args.steps, 'type "a"'))
                still = asyncio.run(measure(max(3, args.steps // 4), "press shift"))
                runs.append(
                    {
                        "approve_to_request_ms_p50": p50(typed.gaps),
                        "settle_ms_p50": p50(typed.settles),
                        "settle_ms_p50_no_reaction": p50(still.settles),
                        "steps": len(typed.gaps),
                    }
                )
        finally:
            if app.stdin is not None:
                app.stdin.close()
            app.wait(10)
    return {"runs": runs}


if __name__ == "__main__":
    worker_main(run)
