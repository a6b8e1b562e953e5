"""Upload bytes per step with ``previous_response_id`` chaining, for each image format.

A real headless run per format (the console's loop, capturer, client and desktop against the
local engine; auto-approved ``press shift`` steps): the screen is captured at the profile's
auto viewport (1920×1080 → 1280×720) and every follow-up request carries only the new
screenshot and the call's answer, chained by ``previous_response_id``. Bytes are counted on the
wire: the body of every ``POST /v1/responses`` as httpx sends it (an httpx request hook), and
compared with what the loop reports for the step (`ModelAnswered.upload_bytes`).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench.common import auto_profile, cheap_task, refuse_approval, worker_main
from bench.stats import p50

FORMATS = ("jpeg", "png", "webp")


async def measure(image_format: str, steps: int, runs: int) -> dict[str, Any]:
    from console_app.agent.session import open_session
    from console_app.executor.desktop import DesktopComputer
    from console_app.history.store import HistoryStore

    workdir = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    history = HistoryStore(workdir / "history.sqlite3")
    profile = auto_profile(image_format=image_format)  # type: ignore[arg-type]
    session = await open_session(profile, history, computer=DesktopComputer())
    per_run: list[dict[str, Any]] = []
    try:
        for _ in range(runs):
            per_run.append(await _one_run(session, steps))
    finally:
        await session.aclose()
        history.close()
    return {"format": image_format, "runs": per_run}


async def _one_run(session: Any, steps: int) -> dict[str, Any]:
    from console_app.agent.events import ModelAnswered, ScreenCaptured

    bodies: list[tuple[int, bool]] = []
    reported: list[int] = []
    sizes: set[tuple[int, int]] = set()

    async def on_request(request: Any) -> None:
        if request.method == "POST" and request.url.path.endswith("/responses"):
            chained = b'"previous_response_id"' in request.content
            bodies.append((len(request.content), chained))

    def on_event(event: Any) -> None:
        if isinstance(event, ModelAnswered):
            reported.append(event.upload_bytes)
        elif isinstance(event, ScreenCaptured):
            sizes.add((event.screenshot.width, event.screenshot.height))

    hooks = session.client._http.event_hooks
    hooks["request"] = [*hooks.get("request", []), on_request]
    try:
        loop = session.loop(approve=refuse_approval, on_event=on_event, max_steps=steps + 5)
        result = await loop.run(cheap_task(steps))
    finally:
        hooks["request"] = [h for h in hooks["request"] if h is not on_request]
    if result.status != "succeeded":
        raise RuntimeError(f"the upload run did not succeed: {result}")
    chained = [size for size, has_previous in bodies if has_previous]
    if len(chained) < steps or len(reported) != len(bodies):
        raise RuntimeError(f"{len(bodies)} requests, {len(chained)} chained")
    return {
        "chained_bytes_p50": p50(chained),
        "first_bytes": bodies[0][0],
        "reported_bytes_p50": p50(reported[1:]),
        "viewports": sorted(sizes),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    async def main() -> list[dict[str, Any]]:
        return [await measure(f, args.steps, args.runs) for f in FORMATS]

    return {"formats": asyncio.run(main()), "steps": args.steps}


if __name__ == "__main__":
    worker_main(run)
