"""Pixels → what the model receives: masked, scaled to the viewport, encoded.

Why OpenCV and not Qt or Pillow: capture runs on worker threads and must not import Qt (the
terminal mode and the engine run without it), and cv2's ``INTER_AREA`` downscale averages every
source pixel into the target — the filter that keeps 12 px UI text readable at 2/3 size, where
bilinear skips pixels and turns thin strokes into dotted ones. It is also several times faster
than Pillow's LANCZOS at 1920×1080 → 1280×720 (≈10 ms on this CI's two cores).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from console_app.core.geometry import Rect

ImageFormat = Literal["jpeg", "png", "webp"]
Image = npt.NDArray[np.uint8]

MIME_TYPES: dict[str, str] = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
PNG_COMPRESSION = 1
"""zlib level for PNG: 1 is ~3× faster than the default 3 on screenshots and only a few per cent
larger (flat UI colours compress well at any level)."""


def bgra_to_bgr(pixels: Image) -> Image:
    """Drop mss's padding/alpha channel (BGRA → contiguous BGR)."""
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"expected an H×W×3 or H×W×4 image, got shape {pixels.shape}")
    if pixels.shape[2] == 3:
        return pixels
    return np.ascontiguousarray(cv2.cvtColor(pixels, cv2.COLOR_BGRA2BGR))


def apply_mask(pixels: Image, source: Rect, rects: Iterable[Rect | Iterable[int]]) -> list[Rect]:
    """Paint the parts of ``rects`` (absolute screen pixels) that fall on ``source`` black.

    ``pixels`` is the grab of ``source`` and may be denser than screen pixels (a Retina grab of
    a point-sized rectangle); rectangles are scaled by the image/source ratio and rounded
    outwards, so nothing of a masked window survives at an edge. Modifies ``pixels`` in place
    and returns the screen rectangles that were actually masked (clipped to the source).
    """
    height, width = pixels.shape[:2]
    sx, sy = width / source.width, height / source.height
    masked = []
    for value in rects:
        clipped = source.intersect(Rect.of(value))
        if clipped is None:
            continue
        x0 = int(np.floor((clipped.left - source.left) * sx))
        y0 = int(np.floor((clipped.top - source.top) * sy))
        x1 = int(np.ceil((clipped.right - source.left) * sx))
        y1 = int(np.ceil((clipped.bottom - source.top) * sy))
        pixels[y0:y1, x0:x1, :3] = 0
        masked.append(clipped)
    return masked


def resize_to(pixels: Image, size: tuple[int, int]) -> Image:
    """Scale to ``(width, height)``: ``INTER_AREA`` down, ``INTER_CUBIC`` up, untouched if equal."""
    width, height = size
    src_h, src_w = pixels.shape[:2]
    if (src_w, src_h) == (width, height):
        return pixels
    shrinking = width <= src_w and height <= src_h
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(pixels, (width, height), interpolation=interpolation))


def encode(pixels: Image, image_format: ImageFormat, quality: int = 80) -> bytes:
    """Encode a BGR image. ``quality`` (1–100) applies to JPEG and WebP; PNG is lossless."""
    if image_format not in MIME_TYPES:
        raise ValueError(f"unknown image format {image_format!r} (jpeg, png or webp)")
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be 1–100, not {quality}")
    if image_format == "jpeg":
        ok, buffer = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    elif image_format == "webp":
        # OpenCV treats WebP quality > 100 as lossless; 1–100 is lossy, like JPEG.
        ok, buffer = cv2.imencode(".webp", pixels, [cv2.IMWRITE_WEBP_QUALITY, quality])
    else:
        ok, buffer = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    if not ok:
        raise RuntimeError(f"OpenCV could not encode a {image_format} image")
    return bytes(buffer.tobytes())


def decode(data: bytes) -> Image:
    """Decode an encoded screenshot back to BGR pixels (tests, OCR, overlays)."""
    array = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(array, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("not a decodable image")
    return np.asarray(image, dtype=np.uint8)
