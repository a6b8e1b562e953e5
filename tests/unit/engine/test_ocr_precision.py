"""The engine reads screens with its 8-bit recogniser, and reads them as well as the float one.

`resources/ocr/` holds the recogniser the engine runs: RapidOCR's float model with its
convolutions quantized to 8 bits (``packaging/quantize_ocr.py``), 0.7× the time of a read.
These tests hold it to what it replaced, on a screen whose every line is known:

* the engine loads it (not the float model), and it was made from the very float model that
  the pinned RapidOCR wheel ships (a RapidOCR upgrade with other weights fails here until the
  recogniser is made again);
* its character error rate on that screen is no worse than the float model's, on the same
  detections and crops, and no line the float model reads exactly is lost;
* the enlarged labels of single-glyph buttons (the glyph pass's second look) are still read
  by the float model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw, ImageFont

from console_app.engine import ocr_models
from console_app.engine.glyphs import LABEL_MIN_WIDTH, label_text
from console_app.engine.matching import normalize_cased
from console_app.engine.ocr import OcrReader, TextLine

pytestmark = pytest.mark.slow

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
PROSE = [
    "The local engine is the console's built-in, offline backend.",
    "It answers in the dialect it is asked in: Lightcone or OpenAI.",
    "Replace the file report_2026.csv? It already exists in Downloads.",
    "Retrying in 30 seconds (attempt 2 of 5). Printer: Office LaserJet",
    "Your changes will be lost if you don't save them.",
]
CODE = [
    "async def run(self, task: str, *, budget: int = 20) -> RunResult:",
    "    for step in range(budget):",
    "        shot = await self._capture()  # 1280x720 JPEG",
    "        if decision.kind == 'reject': break",
    "    return RunResult(status='completed', steps=step + 1)",
    "assert total(items) == 1234.50, f'got {total(items)!r}'",
]
LABELS = ["OK", "Cancel", "Save As...", "Don't Save", "Retry now", "Work offline", "Submit"]
GLYPHS = list("0123456789+-=C")


@dataclass(frozen=True)
class Drawn:
    text: str
    box: tuple[int, int, int, int]


def known_screen() -> tuple[npt.NDArray[np.uint8], list[Drawn]]:
    """A 1280×720 screen (BGR) of prose, code and buttons in the sizes desktops use, and where
    each line was drawn."""
    image = Image.new("RGB", (1280, 720), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    drawn: list[Drawn] = []

    def text(x: int, y: int, line: str, font: ImageFont.FreeTypeFont) -> None:
        draw.text((x, y), line, fill=(25, 25, 25), font=font)
        x0, y0, x1, y1 = draw.textbbox((x, y), line, font=font)
        drawn.append(Drawn(line, (int(x0), int(y0), int(x1), int(y1))))

    y = 20
    for size in (13, 15, 18):
        font = ImageFont.truetype(SANS, size)
        for line in PROSE:
            text(20, y, line, font)
            y += size + 9
    draw.rectangle((660, 0, 1280, 460), fill=(30, 30, 30))
    y = 16
    for size in (12, 14):
        font = ImageFont.truetype(MONO, size)
        for line in CODE:
            draw.text((672, y), line, fill=(220, 220, 220), font=font)
            x0, y0, x1, y1 = draw.textbbox((672, y), line, font=font)
            drawn.append(Drawn(line, (int(x0), int(y0), int(x1), int(y1))))
            y += size + 8
    font = ImageFont.truetype(SANS, 14)
    for n, label in enumerate(LABELS):
        x, y = 20 + n * 150, 560
        draw.rectangle((x, y, x + 130, y + 34), fill=(225, 225, 225), outline=(150, 150, 150))
        width = draw.textlength(label, font=font)
        text(round(x + (130 - width) / 2), y + 9, label, font)
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1]), drawn


def glyph_crops() -> list[npt.NDArray[np.uint8]]:
    """Enlarged single-glyph button labels, as the glyph pass crops them."""
    font = ImageFont.truetype(SANS, 40)
    crops = []
    for glyph in GLYPHS:
        image = Image.new("RGB", (64, 64), (236, 236, 236))
        ImageDraw.Draw(image).text((32, 32), glyph, fill=(20, 20, 20), font=font, anchor="mm")
        crops.append(np.ascontiguousarray(np.asarray(image)[:, :, ::-1]))
    return crops


def distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def squeeze(text: str) -> str:
    """The form the engine compares text in (`matching.normalize_cased`: NFKC, so a
    full-width ``，`` is a ``,``), without whitespace."""
    return re.sub(r"\s+", "", normalize_cased(text))


def scored(lines: tuple[TextLine, ...], drawn: list[Drawn]) -> tuple[int, int, set[str]]:
    """Errors (edit distance, in `squeeze` form) over all drawn lines, the characters drawn,
    and the drawn lines read exactly. A drawn line's reading is every line whose centre lies in
    its box, left to right; a line never read counts all its characters as errors."""
    errors = total = 0
    exact: set[str] = set()
    for item in drawn:
        x0, y0, x1, y1 = item.box
        parts = sorted(
            (line for line in lines if x0 - 4 <= line.box.center[0] <= x1 + 4
             and y0 - 4 <= line.box.center[1] <= y1 + 4),
            key=lambda line: line.box.x0,
        )  # fmt: skip
        read = squeeze("".join(line.text for line in parts))
        wrong = distance(read, squeeze(item.text))
        errors += wrong
        total += len(squeeze(item.text))
        if wrong == 0:
            exact.add(f"{item.text}@{item.box}")
    return errors, total, exact


@pytest.fixture(scope="module")
def readers() -> Iterator[tuple[OcrReader, OcrReader]]:
    engine = OcrReader(reuse=False)
    source = ocr_models.Models(recogniser=ocr_models.model_dir() / ocr_models.REC_SOURCE)
    source.warm()
    reference = OcrReader(reuse=False, models=source)
    yield engine, reference
    engine.close()
    reference.close()


def test_the_engine_runs_the_8_bit_recogniser_made_from_the_pinned_float_model() -> None:
    path = ocr_models.rec_model_path()
    assert path.name == ocr_models.REC_MODEL
    models = ocr_models.load()
    assert models.rec_precision.startswith("int8 convolutions")
    meta = models.rec.get_modelmeta().custom_metadata_map
    source = ocr_models.model_dir() / ocr_models.REC_SOURCE
    assert meta["console_app.source"] == ocr_models.REC_SOURCE
    assert meta["console_app.source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest(), (
        "RapidOCR's float recogniser changed: run packaging/quantize_ocr.py again"
    )
    # Same alphabet as the float model: the output layer kept every class.
    reference = ocr_models.Models(recogniser=source)
    assert models.charset == reference.charset


def test_reads_a_known_screen_at_least_as_well_as_the_float_model(
    readers: tuple[OcrReader, OcrReader],
) -> None:
    engine, reference = readers
    pixels, drawn = known_screen()
    errors, total, exact = scored(engine.read_pixels(pixels), drawn)
    ref_errors, ref_total, ref_exact = scored(reference.read_pixels(pixels), drawn)
    assert total == ref_total > 1200
    rate, ref_rate = errors / total, ref_errors / ref_total
    print(f"character errors: 8-bit {errors}/{total} ({rate:.2%}), float {ref_rate:.2%}")
    assert rate <= ref_rate + 0.002
    assert rate < 0.02
    assert len(exact) >= len(ref_exact) - 1
    assert len(exact) >= 0.8 * len(drawn)


def test_single_glyph_labels_are_read_by_the_float_recogniser(
    readers: tuple[OcrReader, OcrReader],
) -> None:
    """The glyph pass's second look stays on the float model: on a lone thin symbol the
    8-bit convolutions lose strokes (``-`` read as ``•``), and its rules were tuned on the
    float model's readings."""
    engine, reference = readers
    crops = glyph_crops()
    width = LABEL_MIN_WIDTH
    read = engine.recognize(crops, pad_to=width)
    # The reference reads everything with the float model.
    assert read == reference.recognize(crops, pad_to=width)
    texts = [label_text(text) for text, _ in read]
    assert sum(text == glyph for text, glyph in zip(texts, GLYPHS, strict=True)) >= len(GLYPHS) - 1
