"""The OCR reuses work between screens only where the pixels are the same — never stale text.

Two real readers (the engine's networks, no fakes): ``cached`` keeps its content caches from
screen to screen as the engine does, ``fresh`` has them off and computes everything again.
On every screen of a desktop-like sequence (a form and a code editor; a dialog opens and
closes; a clock ticks; one character of one line changes) both must give exactly the same
result, and the cached reader must have re-read only part of the screen.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw, ImageFont

from console_app.engine import regions
from console_app.engine.ocr import DET_SCALE, OcrReader
from console_app.engine.ocr_models import Kernel
from console_app.engine.server import bind, make_server

pytestmark = pytest.mark.slow

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
CODE = [
    "def total(items):",
    "    return sum(item.price for item in items)",
    "",
    "class Invoice:",
    "    number = 1234",
    "    currency = 'EUR'",
    "",
    "    def due(self, days=30):",
    "        return self.date + days",
]


def screen(
    *, invoice: str = "Invoice total: 1234 EUR", dialog: bool = False, clock: int | None = None
) -> npt.NDArray[np.uint8]:
    """A 1280×720 desktop (BGR): a form on the left, a code editor on the right."""
    image = Image.new("RGB", (1280, 720), (36, 40, 48))
    draw = ImageDraw.Draw(image)
    sans, title, mono = (ImageFont.truetype(SANS, 18), ImageFont.truetype(SANS, 24),
                         ImageFont.truetype(MONO, 14))  # fmt: skip
    draw.rectangle((20, 40, 620, 560), fill=(240, 240, 240))
    draw.text((40, 60), "Target App", fill=(20, 20, 20), font=title)
    for n, (label, y) in enumerate((("Address", 130), ("Name", 180), ("Notes", 230))):
        draw.text((40, y), label, fill=(20, 20, 20), font=sans)
        draw.rectangle((140, y - 4, 600, y + 26), outline=(150, 150, 150), fill=(255, 255, 255))
        if n == 1:
            draw.text((150, y), "Ada Lovelace", fill=(20, 20, 20), font=sans)
    draw.text((40, 300), invoice, fill=(20, 20, 20), font=sans)
    for n, label in enumerate(("OK", "Submit", "Cancel")):
        draw.rectangle((40 + n * 140, 480, 160 + n * 140, 520), fill=(225, 225, 225),
                       outline=(120, 120, 120))  # fmt: skip
        draw.text((60 + n * 140, 490), label, fill=(20, 20, 20), font=sans)
    draw.rectangle((660, 40, 1260, 700), fill=(255, 255, 255))
    for n, line in enumerate(CODE * 2):
        draw.text((670, 50 + n * 20), line, fill=(30, 30, 30), font=mono)
    if dialog:  # about a tenth of the screen, over the form and the editor
        draw.rectangle((420, 250, 840, 470), fill=(246, 246, 246), outline=(90, 90, 90))
        draw.text((440, 270), "Save changes before closing?", fill=(20, 20, 20), font=sans)
        draw.text((440, 320), "Your changes will be lost.", fill=(20, 20, 20), font=sans)
        for n, label in enumerate(("Discard", "Save")):
            draw.text((560 + n * 150, 420), label, fill=(20, 20, 20), font=sans)
    if clock is not None:
        draw.text((1180, 702), f"{clock:02d}:00", fill=(200, 200, 200), font=mono)
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


@pytest.fixture(scope="module")
def readers() -> Iterator[tuple[OcrReader, OcrReader]]:
    cached, fresh = OcrReader(), OcrReader(reuse=False)
    cached.warm_up()
    fresh.warm_up()
    yield cached, fresh
    cached.close()
    fresh.close()


def texts(lines: tuple[object, ...]) -> list[str]:
    return [line.text for line in lines]  # type: ignore[attr-defined]


def test_cached_and_fresh_reads_are_identical_and_only_changes_are_read_again(
    readers: tuple[OcrReader, OcrReader],
) -> None:
    cached, fresh = readers
    cached.tiles.clear()
    cached.crops.clear()
    steps = [
        ("first sight", screen(clock=1)),
        ("a dialog opened", screen(dialog=True, clock=1)),
        ("the dialog closed", screen(clock=1)),
        ("the clock ticked", screen(clock=2)),
    ]
    for what, pixels in steps:
        with_cache = cached.read_pixels(pixels)
        without = fresh.read_pixels(pixels)
        assert with_cache == without, what
        if what == "first sight":
            assert cached.last_stats["lines_recognised"] == cached.last_stats["lines"]
            found = " ".join(texts(with_cache))
            for expected in ("Target App", "Address", "Submit", "Invoice total: 1234 EUR"):
                assert expected in found
        else:  # something was reused, and what changed was read
            assert cached.last_stats["lines_recognised"] < cached.last_stats["lines"], what
            assert cached.last_stats["tiles_detected"] < cached.last_stats["tiles"], what
    assert "Save changes before closing?" in texts(cached.read_pixels(steps[1][1]))
    assert "Save changes before closing?" not in texts(cached.read_pixels(steps[2][1]))
    # The same screen again: nothing to detect, nothing to read.
    cached.read_pixels(steps[3][1])
    assert cached.last_stats["tiles_detected"] == 0
    assert cached.last_stats["lines_recognised"] == 0


def test_a_line_changed_by_one_character_is_read_again(
    readers: tuple[OcrReader, OcrReader],
) -> None:
    cached, fresh = readers
    before = cached.read_pixels(screen(invoice="Invoice total: 1234 EUR"))
    assert "Invoice total: 1234 EUR" in texts(before)
    after_pixels = screen(invoice="Invoice total: 1235 EUR")
    after = cached.read_pixels(after_pixels)
    assert "Invoice total: 1235 EUR" in texts(after)
    assert "Invoice total: 1234 EUR" not in texts(after)
    assert 1 <= cached.last_stats["lines_recognised"] < cached.last_stats["lines"]
    assert after == fresh.read_pixels(after_pixels)


def test_text_across_tile_borders_is_one_whole_line(readers: tuple[OcrReader, OcrReader]) -> None:
    _, fresh = readers
    image = Image.new("RGB", (1280, 720), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    # Detection runs at `DET_SCALE` of the image on cores of `regions.TILE_CORE` pixels: this
    # line crosses two vertical tile borders, and a horizontal one runs through its middle.
    border = regions.TILE_CORE / DET_SCALE
    sentence = "Quarterly report ready for review"
    draw.text((border - 150, border - 12), sentence, fill=(10, 10, 10),
              font=ImageFont.truetype(SANS, 22))  # fmt: skip
    lines = fresh.read_pixels(np.ascontiguousarray(np.asarray(image)[:, :, ::-1]))
    assert texts(lines) == [sentence]
    assert fresh.last_stats["tiles_detected"] >= 4  # the tiles around the line, not the rest


def test_merge_joins_one_row_across_tiles_and_nothing_else() -> None:
    left, right = regions.Tile(0, 0, 224, 224), regions.Tile(160, 0, 416, 224)
    joined = regions.merge(
        [
            (left, [Kernel(150, 100, 223, 112, 0.9), Kernel(10, 10, 60, 20, 0.8)]),
            (right, [Kernel(0, 101, 120, 112, 0.7), Kernel(10, 160, 50, 170, 0.6)]),
        ]
    )
    assert sorted((k.x0, k.y0, k.x1, k.y1, k.score) for k in joined) == [
        (10, 10, 60, 20, 0.8),  # alone
        (150, 100, 280, 112, 0.9),  # one row, cut by the tile border: joined
        (170, 160, 210, 170, 0.6),  # another row: not joined
    ]
    # Two kernels of one tile are the detector's call: never joined.
    same = regions.merge([(left, [Kernel(10, 10, 50, 20, 0.9), Kernel(50, 10, 90, 20, 0.9)])])
    assert len(same) == 2


def test_the_engine_loads_the_models_when_it_starts(tmp_path: Path) -> None:
    sock = bind("127.0.0.1", 0)
    try:
        _server, service = make_server(sock=sock, token="t" * 32, data_dir=tmp_path)
        deadline = time.monotonic() + 120
        while not service.ocr.loaded:  # no request has been made: the start loaded them
            assert time.monotonic() < deadline, "the OCR models did not load at start"
            time.sleep(0.02)
        assert service.ocr.runs == 0
        service.store.close()
    finally:
        sock.close()


def test_recognize_reads_given_crops_with_the_loaded_models(
    readers: tuple[OcrReader, OcrReader],
) -> None:
    cached, _ = readers
    pixels = screen()
    # The "Submit" button's label and the title, cut by hand (no detection).
    crops = [pixels[484:516, 196:296], pixels[56:92, 34:180]]
    assert [text for text, _ in cached.recognize(crops)] == ["Submit", "Target App"]
    hits = cached.crops.hits
    assert [text for text, _ in cached.recognize(crops)] == ["Submit", "Target App"]
    assert cached.crops.hits == hits + 2  # the same pixels: read from the cache
