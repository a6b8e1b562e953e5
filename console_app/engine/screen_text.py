"""All the text a person can see on a screenshot: OCR without blind spots, plus button glyphs.

`ScreenText.read` is what a turn's `Screen` calls. It

1. **pads** the screenshot by `PAD` pixels of its own border colour (the median of its
   outermost pixel ring) before the text detector sees it. Without the margin, text touching
   an edge of the image (a window at ``+0+0``, a label in a screen corner) loses its outer
   strokes and is missed or misread (``BotLeft`` read as ``Botl eft``). Boxes are shifted back
   and clipped to the screenshot, so coordinates are those of the screenshot as sent;
2. runs the **single-glyph pass** of ``engine/glyphs.py`` on the screenshot: small buttons
   whose label the detector did not read confidently are recognised again from an enlarged
   crop (``+ - × ÷ = . ( )``, digits, ``C``, arrows);
3. caches the result by screenshot digest (a re-planned step reads it again for free).

The OCR itself (models, threads, its own cache) is `OcrReader`'s business (``engine/ocr.py``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import cv2
import numpy as np

from console_app.engine.glyphs import (
    GlyphReader,
    find_buttons,
    labels_to_read,
    merge_glyphs,
    read_labels,
)
from console_app.engine.images import Screenshot
from console_app.engine.ocr import Box, OcrReader, OcrResult, TextLine, Word

log = logging.getLogger(__name__)

PAD = 16
CACHE_SIZE = 32


def pad_screenshot(shot: Screenshot, pad: int = PAD) -> Screenshot:
    """``shot`` with a ``pad``-pixel margin of its border colour on every side."""
    pixels = shot.pixels
    ring = np.concatenate(
        [pixels[0, :], pixels[-1, :], pixels[:, 0], pixels[:, -1]], axis=0
    ).reshape(-1, 3)
    colour = [int(v) for v in np.median(ring, axis=0)]
    padded = cv2.copyMakeBorder(pixels, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=colour)
    return Screenshot(
        width=shot.width + 2 * pad,
        height=shot.height + 2 * pad,
        digest=f"{shot.digest}:pad{pad}",
        pixels=np.ascontiguousarray(padded, dtype=np.uint8),
    )


def _shift(box: Box, pad: int, width: int, height: int) -> Box:
    return Box(
        min(max(box.x0 - pad, 0.0), float(width)),
        min(max(box.y0 - pad, 0.0), float(height)),
        min(max(box.x1 - pad, 0.0), float(width)),
        min(max(box.y1 - pad, 0.0), float(height)),
    )


def unpad_lines(
    lines: Iterable[TextLine], pad: int, width: int, height: int
) -> tuple[TextLine, ...]:
    """Lines found on the padded image, in the original screenshot's pixels."""
    out: list[TextLine] = []
    for line in lines:
        box = _shift(line.box, pad, width, height)
        if box.width <= 0 or box.height <= 0:
            continue  # only the margin: nothing of the screenshot
        words = tuple(Word(w.text, w.score, _shift(w.box, pad, width, height)) for w in line.words)
        out.append(TextLine(line.text, line.score, box, words))
    return tuple(out)


T = TypeVar("T")


def _timed(function: Callable[..., T], *args: object) -> tuple[T, float]:
    started = time.perf_counter()
    return function(*args), time.perf_counter() - started


class ScreenText:
    """Reads screenshots for the planner; thread-safe, results cached by digest."""

    def __init__(self, ocr: OcrReader, glyphs: GlyphReader | None = None) -> None:
        self.ocr = ocr
        self.glyphs = glyphs or GlyphReader(ocr)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, OcrResult] = OrderedDict()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="buttons")

    def read(self, shot: Screenshot) -> OcrResult:
        with self._lock:
            cached = self._cache.get(shot.digest)
            if cached is not None:
                self._cache.move_to_end(shot.digest)
                return cached
        # The button outlines are found on the other core while the OCR runs (both release
        # the GIL); the OCR has to finish before the labels can be chosen.
        finding = self._pool.submit(_timed, find_buttons, shot.pixels)
        base = self.ocr.read(pad_screenshot(shot))
        lines = unpad_lines(base.lines, PAD, shot.width, shot.height)
        buttons, find_seconds = finding.result()
        started = time.perf_counter()
        labels = labels_to_read(shot.pixels, buttons, lines)
        read = read_labels(self.glyphs, labels)
        lines = merge_glyphs(lines, labels, read, buttons)
        glyph_seconds = time.perf_counter() - started
        log.info(
            "glyph pass: %d button(s) found in %.3f s (beside the OCR), %d label(s) read in %.3f s",
            len(buttons),
            find_seconds,
            len(labels),
            glyph_seconds,
        )
        result = OcrResult(
            lines=lines,
            width=shot.width,
            height=shot.height,
            seconds=base.seconds + glyph_seconds,
        )
        with self._lock:
            self._cache[shot.digest] = result
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return result
