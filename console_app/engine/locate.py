"""Find a piece of text among the OCR lines of a screenshot — or say it is not there and why.

The comparison rules (normalisation, numbers and identifiers, what fuzzy may forgive) are in
``engine/matching.py``. The search goes in three tiers, the first that finds anything winning:

1. **exact** — a whole line is the text (case, spacing and punctuation around it aside);
2. **substring** — the text inside a line, as whole words: the characters next to it are a
   space, the end of the line or punctuation (a symbol target like ``+`` needs a space or the
   line's end, so ``+`` is not found in ``+/-``). Spacing aside: OCR may drop or add a space,
   and a capital letter after a small one counts as a word start (``FileEditView``). A match
   never cuts a number or an identifier in two (``234`` is not in ``1234``, ``report_1.txt``
   is not in ``report_1.txt.bak``). Its box is cut from the recogniser's word boxes when it
   gave them, else proportionally to character positions.
3. **fuzzy** — only for pointer targets, never for ``check`` (``whole=True``): a run of as many
   words as the text has, each equal or within the OCR-noise rule of `matching.compare_tokens`.

Several equally good matches (same tier, same rank): the label of a button-like box (a
`glyphs.ControlLine`) beats other text, then the first in reading order (top to bottom, then
left to right) is taken, and `Match.others` lists the rest so the reasoning can
name them. Nothing found: a `Miss` with the closest look-alike and why it was not taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from console_app.engine.glyphs import ControlLine
from console_app.engine.matching import (
    FUZZY_THRESHOLD,
    READ_AS,
    Verdict,
    compare_tokens,
    key,
    normalize,
    normalize_cased,
    protected,
    same_key,
    similarity,
    strip_token,
)
from console_app.engine.ocr import Box, OcrResult, TextLine

__all__ = ["CLOSEST_MIN", "FUZZY_THRESHOLD", "Match", "Miss", "locate", "substring_box"]

MatchKind = Literal["exact", "substring", "fuzzy"]
CLOSEST_MIN = 0.6  # a closest text less similar than this is not named in the reasoning


@dataclass(frozen=True)
class Match:
    target: str
    matched_text: str
    line: TextLine
    box: Box
    kind: MatchKind
    similarity: float
    candidates: int
    others: tuple[tuple[str, Box], ...] = field(default=())

    @property
    def ocr_score(self) -> float:
        return self.line.score


@dataclass(frozen=True)
class Miss:
    target: str
    best_text: str | None
    best_similarity: float
    reason: str | None = None  # why the closest text was not taken


@dataclass(frozen=True)
class _Found:
    rank: tuple[float, ...]
    line: TextLine
    start: int
    end: int
    similarity: float = 1.0


@dataclass
class _Closest:
    text: str | None = None
    similarity: float = 0.0
    reason: str | None = None
    strong: bool = False  # a partial hit: the most telling look-alike, kept over fuzzy ones

    def offer(self, text: str, sim: float, reason: str, *, strong: bool = False) -> None:
        if (strong, sim) > (self.strong, self.similarity):
            self.text, self.similarity, self.reason, self.strong = text, sim, reason, strong


def _reading_order(line: TextLine) -> tuple[int, float]:
    row = max(8.0, line.box.height / 2)
    return int(line.box.center[1] // row), line.box.x0


def locate(target: str, ocr: OcrResult, *, whole: bool = False) -> Match | Miss:
    """``whole=True`` (``check``): exact or whole-word hits only, never fuzzy."""
    tkey = key(target)
    if not tkey:
        return Miss(target=target, best_text=None, best_similarity=0.0)
    lines = sorted(ocr.lines, key=_reading_order)
    closest = _Closest()
    exact = [
        _Found((_control(ln),), ln, 0, len(normalize(ln.text)))
        for ln in lines
        if _is_exact(tkey, ln.text)
    ]
    if not exact and tkey in READ_AS:  # "×" read as a lone "x" on a button
        exact = [
            _Found((_control(ln),), ln, 0, len(normalize(ln.text)))
            for ln in lines
            if normalize(ln.text) in READ_AS[tkey] and isinstance(ln, ControlLine)
        ]
    if exact:
        return _match(target, exact, "exact")
    found = _substrings(tkey, lines, closest)
    if found:
        return _match(target, found, "substring")
    fuzzy = _fuzzy(tkey, lines, closest)
    if fuzzy and not whole:
        return _match(target, fuzzy, "fuzzy")
    if fuzzy:
        best = fuzzy[0]
        text = normalize(best.line.text)[best.start : best.end]
        closest.offer(
            text,
            1.0,
            "a check needs the exact text, and this only looks like it",
            strong=True,
        )
    return Miss(target, closest.text, closest.similarity, closest.reason)


def _control(line: TextLine) -> int:
    """0 for the label of a button-like box (what a person clicks), 1 for other text."""
    return 0 if isinstance(line, ControlLine) else 1


def _is_exact(tkey: str, text: str) -> bool:
    other = key(text)
    return same_key(other, tkey) or other.replace(" ", "") == tkey.replace(" ", "")


def _match(target: str, found: list[_Found], kind: MatchKind) -> Match:
    best_rank = min(f.rank for f in found)
    best = [f for f in found if f.rank == best_rank]
    first = best[0]
    boxes = [substring_box(f.line, f.start, f.end) for f in best]
    texts = [normalize(f.line.text)[f.start : f.end] for f in best]
    if kind == "exact":
        texts[0] = first.line.text
    others = tuple(
        (f.line.text if kind == "exact" else t, b)
        for f, t, b in zip(best[1:], texts[1:], boxes[1:], strict=True)
    )
    return Match(target, texts[0], first.line, boxes[0], kind, first.similarity, len(best), others)


def _spellings(tkey: str) -> list[str]:
    compact = tkey.replace(" ", "")
    spellings = [compact]
    for other in ("×", "*", "÷", "/", "←", "⌫"):
        if other != compact and same_key(compact, other):
            spellings.append(other)
    return spellings


def _substrings(tkey: str, lines: list[TextLine], closest: _Closest) -> list[_Found]:
    found: list[_Found] = []
    for line in lines:
        norm = normalize(line.text)
        cased = normalize_cased(line.text)
        if len(cased) != len(norm):
            cased = norm
        index = [i for i, ch in enumerate(norm) if ch != " "]
        compact = "".join(norm[i] for i in index)
        for spelling in _spellings(tkey):
            pos = compact.find(spelling)
            while pos >= 0:
                start, end = index[pos], index[pos + len(spelling) - 1] + 1
                verdict = _boundaries(norm, cased, start, end)
                if verdict is None:
                    camel = _is_camel(cased, start - 1, start) or _is_camel(cased, end - 1, end)
                    rank = (1 if camel else 0, _control(line), len(norm) - (end - start))
                    found.append(_Found(rank, line, start, end))
                else:
                    closest.offer(norm, 1.0, verdict, strong=True)
                pos = compact.find(spelling, pos + 1)
    return found


def _boundaries(norm: str, cased: str, start: int, end: int) -> str | None:
    """Why ``norm[start:end]`` is not a whole-word hit (None: it is one)."""
    part = norm[start:end]
    for inner, outer in ((start, start - 1), (end - 1, end)):
        if outer < 0 or outer >= len(norm) or norm[outer] == " ":
            continue
        a, b = norm[inner], norm[outer]
        if a.isalnum() and not b.isalnum():
            continue  # "Name" in "Name:", "1234" in "(1234)"
        if a.isalnum() and b.isalpha() and a.isalpha():
            left, right = (outer, inner) if outer < inner else (inner, outer)
            if _is_camel(cased, left, right):
                continue  # "Edit" in "FileEditView": a space OCR dropped
        return f'"{part}" is only part of "{_token_at(norm, outer)}"'
    for m in re.finditer(r"\S+", norm):
        token = m.group()
        core = strip_token(token)
        c0 = m.start() + token.find(core)
        c1 = c0 + len(core)
        if c1 <= start or c0 >= end or not protected(core):
            continue
        if c0 < start or c1 > end:
            return f'"{part}" would cut the number or identifier "{core}" in two'
    return None


def _is_camel(cased: str, left: int, right: int) -> bool:
    if left < 0 or right >= len(cased):
        return False
    return cased[left].islower() and cased[right].isupper()


def _token_at(norm: str, index: int) -> str:
    for m in re.finditer(r"\S+", norm):
        if m.start() <= index < m.end():
            return m.group()
    return norm


def _fuzzy(tkey: str, lines: list[TextLine], closest: _Closest) -> list[_Found]:
    want = tkey.split()
    found: list[_Found] = []
    for line in lines:
        norm = normalize(line.text)
        spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", norm)]
        if not spans:
            continue
        windows = [
            (spans[i][0], spans[i + len(want) - 1][1]) for i in range(len(spans) - len(want) + 1)
        ]
        for start, end in windows:
            verdict = compare_tokens(want, norm[start:end].split())
            if verdict.ok:
                rank = (verdict.edits, _control(line), -verdict.similarity)
                found.append(_Found(rank, line, start, end, verdict.similarity))
            else:
                closest.offer(norm[start:end], verdict.similarity, verdict.reason)
        if not windows or len(spans) != len(want):
            sim = similarity(" ".join(want), norm)
            closest.offer(norm, sim, _too_different(sim, compare_tokens(want, norm.split())))
    return found


def _too_different(sim: float, verdict: Verdict) -> str:
    return verdict.reason or f"similarity {sim:.2f} is below {FUZZY_THRESHOLD:.2f}"


def substring_box(line: TextLine, start: int, end: int) -> Box:
    """The box of characters ``start:end`` of the line's normalised text."""
    box = line.box
    norm = normalize(line.text)
    joined = " ".join(normalize(w.text) for w in line.words)
    if line.words and joined == norm:
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
    length = max(1, len(norm))
    return Box(
        box.x0 + box.width * start / length, box.y0, box.x0 + box.width * end / length, box.y1
    )
