"""Text on a screenshot: RapidOCR's networks, loaded at start, run off the event loop, and
work reused between steps by content.

Why these choices: RapidOCR's wheel ships its ONNX models (nothing is downloaded at run time,
so the engine works offline); the engine loads them in the background as soon as it starts
(`OcrReader.start_loading`), so the first step does not pay for them; OCR runs in a worker
thread (the planner's; the server keeps answering ``/health`` and other requests meanwhile)
and only when a step needs the screen (``type``/``press``/``wait`` never pay for it).

One read (`OcrReader.read`):

1. a screenshot seen before (same bytes) is answered from the result cache;
2. **detection** runs on the screen reduced by `DET_SCALE` (screen text is upright and crisp:
   the reduced image finds the same lines for less; much smaller loses small text), on the fixed
   tile grid of `regions`, each tile cached by the hash of its pixels;
3. **recognition** reads each line's crop of the *original* pixels, cached by the hash of the
   crop: between two steps most lines are pixel-identical and keep their text; a line changed
   by one character has other pixels and is read again;
4. detection tiles and recognition crops that are not cached run on every core at once.

The caches can only return what the networks would compute for the same pixels (see
`ocr_cache`), so a read with caches gives exactly the result of a read without them.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import cv2

from console_app.engine import regions
from console_app.engine.images import Screenshot
from console_app.engine.ocr_cache import ContentCache, pixel_key
from console_app.engine.ocr_models import Kernel, Models, Recognised, load, unclip

log = logging.getLogger(__name__)

CACHE_SIZE = 32  # whole screenshots
TILE_CACHE_SIZE = 1024  # detection tiles (a 1280×720 screen has 6)
CROP_CACHE_SIZE = 8192  # recognised lines
DET_SCALE = 0.875  # detection runs on the screen reduced to this (1280 px wide → 1120)…
DET_MAX_SIDE = 2000  # …and to at most this many pixels on its longer side
FLAT_RANGE = 8  # a tile whose pixel values span no more than this holds no text
TEXT_SCORE = 0.5  # lines read with less confidence are dropped (RapidOCR's default)
LOAD_TIMEOUT = 120.0


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
    runs in one), never on the event loop. Thread-safe. ``reuse=False`` turns the content
    caches off (every tile and line is computed again; for tests and the bench); ``models``:
    networks already loaded (another recogniser, for tests and the quantizer)."""

    def __init__(
        self,
        cache_size: int = CACHE_SIZE,
        *,
        reuse: bool = True,
        det_scale: float = DET_SCALE,
        workers: int | None = None,
        models: Models | None = None,
    ) -> None:
        self._models: Models | None = models
        self._load_error: BaseException | None = None
        self._loading: threading.Thread | None = None
        self._loaded = threading.Event()
        if models is not None:
            self._loaded.set()  # nothing to load
        self._start_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, OcrResult] = OrderedDict()
        self._cache_size = cache_size
        self.reuse = reuse
        self.det_scale = det_scale
        self._workers = max(1, workers or min(4, os.cpu_count() or 1))
        self._pool: ThreadPoolExecutor | None = None
        self.tiles: ContentCache[list[Kernel]] = ContentCache(TILE_CACHE_SIZE)
        self.crops: ContentCache[Recognised] = ContentCache(CROP_CACHE_SIZE)
        self.runs = 0  # reads actually performed (not answered by the screenshot cache)
        self.last_stats: dict[str, float] = {}
        self._lines_memo: dict[tuple[bytes, tuple[int, int, int, int]], TextLine] = {}

    # ------------------------------------------------------------------ loading

    @property
    def loaded(self) -> bool:
        """The networks are loaded and have run once."""
        return self._loaded.is_set() and self._models is not None

    def start_loading(self) -> None:
        """Load the models in a background thread (once); `read` waits for it."""
        with self._start_lock:
            if self._loading is None and not self._loaded.is_set():
                self._loading = threading.Thread(
                    target=self._load_now, name="ocr-load", daemon=True
                )
                self._loading.start()

    def warm_up(self) -> None:
        """Load the models now (blocking)."""
        self._wait_loaded()

    def _load_now(self) -> None:
        try:
            self._models = load()
        except BaseException as exc:  # surfaced by the next read, not lost in a thread
            log.exception("the OCR models could not be loaded")
            self._load_error = exc
        finally:
            self._loaded.set()

    def _wait_loaded(self) -> Models:
        self.start_loading()
        if not self._loaded.wait(LOAD_TIMEOUT):
            raise RuntimeError("the OCR models did not load in time")
        if self._models is None:
            raise RuntimeError(f"the OCR models could not be loaded ({self._load_error!r})")
        return self._models

    # ------------------------------------------------------------------ reading

    def read(self, shot: Screenshot) -> OcrResult:
        cached = self._cached(shot.digest)
        if cached is not None:
            return cached
        models = self._wait_loaded()
        with self._read_lock:
            # Another thread may have read the same image while this one waited.
            cached = self._cached(shot.digest)
            if cached is not None:
                return cached
            started = time.perf_counter()
            lines = self._read_lines(models, shot.pixels)
            seconds = time.perf_counter() - started
            self.runs += 1
            result = OcrResult(lines=lines, width=shot.width, height=shot.height, seconds=seconds)
            if self.reuse:
                with self._cache_lock:
                    self._cache[shot.digest] = result
                    while len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
        log.info(
            "OCR of a %d×%d screenshot: %d lines in %.2f s (detected %d of %d tiles, "
            "recognised %d of %d lines)",
            shot.width,
            shot.height,
            len(result.lines),
            seconds,
            self.last_stats.get("tiles_detected", 0),
            self.last_stats.get("tiles", 0),
            self.last_stats.get("lines_recognised", 0),
            self.last_stats.get("lines", 0),
        )
        return result

    def read_pixels(self, pixels: Any) -> tuple[TextLine, ...]:
        """The lines of a BGR image, bypassing the screenshot cache (tests, the bench)."""
        models = self._wait_loaded()
        with self._read_lock:
            return self._read_lines(models, pixels)

    def recognize(
        self, crops: Sequence[Any], *, pad_to: int | None = None
    ) -> list[tuple[str, float]]:
        """Text and score of each BGR crop, read as one line (no detection) by the float
        recogniser (`Models.read_label`): for a second pass on crops the caller chose (the
        enlarged labels of single-glyph buttons). Uses the loaded models, the line cache and
        every core, like `read`; ``pad_to``: see `Models.recognize`."""
        models = self._wait_loaded()
        salt = b"label" if pad_to is None else b"label-pad%d" % pad_to
        keys = [pixel_key(crop, salt) for crop in crops]
        found: list[Recognised | None] = [self.crops.get(k) if self.reuse else None for k in keys]
        todo = [i for i, r in enumerate(found) if r is None]
        for i, recognised in zip(
            todo,
            self._map(lambda i: models.read_label(crops[i], pad_to), todo),
            strict=True,
        ):
            found[i] = recognised
            if self.reuse:
                self.crops.put(keys[i], recognised)
        return [(r.text, r.score) if r is not None else ("", 0.0) for r in found]

    def close(self) -> None:
        with self._start_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _map(self, function: Any, items: list[Any]) -> list[Any]:
        if len(items) <= 1 or self._workers == 1:
            return [function(item) for item in items]
        with self._start_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="ocr")
            pool = self._pool
        return list(pool.map(function, items))

    def _read_lines(self, models: Models, pixels: Any) -> tuple[TextLine, ...]:
        height, width = pixels.shape[:2]
        scale = min(1.0, self.det_scale, DET_MAX_SIDE / max(width, height))
        small = pixels
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
        sy, sx = small.shape[0] / height, small.shape[1] / width
        grid = regions.tiles(small.shape[1], small.shape[0])
        found: list[list[Kernel] | None] = []
        keys: list[bytes] = []
        for tile in grid:
            key = pixel_key(small[tile.y0 : tile.y1, tile.x0 : tile.x1], b"det")
            keys.append(key)
            found.append(self.tiles.get(key) if self.reuse else None)
        for i, tile in enumerate(grid):
            if found[i] is None and _flat(small[tile.y0 : tile.y1, tile.x0 : tile.x1]):
                found[i] = []  # nothing to detect on a flat tile (e.g. the desktop background)
        missing = [i for i, kernels in enumerate(found) if kernels is None]
        det_started = time.perf_counter()
        detected = self._map(
            lambda i: models.detect(small[grid[i].y0 : grid[i].y1, grid[i].x0 : grid[i].x1]),
            missing,
        )
        for i, kernels in zip(missing, detected, strict=True):
            found[i] = kernels
            if self.reuse:
                self.tiles.put(keys[i], kernels)
        det_seconds = time.perf_counter() - det_started
        merged = regions.merge(
            [(tile, kernels or []) for tile, kernels in zip(grid, found, strict=True)]
        )
        boxes = [_image_box(k, sx, sy, width, height) for k in merged]
        boxes = [b for b in boxes if b[2] - b[0] >= 2 and b[3] - b[1] >= 2]
        crops = [pixels[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes]
        crop_keys = [pixel_key(crop, b"rec") for crop in crops]
        read: list[Recognised | None] = [
            self.crops.get(key) if self.reuse else None for key in crop_keys
        ]
        rec_started = time.perf_counter()
        todo = sorted(
            (i for i, r in enumerate(read) if r is None), key=lambda i: -crops[i].shape[1]
        )
        recognised_now = self._map(lambda i: models.recognize(crops[i]), todo)
        for i, recognised in zip(todo, recognised_now, strict=True):
            read[i] = recognised
            if self.reuse:
                self.crops.put(crop_keys[i], recognised)
        self.last_stats = {
            "tiles": len(grid),
            "tiles_detected": len(missing),
            "lines": len(boxes),
            "lines_recognised": len(todo),
            "detect_ms": det_seconds * 1000,
            "recognise_ms": (time.perf_counter() - rec_started) * 1000,
        }
        # A line is a pure function of what was read and where: reuse last read's objects.
        memo: dict[tuple[bytes, tuple[int, int, int, int]], TextLine] = {}
        lines = []
        for recognised, key, box in zip(read, crop_keys, boxes, strict=True):
            if recognised is None or not recognised.text.strip():
                continue
            if recognised.score < TEXT_SCORE:
                continue
            line = self._lines_memo.get((key, box)) or _line(recognised, box)
            memo[key, box] = line
            lines.append(line)
        self._lines_memo = memo if self.reuse else {}
        return tuple(sorted(lines, key=_reading_key))

    def _cached(self, digest: str) -> OcrResult | None:
        with self._cache_lock:
            result = self._cache.get(digest)
            if result is not None:
                self._cache.move_to_end(digest)
            return result


def _flat(pixels: Any) -> bool:
    """Every channel spans at most `FLAT_RANGE` values over the tile."""
    flat = pixels.reshape(-1, pixels.shape[-1]) if pixels.ndim == 3 else pixels.reshape(-1, 1)
    return bool((flat.max(axis=0).astype(int) - flat.min(axis=0)).max() <= FLAT_RANGE)


def _image_box(
    kernel: Kernel, sx: float, sy: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """A kernel in detection pixels → the integer crop box of its text in image pixels."""
    x0, y0, x1, y1 = unclip(kernel.x0, kernel.y0, kernel.x1, kernel.y1)
    return (
        max(0, round(x0 / sx)),
        max(0, round(y0 / sy)),
        min(width, round(x1 / sx)),
        min(height, round(y1 / sy)),
    )


def _line(recognised: Recognised, box: tuple[int, int, int, int]) -> TextLine:
    x0, y0, x1, y1 = box
    line_box = Box(float(x0), float(y0), float(x1), float(y1))
    return TextLine(
        text=recognised.text,
        score=recognised.score,
        box=line_box,
        words=_words(recognised, line_box),
    )


def _words(recognised: Recognised, box: Box) -> tuple[Word, ...]:
    """One word per space-separated run of characters, its box from where the recogniser
    placed its characters (a character is as wide as the line's typical spacing)."""
    text, columns = recognised.text, recognised.columns
    if len(columns) != len(text) or not text.strip():
        return ()
    steps = sorted(b - a for a, b in itertools.pairwise(columns) if b > a)
    pitch = steps[len(steps) // 2] if steps else box.width / max(1, len(text))
    words: list[Word] = []
    start: int | None = None
    for index, char in enumerate([*text, " "]):
        if char != " " and start is None:
            start = index
        elif char == " " and start is not None:
            left = max(box.x0, box.x0 + columns[start] - pitch / 2)
            right = min(box.x1, box.x0 + columns[index - 1] + pitch / 2)
            words.append(
                Word(
                    text=text[start:index],
                    score=recognised.score,
                    box=Box(left, box.y0, max(left, right), box.y1),
                )
            )
            start = None
    return tuple(words)


def _reading_key(line: TextLine) -> tuple[float, float]:
    return line.box.y0, line.box.x0
