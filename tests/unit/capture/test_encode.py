"""Masking, scaling and encoding of captured pixels (no display needed)."""

from __future__ import annotations

import numpy as np
import pytest

from console_app.capture.encode import apply_mask, bgra_to_bgr, decode, encode, resize_to
from console_app.core.geometry import Rect


def ui_like(width: int = 640, height: int = 360, seed: int = 1) -> np.ndarray:
    """Flat panels, text-like strokes and a gradient: compresses like a real screen."""
    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), 235, np.uint8)
    image[:, :, 0] = np.linspace(120, 250, width, dtype=np.uint8)[None, :]
    for _ in range(300):
        y, x = rng.integers(0, height - 3), rng.integers(0, width - 20)
        image[y : y + 2, x : x + rng.integers(3, 20)] = rng.integers(0, 80)
    image[50:120, 60:200] = (48, 48, 192)
    return image


MAGIC = {
    "jpeg": lambda data: data[:3] == b"\xff\xd8\xff",
    "png": lambda data: data[:8] == b"\x89PNG\r\n\x1a\n",
    "webp": lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
}


@pytest.mark.parametrize("image_format", ["jpeg", "png", "webp"])
def test_formats_have_their_magic_bytes_and_decode_to_the_same_size(image_format: str) -> None:
    image = ui_like()
    data = encode(image, image_format, 80)  # type: ignore[arg-type]
    assert MAGIC[image_format](data)
    decoded = decode(data)
    assert decoded.shape == image.shape
    # lossy formats stay close; PNG is exact
    error = np.abs(decoded.astype(int) - image.astype(int)).mean()
    assert error == 0 if image_format == "png" else error < 6


@pytest.mark.parametrize("image_format", ["jpeg", "webp"])
def test_quality_changes_the_size(image_format: str) -> None:
    image = ui_like()
    low = encode(image, image_format, 20)  # type: ignore[arg-type]
    high = encode(image, image_format, 95)  # type: ignore[arg-type]
    assert len(low) < len(high) * 0.7


def test_png_ignores_quality() -> None:
    image = ui_like()
    assert encode(image, "png", 10) == encode(image, "png", 100)


def test_encode_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown image format"):
        encode(ui_like(), "gif", 80)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="quality"):
        encode(ui_like(), "jpeg", 0)
    with pytest.raises(ValueError):
        decode(b"not an image")


def test_mask_paints_only_the_overlap_black() -> None:
    source = Rect(-1920, 100, 400, 300)  # a grab of a region with negative offsets
    pixels = np.full((300, 400, 4), 200, np.uint8)
    masked = apply_mask(pixels, source, [(-1900, 150, 50, 40), (-2000, 0, 130, 120), (0, 0, 9, 9)])
    assert masked == [Rect(-1900, 150, 50, 40), Rect(-1920, 100, 50, 20)]
    assert (pixels[50:90, 20:70, :3] == 0).all()  # fully inside
    assert (pixels[0:20, 0:50, :3] == 0).all()  # clipped at the top-left corner
    black = (pixels[:, :, :3] == 0).all(axis=2)
    assert black.sum() == 50 * 40 + 50 * 20
    assert (pixels[:, :, 3] == 200).all()  # alpha untouched


def test_mask_scales_to_a_denser_grab() -> None:
    """A Retina-style grab: 2 image pixels per screen unit; edges round outwards."""
    source = Rect(0, 0, 100, 50)
    pixels = np.full((100, 200, 3), 255, np.uint8)
    apply_mask(pixels, source, [Rect(10, 5, 20, 10)])
    black = (pixels == 0).all(axis=2)
    ys, xs = np.nonzero(black)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (20, 59, 10, 29)


def test_masked_window_is_black_after_scaling_and_jpeg() -> None:
    source = Rect(0, 0, 1920, 1080)
    pixels = np.full((1080, 1920, 4), 230, np.uint8)
    window = Rect(400, 300, 600, 400)
    apply_mask(pixels, source, [window])
    small = resize_to(bgra_to_bgr(pixels), (1280, 720))
    decoded = decode(encode(small, "jpeg", 80))
    inside = decoded[200 + 4 : 466 - 4, 266 + 4 : 666 - 4]
    assert inside.max() <= 8  # JPEG ringing only
    assert decoded[50:100, 50:100].min() >= 220


def test_resize_uses_area_averaging_down_and_is_a_noop_at_size() -> None:
    image = np.zeros((4, 6, 3), np.uint8)
    image[:, ::2] = 255  # 1-px stripes: area averaging gives flat grey, not aliasing
    half = resize_to(image, (3, 2))
    assert half.shape == (2, 3, 3)
    assert np.all(np.abs(half.astype(int) - 127) <= 1)
    assert resize_to(image, (6, 4)) is image
    assert resize_to(image, (12, 8)).shape == (8, 12, 3)


def test_bgra_to_bgr_drops_alpha_and_keeps_channel_order() -> None:
    pixels = np.zeros((2, 2, 4), np.uint8)
    pixels[..., 0], pixels[..., 1], pixels[..., 2], pixels[..., 3] = 1, 2, 3, 4
    bgr = bgra_to_bgr(pixels)
    assert bgr.shape == (2, 2, 3) and bgr.flags["C_CONTIGUOUS"]
    assert bgr[0, 0].tolist() == [1, 2, 3]
    with pytest.raises(ValueError):
        bgra_to_bgr(np.zeros((2, 2), np.uint8))
