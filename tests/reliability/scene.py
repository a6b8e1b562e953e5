"""A deterministic, display-free screen: a rendered window with labelled buttons, as a JPEG.

Why a rendered image and not a real grab: the reliability suite is about the network and the
loop, not about X. The local engine still grounds every ``click`` with real OCR on these real
JPEG pixels, so the coordinates it returns are checked against where the buttons were drawn.
Every capture returns the same bytes: the engine's OCR cache then reads the scene once per
process, which keeps the suite fast.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from console_app.capture.mapping import ViewportMapping
from console_app.capture.monitors import Monitor
from console_app.capture.screen import Screenshot

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WIDTH, HEIGHT = 1280, 720
MONITOR = Monitor(index=1, left=0, top=0, width=WIDTH, height=HEIGHT, is_primary=True)


@dataclass(frozen=True)
class Button:
    label: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in screen (= viewport) pixels

    def contains(self, x: float, y: float) -> bool:
        x0, y0, x1, y1 = self.box
        return x0 <= x <= x1 and y0 <= y <= y1


BUTTONS = (
    Button("Open", (80, 80, 280, 150)),
    Button("Save", (380, 80, 580, 150)),
    Button("Submit", (680, 480, 900, 550)),
)


@cache
def scene_jpeg() -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_PATH, 30)
    draw.rectangle((0, 0, WIDTH, 40), fill=(60, 70, 90))
    draw.text((16, 4), "Reliability scene", fill=(255, 255, 255), font=font)
    for button in BUTTONS:
        draw.rectangle(button.box, fill=(205, 215, 235), outline=(50, 60, 90), width=2)
        x0, y0, _, _ = button.box
        draw.text((x0 + 24, y0 + 16), button.label, fill=(10, 10, 10), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def button(label: str) -> Button:
    return next(b for b in BUTTONS if b.label == label)


class SceneScreen:
    """The loop's `ScreenSource`: every capture is the scene, 1:1 on a 1280×720 monitor."""

    def __init__(self) -> None:
        self.captures = 0
        self.masks: list[tuple[tuple[int, int, int, int], ...]] = []

    def capture(self, mask: Sequence[tuple[int, int, int, int]] = ()) -> Screenshot:
        self.captures += 1
        self.masks.append(tuple(mask))
        mapping = ViewportMapping(viewport_width=WIDTH, viewport_height=HEIGHT, monitor=MONITOR)
        return Screenshot(
            data=scene_jpeg(),
            mime="image/jpeg",
            width=WIDTH,
            height=HEIGHT,
            mapping=mapping,
            grab_ms=0.5,
            scale_ms=0.0,
            encode_ms=0.0,
            captured_at=time.time(),
        )
