"""Find a piece of text among the OCR lines of a screenshot — or say it is not there.

Matching is case-insensitive, ignores repeated spaces and punctuation around a line (a label
``Name:`` matches ``Name``), and goes in three tiers, the first that finds anything winning:

1. **exact** — a whole line equals the target (also with all spaces removed, because OCR
   sometimes drops or adds one);
2. **substring** — the target occurs inside a line. Its box is cut out of the line: from the
   recogniser's word boxes when it gave them, else proportionally to character positions.
   Whole-word occurrences beat partial ones, then the line closest in length to the target.
   Targets shorter than 4 characters only match whole words.
3. **fuzzy** — ``difflib`` similarity of the target to a line, or to a run of words of about
   the target's length, of at least `FUZZY_THRESHOLD` (0.80). Targets shorter than 4
   characters are never matched fuzzily.

Several equally good matches: the first in reading order (top to bottom, left to right) is
taken, and the reasoning says how many there were. Below the threshold nothing is returned:
the caller reports what was missing instead of guessing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from console_app.engine.ocr import Box, OcrResult, TextLine

FUZZY_THRESHOLD = 0.80
MIN_PARTIAL_LENGTH = 4

MatchKind = Literal["exact", "substring", "fuzzy"]


@dataclass(frozen=True)
class Match:
    target: str
    matched_text: str
    line: TextLine
    box: Box
    kind: MatchKind
    similarity: float
    candidates: int

    @property
    def ocr_score(self) -> float:
        return self.line.score


@dataclass(frozen=True)
class Miss:
    target: str
    best_text: str | None
    best_similarity: float


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_EDGE_PUNCT = " \t:;,.*•·|>«»\"'()[]{}"


def normalize(text: str) -> str:
    return " ".join(text.translate(_QUOTES).lower().split())


def _key(text: str) -> str:
    return normalize(text).strip(_EDGE_PUNCT)


def _reading_order(line: TextLine) -> tuple[int, float]:
    row = max(8.0, line.box.height / 2)
    return int(line.box.center[1] // row), line.box.x0


def locate(target: str, ocr: OcrResult) -> Match | Miss:
    key = _key(target)
    if not key:
        return Miss(target=target, best_text=None, best_similarity=0.0)
    lines = sorted(ocr.lines, key=_reading_order)
    exact = [ln for ln in lines if _is_exact(key, ln.text)]
    if exact:
        line = exact[0]
        return Match(target, line.text, line, line.box, "exact", 1.0, len(exact))
    substring = _substring(key, target, lines)
    if substring is not None:
        return substring
    return _fuzzy(key, target, lines)


def _is_exact(key: str, text: str) -> bool:
    other = _key(text)
    return other == key or other.replace(" ", "") == key.replace(" ", "")


def _substring(key: str, target: str, lines: list[TextLine]) -> Match | None:
    found: list[tuple[tuple[int, int], TextLine, int]] = []
    for line in lines:
        text = normalize(line.text)
        for m in re.finditer(re.escape(key), text):
            start, end = m.start(), m.end()
            whole = _boundary(text, start - 1) and _boundary(text, end)
            if not whole and len(key) < MIN_PARTIAL_LENGTH:
                continue
            rank = (0 if whole else 1, len(text) - len(key))
            found.append((rank, line, start))
            break
    if not found:
        return None
    best_rank = min(rank for rank, _, _ in found)
    best = [(line, start) for rank, line, start in found if rank == best_rank]
    line, start = best[0]
    box = substring_box(line, start, start + len(key))
    matched = normalize(line.text)[start : start + len(key)]
    return Match(target, matched, line, box, "substring", 1.0, len(best))


def _boundary(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalnum()


def substring_box(line: TextLine, start: int, end: int) -> Box:
    """The box of characters ``start:end`` of the line's normalised text."""
    box = line.box
    joined = " ".join(normalize(w.text) for w in line.words)
    if line.words and joined == normalize(line.text):
        parts: list[Box] = []
        offset = 0
        for word in line.words:
            length = len(normalize(word.text))
            w_start, w_end = offset, offset + length
            lo, hi = max(start, w_start), min(end, w_end)
            if lo < hi and length:
                wb = word.box
                parts.append(
                    Box(
                        wb.x0 + wb.width * (lo - w_start) / length,
                        wb.y0,
                        wb.x0 + wb.width * (hi - w_start) / length,
                        wb.y1,
                    )
                )
            offset = w_end + 1
        if parts:
            return Box(
                min(p.x0 for p in parts),
                min(p.y0 for p in parts),
                max(p.x1 for p in parts),
                max(p.y1 for p in parts),
            )
    length = max(1, len(normalize(line.text)))
    return Box(
        box.x0 + box.width * start / length, box.y0, box.x0 + box.width * end / length, box.y1
    )


def _fuzzy(key: str, target: str, lines: list[TextLine]) -> Match | Miss:
    best: tuple[float, TextLine, int, int] | None = None
    count = 0
    for line in lines:
        for ratio, start, end in _fuzzy_candidates(key, normalize(line.text)):
            if best is None or ratio > best[0] + 1e-9:
                best, count = (ratio, line, start, end), 1
            elif abs(ratio - best[0]) <= 1e-9 and line is not best[1]:
                count += 1
    if best is None:
        return Miss(target=target, best_text=None, best_similarity=0.0)
    ratio, line, start, end = best
    text = normalize(line.text)
    if ratio < FUZZY_THRESHOLD or len(key) < MIN_PARTIAL_LENGTH:
        return Miss(target=target, best_text=text[start:end], best_similarity=ratio)
    box = substring_box(line, start, end)
    return Match(target, text[start:end], line, box, "fuzzy", ratio, count)


def _fuzzy_candidates(key: str, text: str) -> list[tuple[float, int, int]]:
    """Similarity of ``key`` to the whole line and to runs of words of about its length."""
    out = [(_ratio(key, text), 0, len(text))]
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    n = len(key.split())
    for size in {max(1, n - 1), n, n + 1}:
        if size >= len(spans):
            continue
        for i in range(len(spans) - size + 1):
            start, end = spans[i][0], spans[i + size - 1][1]
            out.append((_ratio(key, text[start:end]), start, end))
    return out


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
