"""Pixels → what the model receives: masked, scaled to the viewport, encoded.

Why OpenCV and not Qt or Pillow: capture runs on worker threads and must not import Qt (the
terminal mode and the engine run without it), and cv2's ``INTER_AREA`` downscale averages every
source pixel into the target — the filter that keeps 12 px UI text readable at 2/3 size, where
bilinear skips pixels and turns thin strokes into dotted ones. It is also several times faster
than Pillow's LANCZOS at 1920×1080 → 1280×720 (≈10 ms on this CI's two cores).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import cv2
import numpy as np
import numpy.typing as npt

from console_app.core.geometry import Rect
from console_app.core.settings import ImageFormat

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
    """Scale to ``(width, height)``: area averaging down, ``INTER_CUBIC`` up, untouched if equal.

    Area averaging is ``INTER_AREA``, except where every target pixel covers at most two source
    pixels per axis — 1920×1080 → 1280×720 (3:2) is the common case: there the same weights
    are a bilinear sample at a precomputed position per pixel (`cv2.remap`), 3–4× faster than
    OpenCV's general non-integer ``INTER_AREA`` (~3 ms instead of ~10 ms on 2 cores, the
    largest part of a step's capture). The positions are quantised to 1/32 of a pixel, so the
    weights differ from the exact ones by at most 1/64 (a few levels at most, on hard edges).
    """
    width, height = size
    src_h, src_w = pixels.shape[:2]
    if (src_w, src_h) == (width, height):
        return pixels
    shrinking = width <= src_w and height <= src_h
    if shrinking:
        maps = _two_tap_maps((src_w, src_h), (width, height))
        if maps is not None:
            return np.asarray(
                cv2.remap(pixels, maps[0], maps[1], cv2.INTER_LINEAR, None, cv2.BORDER_REPLICATE)
            )
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(pixels, (width, height), interpolation=interpolation))


def scale_and_drop_alpha(pixels: Image, size: tuple[int, int]) -> Image:
    """`resize_to` and `bgra_to_bgr` in the cheaper order for a grab: the fast downscale reads
    four bytes a pixel as quickly as three, so alpha is dropped on the small image (~1 ms less
    at 1920×1080); OpenCV's ``INTER_AREA`` is slower on four channels, so there it goes first."""
    width, height = size
    src_h, src_w = pixels.shape[:2]
    if width <= src_w and height <= src_h and _two_tap_maps((src_w, src_h), size) is not None:
        return bgra_to_bgr(resize_to(pixels, size))
    return resize_to(bgra_to_bgr(pixels), size)


@functools.lru_cache(maxsize=8)
def _two_tap_maps(
    source: tuple[int, int], target: tuple[int, int]
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.uint16]] | None:
    """`cv2.remap` maps for an area-averaging downscale, if it needs two taps per axis."""
    xs = _two_tap_positions(source[0], target[0])
    ys = _two_tap_positions(source[1], target[1])
    if xs is None or ys is None:
        return None
    map_x, map_y = np.meshgrid(xs, ys)
    fixed, fractions = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
    return np.asarray(fixed, dtype=np.int16), np.asarray(fractions, dtype=np.uint16)


def _two_tap_positions(source: int, target: int) -> npt.NDArray[np.float32] | None:
    """Per target pixel ``i`` (covering source ``[i·s, (i+1)·s)``, ``s = source/target``), the
    source position whose bilinear weights are the area weights; ``None`` if some target pixel
    covers three or more source pixels. Integer arithmetic: the edges are exact."""
    i = np.arange(target, dtype=np.int64)
    first = (i * source) // target
    end = -((-(i + 1) * source) // target)  # ceil((i+1)·s): one past the last pixel touched
    if np.any(end - first > 2):
        return None
    # weight of the second pixel: (end_exact − (first+1)) / s, zero if only one is touched
    right = np.clip((i + 1) * source - (first + 1) * target, 0, None) / source
    positions: npt.NDArray[np.float32] = (first + right).astype(np.float32)
    return positions


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
