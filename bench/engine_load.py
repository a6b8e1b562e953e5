"""The local engine on its own: start-up, create throughput without OCR, and OCR step latency.

The engine runs as the console runs it (`api.local_engine.LocalEngine`, a child process on a
loopback port); the bench talks to it with the console's `ResponsesClient` over one keep-alive
connection, one request at a time. Every OCR figure is a whole ``click OK`` step at 1280×720
(JPEG q80 of the real screen: decode, OCR, find the text, answer):

* **engine ready**: launch → the first ``GET /health`` answered with ``ocr_loaded: true`` (the
  models are loaded and have run once; the console's own launcher polls as it always does);
* **cold, target app**: the first screen a fresh engine sees — the target app alone, everything
  else a flat background;
* **cold, text-dense**: the first screen of another fresh engine — the target app and the
  windows full of source code and docs;
* **changed**: that screen after a dialog covering about a tenth of it opened (a real window:
  a question, a line of explanation and two or three buttons; each dialog has its own text and
  place, so its text was never read before); after it closed again (the screen behind it was
  seen before) is reported apart;
* **unchanged**: the same screen again. A clock in the corner (a number drawn away from any
  text) differs in every image, so the whole-screenshot cache cannot answer: what is measured
  is the region and line caches doing their work.

**Baseline**: the OCR path the engine had before (RapidOCR's own pipeline, no angle classifier,
word boxes, models loaded on the first step), run in this process on the same decoded images.
It caches nothing between different images, so its changed and unchanged figures are a full
read of the text-dense screen; its ready figure is the engine's health-ready time plus that
pipeline's model load.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import ocr_accuracy
from bench.common import worker_main
from bench.stats import percentile

DIALOGS = (
    # (x, y, w, h) in 1920×1080 screen pixels — each about a tenth of the screen — and text
    ((672, 360, 576, 360), 'Save changes to "loop.py" before closing?',
     "Your changes will be lost if you don't save them.", "Don't Save     Cancel     Save"),
    ((1200, 120, 600, 340), "Replace the file report_2026.csv?",
     "A file with this name already exists in Downloads.", "Keep both     Replace"),
    ((300, 500, 640, 320), "Delete 3 selected messages?", "They will be moved to the Trash.",
     "Cancel     Delete"),
    ((900, 600, 620, 330), "Connection lost", "Retrying in 30 seconds (attempt 2 of 5).",
     "Work offline     Retry now"),
    ((500, 200, 600, 350), "Print 12 pages?", "Printer: Office LaserJet, double-sided.",
     "Preview     Print"),
)  # fmt: skip


def grab() -> Any:
    """The screen as the console sends it: 1280×720 BGR pixels."""
    from console_app.capture.encode import decode
    from console_app.capture.screen import ScreenCapturer

    with ScreenCapturer() as capturer:
        shot = capturer.capture()
    if (shot.width, shot.height) != (1280, 720):
        raise RuntimeError(f"expected a 1280×720 capture, got {shot.width}×{shot.height}")
    return decode(shot.data)


def app_only(pixels: Any) -> Any:
    from bench.scene import TARGET_GEOMETRY

    scale = pixels.shape[1] / 1920
    x, y, w, h = (round(v * scale) for v in TARGET_GEOMETRY)
    out = pixels.copy()
    out[:] = (48, 40, 36)
    out[y : y + h, x : x + w] = pixels[y : y + h, x : x + w]
    return out


def with_dialog(index: int) -> Any:
    """The screen with a real dialog-sized window (`DIALOGS`) open on it."""
    from bench.scene import TEXT_WINDOW

    geometry, *text = DIALOGS[index % len(DIALOGS)]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n\n".join([*text[:2], "", *text[2:]]) + "\n")
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    process = subprocess.Popen(
        [
            sys.executable,
            str(TEXT_WINDOW),
            "--geometry",
            ",".join(map(str, geometry)),
            "--file",
            handle.name,
            "--font-px",
            "15",
            "--title",
            text[0],
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the dialog window did not start")
        time.sleep(0.8)  # let the X server paint it
        return grab()
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)
        Path(handle.name).unlink(missing_ok=True)


def clocked(pixels: Any, n: int) -> str:
    """A JPEG data URL of ``pixels`` with ``n`` drawn in the bottom-left corner."""
    import cv2

    from console_app.capture.encode import encode

    image = pixels.copy()
    cv2.putText(image, f"{n:05d}", (8, 712), cv2.FONT_HERSHEY_PLAIN, 1.0, (90, 90, 90), 1)
    return "data:image/jpeg;base64," + base64.b64encode(encode(image, "jpeg", 80)).decode("ascii")


def image_input(text: str, url: str) -> list[dict[str, Any]]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": text},
                {"type": "input_image", "image_url": url},
            ],
        }
    ]


async def throughput(client: Any, count: int, image: str | None) -> float:
    body = image_input("wait 0", image) if image else "wait 0"
    await client.create(model="local", input=body)  # the connection is open
    started = time.perf_counter()
    for _ in range(count):
        response = await client.create(model="local", input=body)
        if response.status != "completed":
            raise RuntimeError(f"create ended as {response.status}")
    return count / (time.perf_counter() - started)


async def ocr_step(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = await client.create(model="local", input=image_input("click OK", url))
    elapsed = (time.perf_counter() - started) * 1000
    calls = [item for item in response.output if getattr(item, "type", "") == "computer_call"]
    if not calls or "click" not in str(calls[0]):
        raise RuntimeError(f"the OCR step did not find OK: {response.output_text()}")
    return elapsed


def launch() -> tuple[Any, float, float]:
    """A fresh engine (own data dir), its healthy time (launch → the launcher saw ``/health``
    answer) and its ready time (launch → OCR loaded)."""
    import httpx

    from console_app.api.local_engine import LocalEngine

    engine = LocalEngine(data_dir=Path(tempfile.mkdtemp(prefix="bench-engine-")))
    started = time.perf_counter()
    engine.start()
    healthy = (time.perf_counter() - started) * 1000
    headers = {"Authorization": f"Bearer {engine.token}"}
    deadline = started + 120
    while time.perf_counter() < deadline:
        health = httpx.get(f"{engine.base_url}/health", headers=headers, timeout=5).json()
        if health.get("ocr_loaded"):
            return engine, healthy, (time.perf_counter() - started) * 1000
        time.sleep(0.01)
    engine.stop()
    raise RuntimeError("the engine did not load its OCR models within 120 s")


def client_for(engine: Any) -> Any:
    from console_app.api.client import ResponsesClient

    return ResponsesClient(base_url=engine.base_url, api_key=engine.token, read_env=False)


def baseline(images: dict[str, Any]) -> dict[str, float]:
    """The previous OCR path, in this process, on the same images (decoded from the same
    JPEGs the engine gets)."""
    import logging

    from console_app.engine.images import decode_image_url

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    started = time.perf_counter()
    from rapidocr import RapidOCR

    engine = RapidOCR(params={"Global.log_level": "warning", "Global.use_cls": False})
    engine._load_det_model()  # what the first step paid for
    engine._load_rec_model()
    result = {"load_ms": (time.perf_counter() - started) * 1000}
    for name, pixels in images.items():
        started = time.perf_counter()
        shot = decode_image_url(clocked(pixels, 99_999), param="bench")
        engine(shot.pixels, return_word_box=True)
        result[f"{name}_ms"] = (time.perf_counter() - started) * 1000
    return result


def cache_identity(first: Any, then: Any) -> dict[str, Any]:
    """The engine's OCR with its caches and without, in this process, on the bench's own
    screens: ``then`` read by a reader that read ``first`` before (and reuses what it can)
    must give exactly what a reader without caches gives. (A reader's first read computes
    everything, so ``first`` itself needs no comparison.)"""
    from console_app.engine.images import decode_image_url
    from console_app.engine.ocr import OcrReader

    cached, fresh = OcrReader(), OcrReader(reuse=False)
    before, after = (
        decode_image_url(clocked(pixels, 90_000 + n), param="bench").pixels
        for n, pixels in enumerate((first, then))
    )
    cached.read_pixels(before)
    identical = cached.read_pixels(after) == fresh.read_pixels(after)
    stats = cached.last_stats
    cached.close()
    fresh.close()
    return {"identical": identical, "cached_stats": stats}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from console_app.engine.images import decode_image_url

    text = grab()
    dialogs = [with_dialog(n) for n in range(args.ocr_steps)]
    app = app_only(text)
    counter = iter(range(1_000_000))

    async def cold_app_run() -> dict[str, Any]:
        engine, healthy, ready = launch()
        try:
            async with client_for(engine) as client:
                cold = await ocr_step(client, clocked(app, next(counter)))
                creates = await throughput(client, args.creates, None)
                creates_image = await throughput(
                    client, max(args.creates // 4, 10), clocked(app, next(counter))
                )
        finally:
            engine.stop()
        return {
            "ready_ms": ready,
            "healthy_ms": healthy,
            "cold_app_ms": cold,
            "creates_per_s": creates,
            "creates_per_s_image": creates_image,
        }

    async def text_run() -> dict[str, Any]:
        engine, healthy, ready = launch()
        changed: list[float] = []
        unchanged: list[float] = []
        closed: list[float] = []
        try:
            async with client_for(engine) as client:
                cold = await ocr_step(client, clocked(text, next(counter)))
                unchanged.append(await ocr_step(client, clocked(text, next(counter))))
                for dialog in dialogs:  # each dialog is new: its text was never read
                    changed.append(await ocr_step(client, clocked(dialog, next(counter))))
                    unchanged.append(await ocr_step(client, clocked(dialog, next(counter))))
                    closed.append(await ocr_step(client, clocked(text, next(counter))))
        finally:
            engine.stop()
        return {
            "ready_ms": ready,
            "healthy_ms": healthy,
            "cold_text_ms": cold,
            "changed_ms": changed,
            "unchanged_ms": unchanged,
            "closed_ms": closed,
        }

    runs = []
    for _ in range(args.runs):
        first = asyncio.run(cold_app_run())
        second = asyncio.run(text_run())
        runs.append(
            {
                "engine_ready_ms": percentile([first["ready_ms"], second["ready_ms"]], 50),
                "ready_ms": [first["ready_ms"], second["ready_ms"]],
                "healthy_ms": [first["healthy_ms"], second["healthy_ms"]],
                "ocr_cold_ms_app": first["cold_app_ms"],
                "ocr_cold_ms_text": second["cold_text_ms"],
                "ocr_changed_ms_p50": percentile(second["changed_ms"], 50),
                "ocr_changed_ms": second["changed_ms"],
                "ocr_unchanged_ms_p50": percentile(second["unchanged_ms"], 50),
                "ocr_unchanged_ms": second["unchanged_ms"],
                "ocr_closed_ms_p50": percentile(second["closed_ms"], 50),
                "creates_per_s": first["creates_per_s"],
                "creates_per_s_image": first["creates_per_s_image"],
            }
        )
    base = baseline({"app": app, "text": text})
    healthy = percentile([ms for run in runs for ms in run["healthy_ms"]], 50)
    identity = cache_identity(text, dialogs[0])
    print(f"    OCR with and without its caches, bench screens: identical={identity['identical']}")
    accuracy = ocr_accuracy.score(
        {
            name: decode_image_url(clocked(pixels, 80_000 + n), param="bench").pixels
            for n, (name, pixels) in enumerate(
                [("text", text), ("app", app), *((f"dialog{i}", d) for i, d in enumerate(dialogs))]
            )
        },
        DIALOGS,
    )
    print(
        "    OCR character errors against the text on the bench screens: 8-bit "
        f"{accuracy['int8']['error_rate']:.2%}, float {accuracy['float']['error_rate']:.2%}"
    )
    speed = yardstick()
    print(
        "    this machine, one thread: a 400-px line "
        f"{speed['rec_line_ms']:.1f} ms (8-bit), {speed['rec_line_float_ms']:.1f} ms (float);"
        f" a 256×256 detection tile {speed['det_tile_ms']:.1f} ms"
    )
    return {
        "runs": runs,
        "yardstick": speed,
        "cache_identity": identity,
        "ocr_accuracy": accuracy,
        "baseline": {
            "ocr_cold_ms_app": base["app_ms"],
            "ocr_cold_ms_text": base["text_ms"],
            "ocr_changed_ms": base["text_ms"],
            "ocr_unchanged_ms": base["text_ms"],
            "load_ms": base["load_ms"],
            # the engine answers /health, then the old path loaded its models on the first step
            "engine_ready_ms": healthy + base["load_ms"],
        },
        "load_average": os.getloadavg(),
    }


def yardstick(repeats: int = 15) -> dict[str, float]:
    """How fast this machine runs the engine's networks, one thread, on fixed synthetic input:
    the same on every machine, so two runs' absolute figures can be compared (a slower machine
    of the same kind ran onnxruntime about 3× slower; see docs/local-engine.md). Median ms."""
    import cv2
    import numpy as np

    from console_app.engine.ocr_models import Models

    models = Models()
    line = np.full((24, 400, 3), 255, np.uint8)
    cv2.putText(line, "Save changes to loop.py before 12:30?", (4, 18),
                cv2.FONT_HERSHEY_SIMPLEX, 0.55, (30, 30, 30), 1, cv2.LINE_AA)  # fmt: skip
    tile = np.full((256, 256, 3), 250, np.uint8)
    for row in range(8):
        cv2.putText(tile, f"line {row}: def run(task)", (6, 24 + row * 30),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)  # fmt: skip

    def median_ms(work: Any) -> float:
        for _ in range(3):
            work()
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            work()
            times.append((time.perf_counter() - started) * 1000)
        return percentile(times, 50)

    return {
        "rec_line_ms": median_ms(lambda: models.recognize(line)),
        "rec_line_float_ms": median_ms(lambda: models.read_label(line)),
        "det_tile_ms": median_ms(lambda: models.detect(tile)),
    }


def add_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--ocr-steps", type=int, default=5, help="dialogs opened (≤ 5 differ)")


if __name__ == "__main__":
    worker_main(run, add_args)
