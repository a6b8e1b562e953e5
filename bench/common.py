"""What every bench worker shares: the auto-approve profile, the task, the worker's CLI.

Each measurement runs in a worker process of its own (``python -m bench.<worker> --out F``),
so an RSS figure starts from a clean interpreter and one measurement's threads and caches do
not leak into the next. The orchestrator (`bench.__main__`) starts the Xvfb screen and the
scene, runs the workers and merges their JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# pyautogui imports mouseinfo, which exits without tkinter; the console never uses it.
sys.modules.setdefault("mouseinfo", None)  # type: ignore[arg-type]

from console_app.core.settings import ImageFormat, Policy, Profile  # noqa: E402

CHEAP_STEP = "press shift"
"""A step the local engine plans without OCR and the desktop executes in ~1 ms (one real
key press and release through XTest): the run's cost is then the console's own."""


def auto_profile(
    *, image_format: ImageFormat = "jpeg", max_steps: int = 10_000, stream: bool = False
) -> Profile:
    """The local engine, every action auto-approved (the policy keeps its blocked chords)."""
    return Profile(
        name="local",
        kind="local",
        image_format=image_format,
        max_steps=max_steps,
        stream=stream,
        settle_min_ms=0,  # the settle wait is deliberate idle time, not the console's cost
        settle_max_ms=0,
        policy=Policy(default="auto"),
    )


def cheap_task(steps: int, command: str = CHEAP_STEP) -> str:
    """A task of ``steps`` cheap steps, one per line (the engine's command language)."""
    return "\n".join([command] * steps)


async def refuse_approval(request: Any) -> Any:
    raise AssertionError(f"the bench runs auto-approved; asked about {request.proposal}")


def worker_main(run: Callable[[argparse.Namespace], dict[str, Any]], add_args: Any = None) -> None:
    """``python -m bench.X --out file.json [--runs N] …``: run, write the JSON result."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=50)
    if add_args is not None:
        add_args(parser)
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args)
    result["worker_seconds"] = round(time.perf_counter() - started, 1)
    args.out.write_text(json.dumps(result, indent=1))
