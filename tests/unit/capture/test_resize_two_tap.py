"""The fast area-averaging path of `resize_to` (remap with two taps per axis) must give what
``INTER_AREA`` gives, and must step aside where two taps are not enough."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from console_app.capture.encode import (
    _two_tap_positions,
    bgra_to_bgr,
    resize_to,
    scale_and_drop_alpha,
)


def _screen_like(height: int, width: int) -> np.ndarray:
    """Flat panels, 1-px lines and text-like noise: the edges that scaling gets wrong."""
    rng = np.random.default_rng(7)
    image = np.full((height, width, 3), 235, np.uint8)
    image[100:300, 50:900] = (40, 90, 200)
    image[::7, :] = 0  # 1-px horizontal rules
    image[:, ::11] = 255
    image[400:700, 800:1300] = rng.integers(0, 256, (300, 500, 3), dtype=np.uint8)
    return image


@pytest.mark.parametrize(
    ("source", "target"), [((1920, 1080), (1280, 720)), ((2560, 1440), (1280, 720))]
)
def test_two_tap_downscale_matches_inter_area(source, target) -> None:
    image = _screen_like(source[1], source[0])
    fast = resize_to(image, target)
    exact = cv2.resize(image, target, interpolation=cv2.INTER_AREA)
    assert fast.shape == exact.shape and fast.dtype == np.uint8
    diff = np.abs(fast.astype(int) - exact.astype(int))
    assert diff.max() <= 4, diff.max()
    assert diff.mean() < 1.0  # 1-px lines everywhere: the worst case for the 1/32 quantisation


def test_positions_are_the_area_weights_at_three_to_two() -> None:
    positions = _two_tap_positions(1920, 1280)
    assert positions is not None
    # target 0 covers source [0, 1.5): pixel 0 whole, pixel 1 half → weights 2/3, 1/3
    # target 1 covers [1.5, 3): pixel 1 half, pixel 2 whole → weights 1/3, 2/3
    assert positions[:4] == pytest.approx([1 / 3, 1 + 2 / 3, 3 + 1 / 3, 4 + 2 / 3])
    assert positions[-1] == pytest.approx(1918 + 2 / 3)  # never past the last source pixel


def test_ratios_needing_three_taps_fall_back_to_inter_area() -> None:
    assert _two_tap_positions(1366, 1280) is None  # some target pixels cover three
    assert _two_tap_positions(1920, 640) is None  # 3:1
    image = _screen_like(768, 1366)
    assert np.array_equal(
        resize_to(image, (1280, 720)),
        cv2.resize(image, (1280, 720), interpolation=cv2.INTER_AREA),
    )


@pytest.mark.parametrize("size", [(1280, 720), (1280, 718), (1920, 1080)])
def test_scale_and_drop_alpha_gives_what_the_plain_order_gives(size) -> None:
    bgr = _screen_like(1080, 1920)
    bgra = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA))
    fast = scale_and_drop_alpha(bgra, size)
    plain = resize_to(bgra_to_bgr(bgra), size)
    assert fast.shape == (size[1], size[0], 3) and fast.flags["C_CONTIGUOUS"]
    assert np.abs(fast.astype(int) - plain.astype(int)).max() <= 1
