"""Buttons labelled with one glyph: find small button-like boxes, read their enlarged labels.

Why a second pass: the text detector is trained on words. On a calculator it finds most
digits but misses or misreads lone symbols (``+ - * / = . ( )``) and short labels, because
they are tiny, thin or look like noise. A person sees them because they sit in a *button*: a
small box with a border. So this pass

1. finds small boxes whose outline follows a rectangle (`find_buttons`, OpenCV contours on an
   edge map without the pieces too small to be a button — 3–9 ms on a 1280×720 screen);
2. keeps the boxes whose label the first pass did not read confidently (no line with score
   ≥ `TRUSTED_SCORE` inside, a lone non-ASCII character never counting as confident) and
   whose label is short (its ink is at most `MAX_INK_ASPECT` times as wide as the box is
   tall);
3. recognises each label from the button's interior scaled up to the recogniser's input
   height (the glyph keeps its size relative to the button, so ``.`` stays a dot), with a
   margin of background around it (`GlyphReader`: the engine's recogniser, one label per
   input);
   a label whose ink is one small solid blob low in the button is a decimal point (too small
   for the recogniser, plain by its shape);
4. replaces what the first pass read inside that box by the label when its score is at least
   `MIN_GLYPH_SCORE` (letters, digits) or `MIN_SYMBOL_SCORE` (symbols) (`merge_glyphs`); a
   lone letter or digit whose ink is wider than `MAX_CHAR_ASPECT` of its height is an icon
   (a circled "i" read as "1") and is dropped.
   The new line's box is the label's ink.

Nothing here decides what to click: the lines it returns go through the same matching rules
as every other line (``engine/matching.py``).
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from console_app.engine.ocr import Box, OcrReader, TextLine
from console_app.engine.ocr_models import LABEL_MIN_WIDTH, REC_HEIGHT

log = logging.getLogger(__name__)

MIN_SIDE = 18  # smaller boxes hold icons (window decorations), not labels
MAX_WIDTH = 160
MAX_HEIGHT = 100
INSET = 3
TRUSTED_SCORE = 0.9
MIN_GLYPH_SCORE = 0.5
MIN_SYMBOL_SCORE = 0.3
MAX_INK_ASPECT = 1.8
MAX_BUTTONS = 80
MAX_CHAR_ASPECT = 0.9  # ink width / height of a lone letter or digit; wider is an icon
BAND = 32  # rows of the interior around the label: tall buttons keep glyphs readable

Pixels = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class ControlLine(TextLine):
    """A line that is the label of a button-like box (``button``): what a person clicks."""

    button: Box | None = None


@dataclass(frozen=True)
class Label:
    """A button whose label should be read again: the button, its label's ink, the crop."""

    button: Box
    ink: Box
    crop: Pixels
    shape: str | None = None  # a label recognised by its shape alone (a lone dot: ".")
    close: Pixels | None = None  # the ink alone, enlarged: for a second look


def find_buttons(pixels: Pixels) -> list[Box]:
    """Small boxes whose outline is a rectangle (borders of buttons, keys, cells)."""
    edges = outline_edges(pixels)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    rects: set[tuple[int, int, int, int]] = set()
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (MIN_SIDE <= w <= MAX_WIDTH and MIN_SIDE <= h <= MAX_HEIGHT):
            continue
        if w > 4 * h or h > 3 * w:
            continue
        pts = contour.reshape(-1, 2)
        to_edge = np.minimum(
            np.minimum(pts[:, 0] - x, x + w - 1 - pts[:, 0]),
            np.minimum(pts[:, 1] - y, y + h - 1 - pts[:, 1]),
        )
        if float((to_edge <= 3).mean()) < 0.9:
            continue
        rects.add((x, y, w, h))
    kept: list[tuple[int, int, int, int]] = []
    for rect in sorted(rects, key=lambda r: (r[2] * r[3], r[1], r[0])):
        if any(_same(rect, other) for other in kept):
            continue
        kept.append(rect)
    return [Box(x, y, x + w, y + h) for x, y, w, h in kept]


