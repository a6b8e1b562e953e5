"""The local engine on its own: create throughput without OCR, and OCR step latency.

The engine runs as the console runs it (`api.local_engine.LocalEngine`, a child process on a
loopback port); the bench talks to it with the console's `ResponsesClient` over one keep-alive
connection, one request at a time:

* **creates per second, no OCR**: ``input: "wait 0"`` — the planner's trivial step (no
  screenshot, nothing to read): the cost of HTTP, validation, storage and planning;
* the same with a 1280×720 JPEG screenshot attached (the engine decodes every image it gets,
  but a ``wait`` step does not read it);
* **full OCR step latency at 1280×720**: ``click OK`` with a 1280×720 JPEG of the real screen:
  decode, OCR, find the text, answer. OCR time grows with the amount of text on the screen, so
  two screens are measured: the target app alone (everything else a flat background — the
  kind of screen the engine's docs quote) and the whole scene (the target app and the text
  windows full of source code). The engine caches OCR by image digest, so every request's
  image differs (a changing number is drawn into a corner away from the text the step looks
  for); p50 and p95 per run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import time
from typing import Any

from bench.common import worker_main
from bench.stats import percentile


def screenshots(count: int, *, app_only: bool = False) -> list[str]:
    """``count`` different 1280×720 JPEG data URLs of the current screen (``app_only``: only
    the target app's rectangle kept, the rest a flat background)."""
    import cv2

    from bench.scene import TARGET_GEOMETRY
    from console_app.capture.encode import decode, encode
    from console_app.capture.screen import ScreenCapturer

    with ScreenCapturer() as capturer:
        shot = capturer.capture()
    if (shot.width, shot.height) != (1280, 720):
        raise RuntimeError(f"expected a 1280×720 capture, got {shot.width}×{shot.height}")
    pixels = decode(shot.data)
    if app_only:
        scale = shot.width / 1920
        x, y, w, h = (round(v * scale) for v in TARGET_GEOMETRY)
        app = pixels[y : y + h, x : x + w].copy()
        pixels[:] = (48, 40, 36)
        pixels[y : y + h, x : x + w] = app
    urls = []
    for n in range(count):
        image = pixels.copy()
        cv2.putText(image, f"{n:05d}", (8, 712), cv2.FONT_HERSHEY_PLAIN, 1.0, (90, 90, 90), 1)
        data = encode(image, "jpeg", 80)
        urls.append("data:image/jpeg;base64," + base64.b64encode(data).decode("ascii"))
    return urls


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


async def ocr_latencies(client: Any, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        started = time.perf_counter()
        response = await client.create(model="local", input=image_input("click OK", url))
        times.append((time.perf_counter() - started) * 1000)
        calls = [item for item in response.output if getattr(item, "type", "") == "computer_call"]
        if not calls or "click" not in str(calls[0]):
            raise RuntimeError(f"the OCR step did not find OK: {response.output_text()}")
    return times


def run(args: argparse.Namespace) -> dict[str, Any]:
    from console_app.api.client import ResponsesClient
    from console_app.api.local_engine import LocalEngine

    urls = screenshots(args.runs * args.ocr_steps + 1, app_only=True)
    full_urls = screenshots(args.runs * args.ocr_full_steps)
    with LocalEngine() as engine:

        async def main() -> dict[str, Any]:
            client = ResponsesClient(base_url=engine.base_url, api_key=engine.token, read_env=False)
            async with client:
                await ocr_latencies(client, urls[:1])  # the OCR models are warm
                runs = []
                for n in range(args.runs):
                    batch = urls[1 + n * args.ocr_steps : 1 + (n + 1) * args.ocr_steps]
                    ocr = await ocr_latencies(client, batch)
                    full_batch = full_urls[n * args.ocr_full_steps : (n + 1) * args.ocr_full_steps]
                    full = await ocr_latencies(client, full_batch)
                    runs.append(
                        {
                            "creates_per_s": await throughput(client, args.creates, None),
                            "creates_per_s_image": await throughput(
                                client, max(args.creates // 4, 10), urls[0]
                            ),
                            "ocr_p50_ms": percentile(ocr, 50),
                            "ocr_p95_ms": percentile(ocr, 95),
                            "ocr_ms": ocr,
                            "ocr_full_p50_ms": percentile(full, 50),
                            "ocr_full_p95_ms": percentile(full, 95),
                            "ocr_full_ms": full,
                        }
                    )
                return {"runs": runs, "image_bytes": len(urls[0])}

        return asyncio.run(main())


def add_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--ocr-steps", type=int, default=10)
    parser.add_argument("--ocr-full-steps", type=int, default=3)


if __name__ == "__main__":
    worker_main(run, add_args)
