"""The two OCR networks (text detection, text recognition) run directly with onnxruntime.

The models are RapidOCR's (its wheel ships them: nothing is downloaded); the pipeline around
them is ours, because a screen is not a photo and the engine reads many screens that differ
only a little:

* **loading is cheap and early**: only onnxruntime, OpenCV and numpy are imported (RapidOCR's
  own pipeline imports omegaconf, requests, shapely… ≈1 s on a busy machine), and `warm`
  runs both networks once so the first real screen pays no first-run allocations;
* **detection** (`detect`) runs on an image already reduced by the caller; its boxes are
  axis-aligned (screen text is upright: no angle classifier, no rotated crops);
* **recognition** (`recognize`) runs the recogniser with its convolutions in 8-bit integers
  (`REC_MODEL`, made from RapidOCR's float model by ``packaging/quantize_ocr.py``: 0.68× the
  time per line, and at least as accurate on screen text, see ``docs/local-engine.md``); it
  reads crops of the *original* pixels, one crop per inference,
  padded (as the model was trained: zeros after normalisation) to a width that depends only
  on that crop: a crop's text and score are a function of
  its own pixels and nothing else (in a batch, onnxruntime's results differ in the last bits
  with the batch's other members), which is what lets the recogniser's cache be exact.
  Each call runs on one thread; the caller runs several at once (`OcrReader` uses both cores).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import math
import os
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

DET_MODEL = "PP-OCRv6_det_small.onnx"  # from RapidOCR's wheel
REC_SOURCE = "PP-OCRv6_rec_small.onnx"  # RapidOCR's float recogniser, what REC_MODEL is made from
REC_MODEL = "PP-OCRv6_rec_small.int8.onnx"  # in resources/ocr/ (shipped with the console)
REC_HEIGHT = 48
REC_INPUT = "x"  # the recognisers' input tensor
REC_WIDTH_STEP = 32  # a crop's input is padded to a multiple of this
REC_MIN_WIDTH = 64
REC_MAX_WIDTH = 48 * 120  # longer lines are squeezed (a 1280-px line of 8-px text fits)
LABEL_MIN_WIDTH = 2 * REC_HEIGHT  # a button label's input is at least this wide (padded)
DET_THRESHOLD = 0.3  # probability that a pixel belongs to text
BOX_THRESHOLD = 0.5  # mean probability inside a box for it to count
UNCLIP_RATIO = 1.4  # RapidOCR uses 1.6 on whole images; tiles at 1120 px give fatter kernels
MIN_BOX_SIDE = 3

Image = npt.NDArray[np.uint8]


def model_dir() -> Path:
    """RapidOCR's bundled models, found without importing RapidOCR's pipeline."""
    bundle = getattr(sys, "_MEIPASS", None)  # the installed (PyInstaller) app
    if bundle and (Path(bundle) / "rapidocr" / "models" / DET_MODEL).exists():
        return Path(bundle) / "rapidocr" / "models"
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the rapidocr package (which ships the OCR models) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def rec_model_path() -> Path:
    """The recogniser the engine runs: ``resources/ocr/`` of a checkout, or the copy of
    ``resources/`` that the wheel and the installed app carry as ``console_app/_resources``."""
    package = Path(__file__).resolve().parent.parent  # console_app/
    for resources in (package / "_resources", package.parent / "resources"):
        if (resources / "ocr" / REC_MODEL).exists():
            return resources / "ocr" / REC_MODEL
    raise RuntimeError(f"the OCR recogniser {REC_MODEL} is missing (resources/ocr/)")


@dataclass(frozen=True)
class Kernel:
    """A detected text region in detection pixels, before it is grown back (``unclip``)."""

    x0: int
    y0: int
    x1: int
    y1: int
    score: float


@dataclass(frozen=True)
class Recognised:
    """What the recogniser read in one crop. ``columns``: the crop-relative x centre (in crop
    pixels) of each character of ``text``, for word boxes."""

    text: str
    score: float
    columns: tuple[float, ...]


class Models:
    """Both sessions. Thread-safe: onnxruntime sessions may run concurrently. ``directory``:
    where the detector is (RapidOCR's models); ``recogniser``: the recogniser's file
    (`rec_model_path` unless given: the quantizer passes the float source)."""

    def __init__(self, directory: Path | None = None, recogniser: Path | None = None) -> None:
        import onnxruntime as ort

        directory = directory or model_dir()
        recogniser = recogniser or rec_model_path()
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1  # parallelism is the caller's: one crop per thread
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = ["CPUExecutionProvider"]

        def session(path: Path) -> Any:
            return ort.InferenceSession(str(path), options, providers=providers)

        # Building a session releases the GIL: build them at once, on every core.
        with ThreadPoolExecutor(2, thread_name_prefix="ocr-load") as pool:
            det = pool.submit(session, directory / DET_MODEL)
            labels = pool.submit(session, directory / REC_SOURCE)
            self.rec = session(recogniser)
            self.det = det.result()
            self.label_rec = labels.result()
        self._det_in = self.det.get_inputs()[0].name
        for rec in (self.rec, self.label_rec):
            if [i.name for i in rec.get_inputs()] != [REC_INPUT]:
                raise RuntimeError(f"a recogniser's input is not {REC_INPUT!r}")
        meta = self.rec.get_modelmeta().custom_metadata_map
        # Class 0 is the CTC blank; the last class is a space.
        self.charset: tuple[str, ...] = ("", *meta["character"].splitlines(), " ")
        self.rec_precision = meta.get("console_app.precision", "float32")

    def warm(self) -> None:
        """Run both networks once (the first inference allocates and plans)."""
        blank = np.full((64, 96, 3), 255, np.uint8)
        cv2.putText(blank, "ok", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
        self.detect(blank)
        self.recognize(blank[10:50])
        self.read_label(blank[10:50], LABEL_MIN_WIDTH)

    # ------------------------------------------------------------------ detection

    def detect(self, image: Any) -> list[Kernel]:
        """Text kernels of ``image`` (BGR), in its own pixels. Its sides are padded to
        multiples of 32 (with its edge pixels), as the network needs."""
        height, width = image.shape[:2]
        pad_h, pad_w = -height % 32, -width % 32
        if pad_h or pad_w:
            image = cv2.copyMakeBorder(image, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
        tensor = _normalise(image)[np.newaxis]
        prob = self.det.run(None, {self._det_in: tensor})[0][0, 0, :height, :width]
        return _kernels(prob)

    # ------------------------------------------------------------------ recognition

    def recognize(self, crop: Image, pad_to: int | None = None) -> Recognised:
        """Text of one crop read as one line. Its input is padded to a multiple of
        `REC_WIDTH_STEP`, or, with ``pad_to``, to exactly that width (a wider crop is
        squeezed to it)."""
        return self._read(self.rec, crop, pad_to)

    def read_label(self, crop: Image, pad_to: int | None = None) -> Recognised:
        """Like `recognize`, with the float recogniser: for the enlarged labels of
        single-glyph buttons. A lone thin symbol is where 8-bit convolutions lose a stroke
        (``-`` read as ``•``), and the glyph pass's rules were tuned on the float model's
        readings; there are few labels and they are small."""
        return self._read(self.label_rec, crop, pad_to)

    def _read(self, session: Any, crop: Image, pad_to: int | None) -> Recognised:
        height, width = crop.shape[:2]
        if height < 1 or width < 1:
            return Recognised("", 0.0, ())
        tensor, target = rec_input(crop, pad_to)
        probs = session.run(None, {REC_INPUT: tensor})[0][0]
        return self._decode(
            probs, steps_per_pixel=probs.shape[0] / tensor.shape[3], crop_scale=width / target
        )

    def _decode(self, probs: Any, *, steps_per_pixel: float, crop_scale: float) -> Recognised:
        best = probs.argmax(axis=1)
        confidence = probs[np.arange(len(best)), best]  # the max, without a second pass
        keep = best != 0
        keep[1:] &= best[1:] != best[:-1]
        indices = np.flatnonzero(keep)
        if len(indices) == 0:
            return Recognised("", 0.0, ())
        charset = self.charset
        text = "".join(charset[int(best[i])] if best[i] < len(charset) else "" for i in indices)
        score = float(np.round(np.mean(confidence[indices]), 5))
        pixels_per_step = 1.0 / steps_per_pixel
        columns = tuple(float((i + 0.5) * pixels_per_step * crop_scale) for i in indices)
        return Recognised(text, score, columns)


def rec_input(crop: Image, pad_to: int | None = None) -> tuple[npt.NDArray[np.float32], int]:
    """The recogniser's input for a (non-empty) crop, and the width its pixels fill in it."""
    height, width = crop.shape[:2]
    target = min(REC_MAX_WIDTH, max(1, math.ceil(REC_HEIGHT * width / height)))
    if pad_to is not None:
        target = min(target, pad_to)
        padded_width = pad_to
    else:
        padded_width = max(REC_MIN_WIDTH, math.ceil(target / REC_WIDTH_STEP) * REC_WIDTH_STEP)
    resized = cv2.resize(crop, (target, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
    tensor = np.zeros((1, 3, REC_HEIGHT, padded_width), np.float32)
    tensor[0, :, :, :target] = _normalise(resized)
    return tensor, target


def _normalise(image: Any) -> npt.NDArray[np.float32]:
    """HWC uint8 BGR → CHW float32 in [-1, 1] (the models' training normalisation)."""
    scaled = image.astype(np.float32) * (2.0 / 255.0) - 1.0
    return np.ascontiguousarray(scaled.transpose(2, 0, 1))


def _kernels(prob: Any) -> list[Kernel]:
    mask = (prob > DET_THRESHOLD).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    kernels: list[Kernel] = []
    for contour in contours[:1000]:
        x, y, w, h = cv2.boundingRect(contour)
        if min(w, h) < MIN_BOX_SIDE:
            continue
        region = np.zeros((h, w), np.uint8)
        cv2.fillPoly(region, [contour - (x, y)], 1)
        score = float(cv2.mean(prob[y : y + h, x : x + w], region)[0])
        if score < BOX_THRESHOLD:
            continue
        # Extents between the outermost pixel centres, as a rotated-rectangle fit would give.
        kernels.append(Kernel(x, y, x + w - 1, y + h - 1, score))
    return kernels


def unclip(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    """Grow a text kernel back to the text's extent (the DB detector's rule for a rectangle:
    by area × ratio / perimeter on every side)."""
    width, height = x1 - x0, y1 - y0
    distance = width * height * UNCLIP_RATIO / max(1e-6, 2 * (width + height))
    return x0 - distance, y0 - distance, x1 + distance, y1 + distance


_preloading: Future[Models] | None = None
_preload_lock = threading.Lock()


def preload() -> None:
    """Start loading the models in a background thread, now. The engine's entry point calls
    this before it imports the web stack, so the two overlap; `load` then takes the result."""
    global _preloading
    with _preload_lock:
        if _preloading is not None:
            return
        future: Future[Models] = Future()
        _preloading = future

    def run() -> None:
        try:
            future.set_result(_build(None))
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name="ocr-preload", daemon=True).start()


def finish_preload(timeout: float = 60.0) -> None:
    """Wait for a `preload` still running (a process must not exit while onnxruntime is
    building a session in another thread: the C++ runtime aborts)."""
    with _preload_lock:
        future = _preloading
    if future is not None:
        with contextlib.suppress(BaseException):
            future.exception(timeout)


def load(directory: Path | None = None) -> Models:
    """The models, loaded and warmed (the preloaded ones when `preload` ran)."""
    with _preload_lock:
        future = _preloading if directory is None else None
    if future is not None:
        return future.result()
    return _build(directory)


def _build(directory: Path | None) -> Models:
    started = time.perf_counter()
    models = Models(directory)
    loaded = time.perf_counter()
    models.warm()
    log.info(
        "OCR models loaded in %.2f s, warmed in %.2f s (%d cores, recogniser: %s)",
        loaded - started,
        time.perf_counter() - loaded,
        os.cpu_count() or 1,
        models.rec_precision,
    )
    return models