def outline_edges(pixels: Pixels, *, prune: bool = True) -> Pixels:
    """The edge map the outlines are traced on. ``prune`` drops every 8-connected piece of
    edge whose bounding box is under `MIN_SIDE` in width or height (the strokes of text:
    thousands on a screen of code, which made the contour search cost 25–40 ms). That
    cannot change what `find_buttons` finds: a contour lies within its piece's box, so such a
    piece has no contour of a button's size, and a contour follows the pixels of one piece
    only, so no other contour changes (`tests/unit/engine/test_screen_text.py` compares)."""
    edges = np.asarray(cv2.Canny(cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY), 20, 60), np.uint8)
    if not prune:
        return edges
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(edges, connectivity=8)
    keep = (stats[:, cv2.CC_STAT_WIDTH] >= MIN_SIDE) & (stats[:, cv2.CC_STAT_HEIGHT] >= MIN_SIDE)
    keep[0] = False  # the background
    lookup = np.where(keep, 255, 0).astype(np.uint8)
    pruned: Pixels = lookup[labels]
    return pruned


def _same(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return all(abs(p - q) <= t for p, q, t in zip(a, b, (4, 4, 8, 8), strict=True))


def labels_to_read(
    pixels: Pixels, buttons: Sequence[Box], lines: Sequence[TextLine]
) -> list[Label]:
    """The buttons whose short label the first pass did not read confidently."""
    gray = np.asarray(cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    out: list[Label] = []
    for button in buttons:
        inside = [ln for ln in lines if _contains(button, ln.box.center)]
        if any(_trusted(ln) for ln in inside):
            continue
        label = _label(pixels, gray, button)
        if label is not None:
            out.append(label)
        if len(out) >= MAX_BUTTONS:
            break
    return out


_STROKE_LOOKALIKES = frozenset("1lI|/\\")
"""Lone strokes the line recogniser confuses with each other (a button's ``/`` confidently read
as ``1``): always read again from the enlarged crop."""


def _trusted(line: TextLine) -> bool:
    """A confident first-pass reading; a lone non-ASCII character (``ó`` for ``6``) or a lone
    stroke (``1`` for ``/``) is a misreading too often to be trusted, whatever its score."""
    text = line.text.strip()
    if len(text) == 1 and text in _STROKE_LOOKALIKES:
        return False
    return line.score >= TRUSTED_SCORE and (len(text) >= 2 or text.isascii())


def _label(pixels: Pixels, gray: Pixels, button: Box) -> Label | None:
    x0, y0 = int(button.x0) + INSET, int(button.y0) + INSET
    x1, y1 = int(button.x1) - INSET, int(button.y1) - INSET
    if x1 - x0 < 6 or y1 - y0 < 6:
        return None
    inner = gray[y0:y1, x0:x1].astype(np.int16)
    background = int(np.median(inner))
    ink = np.abs(inner - background) > 60
    ys, xs = np.nonzero(ink)
    if len(xs) == 0:
        return None
    ix0, ix1, iy0, iy1 = int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max())
    h, w = inner.shape
    if ix0 == 0 or iy0 == 0 or ix1 == w - 1 or iy1 == h - 1:
        return None  # the "ink" touches the border: not a label inside a button
    if ix1 - ix0 + 1 > MAX_INK_ASPECT * h:
        return None  # a long label: the text detector reads those
    # The label's row band of the interior (full interior height keeps glyph sizes honest),
    # with the label's columns and a margin of background on each side.
    band = min(h, BAND)
    top = min(max(0, (iy0 + iy1) // 2 - band // 2), h - band)
    margin = max(4, band // 3)
    cx0, cx1 = max(0, ix0 - margin), min(w, ix1 + 1 + margin)
    crop = np.ascontiguousarray(pixels[y0 + top : y0 + top + band, x0 + cx0 : x0 + cx1])
    scale = REC_HEIGHT / crop.shape[0]
    big = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    pad = REC_HEIGHT // 2
    fill = [int(v) for v in np.median(crop.reshape(-1, 3), axis=0)]
    big = cv2.copyMakeBorder(big, 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=fill)
    ink_box = Box(x0 + ix0, y0 + iy0, x0 + ix1 + 1, y0 + iy1 + 1)
    iw, ih = ix1 - ix0 + 1, iy1 - iy0 + 1
    dot = (
        abs(iw - ih) <= 1
        and max(iw, ih) <= max(3, 0.15 * min(h, BAND))
        and float(ink[iy0 : iy1 + 1, ix0 : ix1 + 1].mean()) >= 0.5
        and iy0 >= h * 0.35  # at the baseline or the middle, not an accent at the top
    )
    return Label(
        button=button,
        ink=ink_box,
        crop=np.asarray(big, dtype=np.uint8),
        shape="." if dot else None,
        close=_close_crop(pixels, ink_box),
    )


def _close_crop(pixels: Pixels, ink: Box) -> Pixels:
    """The label's ink alone with a margin, scaled so the ink fills 70 % of the input height:
    the second look when the first one read something no button is labelled with."""
    height, width = pixels.shape[:2]
    ih = int(ink.height)
    m = max(4, ih // 2)
    crop = pixels[
        max(0, int(ink.y0) - m) : min(height, int(ink.y1) + m),
        max(0, int(ink.x0) - m) : min(width, int(ink.x1) + m),
    ]
    scale = 0.7 * REC_HEIGHT / max(crop.shape[0], 1)
    big = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    pad = big.shape[0] // 2
    fill = [int(v) for v in np.median(crop.reshape(-1, 3), axis=0)]
    big = cv2.copyMakeBorder(big, pad // 2, pad // 2, pad, pad, cv2.BORDER_CONSTANT, value=fill)
    return np.ascontiguousarray(big, dtype=np.uint8)


_LABEL_SYMBOLS = set("÷×−←→↑↓⌫✓√π²")


def plain_label(text: str) -> bool:
    """What buttons are labelled with: printable ASCII and a few key symbols (a lone CJK
    character or accented letter read for a glyph is a misreading)."""
    return bool(text) and all(
        (ch.isascii() and ch.isprintable()) or ch in _LABEL_SYMBOLS for ch in text
    )


def read_labels(reader: GlyphReader, labels: Sequence[Label]) -> list[tuple[str, float]]:
    """Each label read from its button crop; a reading that is not accepted (a lone CJK
    character, too low a score) is read again from the close crop, which wins if accepted."""
    first = reader.read([label.crop for label in labels])
    for i, (text, score) in enumerate(first):
        close = labels[i].close
        if close is None or accepted(label_text(text), score):
            continue
        # One at a time: in a batch every crop is padded to the widest, which changes readings.
        ((again, again_score),) = reader.read([close])
        if accepted(label_text(again), again_score):
            first[i] = (again, again_score)
    return first


def label_text(text: str) -> str:
    """A recognised label as the engine compares it (`clean_label`, a lone ``o`` is ``0``)."""
    return _as_digit(clean_label(text))


def _contains(box: Box, point: tuple[float, float]) -> bool:
    return box.x0 <= point[0] <= box.x1 and box.y0 <= point[1] <= box.y1


# What the recogniser (trained on Chinese and English) reads for a lone symbol in a button.
# (A lone "o"/"O" on a button is read as a zero, see `_as_digit`.)
_LOOKALIKES = {"·": ".", "•": ".", "十": "+", "一": "-", "ー": "-", "二": "="}


def clean_label(text: str) -> str:
    """NFKC (full-width ``（`` → ``(``), no spaces; a CJK look-alike read for a lone symbol
    (``十`` for ``+``, ``·`` for ``.``) becomes that symbol."""
    text = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    return _LOOKALIKES.get(text, text)


def _as_digit(text: str) -> str:
    """A lone ``o``/``O`` on a button is a zero (no key is labelled with the letter O)."""
    return "0" if text in ("o", "O") else text


def accepted(text: str, score: float) -> bool:
    """Symbols are read with lower scores than letters and digits, and a symbol accepted by
    mistake can only be clicked when asked for by that very symbol."""
    if not plain_label(text):
        return False
    if any(ch.isalnum() for ch in text):
        return score >= MIN_GLYPH_SCORE
    return score >= MIN_SYMBOL_SCORE


def merge_glyphs(
    lines: Sequence[TextLine],
    labels: Sequence[Label],
    read: Sequence[tuple[str, float]],
    buttons: Sequence[Box] = (),
) -> tuple[TextLine, ...]:
    """``lines`` with the first pass's reading inside each re-read button replaced by the
    label read there; lines lying well inside a button become `ControlLine` s."""
    replaced: list[Box] = []
    added: list[TextLine] = []
    for label, (text, score) in zip(labels, read, strict=True):
        if any(_contains(line.box, label.ink.center) for line in added):
            continue  # the same label seen through a second outline of the same button
        text = label_text(text)
        if label.shape is not None:  # too small for the recogniser, plain by its shape
            text, score = label.shape, max(score, MIN_GLYPH_SCORE)
        if not accepted(text, score) or _icon_read_as_character(text, label.ink):
            continue
        replaced.append(label.button)
        added.append(ControlLine(text=text, score=float(score), box=label.ink, button=label.button))
    out: list[TextLine] = []
    for line in lines:
        if any(_contains(b, line.box.center) for b in replaced):
            continue
        button = next((b for b in buttons if _inside(line.box, b)), None)
        if button is not None:
            line = ControlLine(line.text, line.score, line.box, line.words, button=button)
        out.append(line)
    return (*out, *added)


def _icon_read_as_character(text: str, ink: Box) -> bool:
    """A lone letter or digit whose ink is as wide as it is tall is an icon the recogniser
    took for a character (a circled "i" read as "1"): digits and the letters on keys are
    taller than wide. ``x`` (read for ``×``) is square by nature and exempt."""
    if len(text) != 1 or not text.isalnum() or text in "xX":
        return False
    return ink.width > MAX_CHAR_ASPECT * ink.height


def _inside(box: Box, button: Box, slack: float = 2.0) -> bool:
    """The line lies in the button (its padded box may reach the border, not beyond)."""
    return (
        _contains(button, box.center)
        and box.x0 >= button.x0 - slack
        and box.y0 >= button.y0 - slack
        and box.x1 <= button.x1 + slack
        and box.y1 <= button.y1 + slack
    )


class GlyphReader:
    """Reads enlarged button labels with the engine's own recogniser (`OcrReader.recognize`:
    the models loaded at start, the line cache, every core): no second copy of the network,
    nothing loaded on the first screen. The labels of one call are read as one batch would
    be: every input padded to the widest label (at least `LABEL_MIN_WIDTH`), the input the
    recogniser's label readings were tuned on. Thread-safe."""

    def __init__(self, ocr: OcrReader) -> None:
        self._ocr = ocr

    def read(self, crops: Sequence[Pixels]) -> list[tuple[str, float]]:
        if not crops:
            return []
        started = time.perf_counter()
        widest = max(c.shape[1] / max(1, c.shape[0]) for c in crops)
        width = int(REC_HEIGHT * max(LABEL_MIN_WIDTH / REC_HEIGHT, widest))
        result = self._ocr.recognize(crops, pad_to=width)
        log.info("read %d button label(s) in %.2f s", len(crops), time.perf_counter() - started)
        return result
