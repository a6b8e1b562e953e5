"""Run the real engine for tests and draw real screenshots for it to read.

`engine_in_thread` serves the engine with uvicorn on 127.0.0.1 (a free port) in a thread —
the same app, service, store and OCR as ``console-app engine``, minus the process. Tests
that need the process itself (handshake, signals, restart) use the launcher instead.
"""

from __future__ import annotations

import asyncio
import base64
import io
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw, ImageFont

from console_app.engine.server import bind, make_server
from console_app.engine.service import EngineService

TOKEN = "test-engine-token-4f9b2c7d1e"
FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@dataclass
class RunningEngine:
    base_url: str
    token: str
    service: EngineService
    data_dir: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=self.headers, timeout=timeout)


@contextmanager
def engine_in_thread(data_dir: Path, *, token: str = TOKEN) -> Iterator[RunningEngine]:
    sock = bind("127.0.0.1", 0)
    server, service = make_server(sock=sock, token=token, data_dir=data_dir, warm_ocr=False)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="engine", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the engine thread did not start")
        time.sleep(0.01)
    port = sock.getsockname()[1]
    try:
        yield RunningEngine(f"http://127.0.0.1:{port}", token, service, data_dir)
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        service.store.close()
        assert not thread.is_alive(), "the engine thread did not stop"


def draw_screen(
    labels: Sequence[tuple[str, tuple[int, int]]],
    size: tuple[int, int] = (800, 600),
    *,
    fmt: str = "PNG",
    font_size: int = 22,
) -> bytes:
    """A light screen with dark text at the given top-left positions, encoded as PNG/JPEG."""
    image = Image.new("RGB", size, (240, 240, 240))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_PATH, font_size)
    for text, (x, y) in labels:
        draw.text((x, y), text, fill=(20, 20, 20), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def text_bounds(
    text: str, at: tuple[int, int], font_size: int = 22
) -> tuple[float, float, float, float]:
    """The pixel box (x0, y0, x1, y1) that `draw_screen` paints ``text`` into."""
    font = ImageFont.truetype(FONT_PATH, font_size)
    x0, y0, x1, y1 = font.getbbox(text)
    return at[0] + x0, at[1] + y0, at[0] + x1, at[1] + y1


def data_url(raw: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(raw).decode()}"


def user_turn(text: str, *images: str) -> list[dict[str, Any]]:
    """A first-turn ``input`` array: text plus screenshots as ``input_image`` blocks."""
    content: list[dict[str, Any]] = [{"type": "input_text", "text": text}]
    content.extend({"type": "input_image", "image_url": url} for url in images)
    return [{"role": "user", "content": content}]


def call_output(call_id: str, image: str, *, kind: str = "input_image") -> dict[str, Any]:
    return {
        "type": "computer_call_output",
        "call_id": call_id,
        "output": {"type": kind, "image_url": image},
    }


def computer_call(response: dict[str, Any]) -> dict[str, Any]:
    calls = [item for item in response["output"] if item["type"] == "computer_call"]
    assert len(calls) == 1, response["output"]
    return calls[0]


def reasoning_text(response: dict[str, Any]) -> str:
    return "\n".join(
        block["text"]
        for item in response["output"]
        if item["type"] == "reasoning"
        for block in item["summary"]
    )


def message_text(response: dict[str, Any]) -> str:
    return "\n".join(
        block["text"]
        for item in response["output"]
        if item["type"] == "message"
        for block in item["content"]
    )


def tool(width: int | None = None, height: int | None = None) -> list[dict[str, Any]]:
    spec: dict[str, Any] = {"type": "computer_use", "environment": "desktop"}
    if width is not None:
        spec["display_width"] = width
    if height is not None:
        spec["display_height"] = height
    return [spec]
