"""The engine decodes 8-bit JPEG and PNG with OpenCV (fast) and everything else with Pillow:
both paths must give exactly the pixels Pillow's ``convert("RGB")`` gives, in BGR order."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from console_app.engine import images


def _noise(mode: str, size: tuple[int, int] = (97, 61)) -> Image.Image:
    rng = np.random.default_rng(7)
    rgba = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 4), dtype=np.uint8), "RGBA")
    if mode == "P":
        return rgba.convert("RGB").quantize(64)
    if mode == "I;16":
        wide = rng.integers(0, 65536, (size[1], size[0]), dtype=np.uint16)
        return Image.frombytes("I;16", size, wide.tobytes())
    return rgba.convert(mode)


def _url(image: Image.Image, fmt: str) -> tuple[str, bytes]:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    raw = buffer.getvalue()
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(raw).decode(), raw


def _pillow_bgr(raw: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(raw)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)[:, :, ::-1]


@pytest.mark.parametrize(
    ("fmt", "mode", "fast"),
    [
        ("JPEG", "RGB", True),
        ("JPEG", "L", True),
        ("JPEG", "CMYK", False),
        ("PNG", "RGB", True),
        ("PNG", "RGBA", True),
        ("PNG", "L", True),
        ("PNG", "P", True),
        ("PNG", "1", True),
        ("PNG", "LA", False),
        ("PNG", "I;16", False),
        ("WEBP", "RGB", False),
        ("GIF", "P", False),
    ],
)
def test_every_decoder_gives_pillows_pixels(
    fmt: str, mode: str, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, raw = _url(_noise(mode), fmt)
    used: list[bool] = []
    original = images._fast_decode

    def spy(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        used.append(result is not None)
        return result

    monkeypatch.setattr(images, "_fast_decode", spy)
    shot = images.decode_image_url(url, param="image")
    assert used == [fast]
    assert shot.pixels.flags.c_contiguous and shot.pixels.dtype == np.uint8
    assert np.array_equal(shot.pixels, _pillow_bgr(raw))
    assert (shot.width, shot.height) == (97, 61)


def test_a_truncated_jpeg_is_refused_not_half_read() -> None:
    url, raw = _url(_noise("RGB", (640, 480)), "JPEG")
    cut = "data:image/jpeg;base64," + base64.b64encode(raw[: len(raw) // 2]).decode()
    with pytest.raises(images.EngineError):
        images.decode_image_url(cut, param="image")
    assert images.decode_image_url(url, param="image").width == 640
