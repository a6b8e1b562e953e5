"""Screenshots arrive as ``data:image/...;base64,...`` URLs; decode them once, safely.

Why so strict: the engine is offline and loopback-only, so it never fetches an ``http(s)``
image URL; and a body of up to 20 MB can hold a PNG that expands to gigapixels, so the pixel
count is checked before the pixels are decoded. Any failure is a 400 naming the field.

Only the image a turn is grounded on (the last one) is decoded: the others are *probed* —
URL, base64 and image header checked, pixels never touched — so a request with sixty 8K
screenshots costs one decode, and at most ``MAX_PIXELS`` pixels are decoded per request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from console_app.engine.errors import EngineError, bad_request

MAX_PIXELS = 7680 * 4320
MAX_SIDE = 16384


@dataclass(frozen=True, eq=False)
class Screenshot:
    """A decoded screenshot: its size in pixels, a digest of its bytes, and BGR pixels."""

    width: int
    height: int
    digest: str
    pixels: npt.NDArray[np.uint8]


def decode_image_url(url: str, *, param: str) -> Screenshot:
    """Decode a data URL into a `Screenshot`; raise a 400 `EngineError` on anything else."""
    return _decode_bytes(_raw_bytes(url, param), param)


def probe_image_url(url: str, *, param: str) -> tuple[int, int]:
    """Check a data URL as `decode_image_url` does, reading only the image header: its size."""
    raw = _raw_bytes(url, param)
    try:
        with Image.open(io.BytesIO(raw)) as image:
            width, height = image.size
    except Exception:
        raise _invalid(param, "it is not a readable image") from None
    _check_size(width, height, param)
    return width, height


def _check_size(width: int, height: int, param: str) -> None:
    if width < 1 or height < 1 or max(width, height) > MAX_SIDE:
        raise _invalid(param, f"its size {width}×{height} is out of range")
    if width * height > MAX_PIXELS:
        raise _invalid(param, f"it has more than {MAX_PIXELS} pixels")


def _raw_bytes(url: str, param: str) -> bytes:
    if not url.startswith("data:"):
        kind = "an http(s) URL" if url.startswith(("http://", "https://")) else "not a data: URL"
        raise bad_request(
            f"{param}: the local engine only accepts screenshots as data:image/...;base64 URLs "
            f"(this is {kind}; it never fetches images)",
            code="unsupported_image_url",
            param=param,
        )
    header, sep, payload = url.partition(",")
    mime = header[5:].split(";", 1)[0].strip().lower()
    if not sep or ";base64" not in header.lower():
        raise _invalid(param, "it is not base64-encoded")
    if mime and not mime.startswith("image/"):
        raise _invalid(param, f"its type is {mime!r}, not an image")
    try:
        raw = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(param, "its base64 payload does not decode") from None
    if not raw:
        raise _invalid(param, "it is empty")
    return raw


def _decode_bytes(raw: bytes, param: str) -> Screenshot:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                width, height = image.size
                _check_size(width, height, param)  # from the header: nothing decoded yet
                pixels = _fast_decode(raw, image, (width, height))
                if pixels is None:
                    image.load()
                    rgb = image.convert("RGB")
                    pixels = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8)[:, :, ::-1])
    except Exception as exc:
        if isinstance(exc, EngineError):  # our own refusal from the size checks
            raise
        raise _invalid(param, f"it is not a readable image ({type(exc).__name__})") from None
    return Screenshot(
        width=width, height=height, digest=hashlib.sha256(raw).hexdigest(), pixels=pixels
    )


_FAST_MODES = {"JPEG": ("RGB", "L"), "PNG": ("RGB", "RGBA", "L", "P", "1")}


def _fast_decode(
    raw: bytes, image: Image.Image, size: tuple[int, int]
) -> npt.NDArray[np.uint8] | None:
    """8-bit JPEG and PNG straight to BGR with OpenCV: about 3× faster than Pillow at
    1280×720, and the same pixels (both use libjpeg-turbo and libpng; both drop alpha and
    expand palettes). Other formats and modes (16-bit, CMYK, grey with alpha…), or a size
    OpenCV reads differently, are left to Pillow (``None``). The EXIF orientation is
    ignored, as Pillow ignores it."""
    if image.mode not in _FAST_MODES.get(image.format or "", ()):
        return None
    pixels = cv2.imdecode(
        np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    )
    if pixels is None or pixels.dtype != np.uint8 or pixels.shape[:2] != size[::-1]:
        return None
    return np.ascontiguousarray(pixels)


def _invalid(param: str, why: str) -> EngineError:
    return bad_request(
        f"{param}: the image cannot be used: {why}", code="invalid_image", param=param
    )
