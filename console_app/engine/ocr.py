"""Text on a screenshot: RapidOCR, loaded once, run off the event loop, cached per image.

Why these choices: RapidOCR's wheel ships its ONNX models (nothing is downloaded at run time,
so the engine works offline); a screen takes ~0.5–1.5 s on two cores, so it runs in a worker
thread (the planner's; the server keeps answering ``/health`` and other requests meanwhile)
behind a lock (one model, one inference at a time); OCR runs only when a step needs the screen
(``type``/``press``/``wait`` never pay for it); and a screenshot that comes back unchanged (a
re-planned step, a ``check`` after a no-op) is read from the cache instead of recognised again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from console_app.engine.images import Screenshot

log = logging.getLogger(__name__)

CACHE_SIZE = 32


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in screenshot pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    @classmethod
    def from_points(cls, points: Any) -> Box:
        xs = [float(p[0]) for p in points]
        ys = [float(p[1]) for p in points]
        return cls(min(xs), min(ys), max(xs), max(ys))


@dataclass(frozen=True)
class Word:
    text: str
    score: float
    box: Box


@dataclass(frozen=True)
class TextLine:
    """One line of recognised text, with its words when the recogniser could split them."""

    text: str
    score: float
    box: Box
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class OcrResult:
    lines: tuple[TextLine, ...]
    width: int
    height: int
    seconds: float


class OcrReader:
    """The process-wide OCR. ``read(shot)`` blocks: call it from a worker thread (the planner
    runs in one), never on the event loop. Thread-safe; results are cached by image digest."""

    def __init__(self, cache_size: int = CACHE_SIZE) -> None:
        self._engine: Any = None
        self._engine_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, OcrResult] = OrderedDict()
        self._cache_size = cache_size
        self.runs = 0  # recognitions actually performed (cache misses), for tests and /health

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def warm_up(self) -> None:
        """Load the models now (the first load takes about a second)."""
        with self._engine_lock:
            self._load()

    def read(self, shot: Screenshot) -> OcrResult:
        cached = self._cached(shot.digest)
        if cached is not None:
            return cached
        with self._engine_lock:
            # Another thread may have read the same image while this one waited.
            cached = self._cached(shot.digest)
            if cached is not None:
                return cached
            engine = self._load()
            started = time.perf_counter()
            output = engine(shot.pixels, return_word_box=True)
            seconds = time.perf_counter() - started
            self.runs += 1
            result = OcrResult(
                lines=_lines(output), width=shot.width, height=shot.height, seconds=seconds
            )
            with self._cache_lock:
                self._cache[shot.digest] = result
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        log.info(
            "OCR of a %d×%d screenshot: %d lines in %.2f s",
            shot.width,
            shot.height,
            len(result.lines),
            seconds,
        )
        return result

    def _cached(self, digest: str) -> OcrResult | None:
        with self._cache_lock:
            result = self._cache.get(digest)
            if result is not None:
                self._cache.move_to_end(digest)
            return result

    def _load(self) -> Any:
        if self._engine is None:
            started = time.perf_counter()
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
            from rapidocr import RapidOCR

            # Screens are upright: the text-direction classifier only costs time.
            self._engine = RapidOCR(params={"Global.log_level": "warning", "Global.use_cls": False})
            log.info("OCR models loaded in %.2f s", time.perf_counter() - started)
        return self._engine


def _lines(output: Any) -> tuple[TextLine, ...]:
    texts = list(getattr(output, "txts", None) or ())
    scores = list(getattr(output, "scores", None) or ())
    boxes = getattr(output, "boxes", None)
    box_list = list(boxes) if boxes is not None else []
    word_results = list(getattr(output, "word_results", None) or ())
    lines: list[TextLine] = []
    for index, (text, score, points) in enumerate(zip(texts, scores, box_list, strict=False)):
        words: tuple[Word, ...] = ()
        if index < len(word_results) and len(texts) == len(word_results):
            words = tuple(
                Word(text=str(w[0]), score=float(w[1]), box=Box.from_points(w[2]))
                for w in word_results[index]
                if len(w) >= 3 and str(w[0]).strip()
            )
        lines.append(
            TextLine(text=str(text), score=float(score), box=Box.from_points(points), words=words)
        )
    return tuple(lines)
