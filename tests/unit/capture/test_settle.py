"""Probe comparison rules (capture.settle): what counts as changed, small, stale, blank."""

from __future__ import annotations

import numpy as np

from console_app.capture.settle import (
    PIXEL_DELTA,
    PROBE_DIVISOR,
    SMALL_REGION,
    STALE_BOX,
    STALE_FRACTION,
    changed_fraction_around,
    compare,
    is_blank,
    make_probe,
    unmasked_area,
)


def grey(width: int = 640, height: int = 360, level: int = 200) -> np.ndarray:
    return np.full((height, width), level, dtype=np.uint8)


def test_a_probe_is_grey_at_half_the_viewport() -> None:
    frame = np.zeros((720, 1280, 4), dtype=np.uint8)
    frame[:, :, 1] = 255  # green
    probe = make_probe(frame, (1280, 720))
    assert probe.shape == (720 // PROBE_DIVISOR, 1280 // PROBE_DIVISOR)
    assert probe.dtype == np.uint8 and 140 < int(probe[0, 0]) < 160  # BT.601 green ≈ 150


def test_identical_probes_do_not_differ_and_noise_below_the_delta_is_ignored() -> None:
    a = grey()
    b = a.copy()
    b[10:20, 10:20] += PIXEL_DELTA  # exactly the delta: not a change
    change = compare(a, b)
    assert not change.any and not change.significant


def test_a_caret_or_a_small_spinner_is_a_change_but_not_a_significant_one() -> None:
    a = grey()
    caret = a.copy()
    caret[100:108, 200] = 0  # 1×8 probe px = 2×16 viewport px
    spinner = a.copy()
    spinner[50:60, 300:310] = 0  # 20×20 viewport px
    for b in (caret, spinner):
        change = compare(a, b)
        assert change.any and not change.significant
    both = caret.copy()
    both[50:60, 300:310] = 0  # two small things at once are still small
    assert not compare(a, both).significant


def test_a_dialog_is_significant() -> None:
    a = grey()
    b = a.copy()
    b[100:200, 100:300] = 50
    change = compare(a, b)
    assert change.significant
    ((x, y, w, h),) = change.regions
    assert (x, y) == (200, 200) and w > SMALL_REGION and h > SMALL_REGION


def test_a_different_size_is_a_different_screen() -> None:
    assert compare(grey(640, 360), grey(512, 384)).significant


def test_the_stale_fraction_is_measured_in_the_box_around_the_target_only() -> None:
    a = grey()
    b = a.copy()
    b[0:40, 0:40] = 0  # a change far away from the target
    assert changed_fraction_around(a, b, (640, 360)) == 0.0
    half = STALE_BOX // (2 * PROBE_DIVISOR)
    b[180 - half : 180 + half, 320 - half : 320 + half] = 0  # the whole box around (640, 360)
    assert changed_fraction_around(a, b, (640, 360)) == 1.0
    c = a.copy()
    c[180, 320 - half : 320 + half] = 0  # one line through the box: well below the threshold
    assert 0 < changed_fraction_around(a, c, (640, 360)) <= STALE_FRACTION


def test_a_target_at_the_edge_compares_the_part_of_the_box_on_the_screen() -> None:
    a = grey()
    b = a.copy()
    b[0:5, 0:5] = 0
    assert changed_fraction_around(a, b, (0, 0)) > STALE_FRACTION


def test_blank_means_one_flat_colour_where_the_model_could_see() -> None:
    assert is_blank(grey(level=0))
    busy = grey(level=0)
    busy[10, 10] = 1
    assert not is_blank(busy)
    # A console masked black on an otherwise flat screen is still a blank screen...
    screen = grey(level=0)
    visible = unmasked_area(screen.shape, ((0, 0, 960, 1080),), (0, 0, 1920, 1080))
    assert is_blank(screen, visible)
    # ...and content that only exists under the mask does not count.
    screen[5, 5] = 255
    assert is_blank(screen, visible)
    screen[5, 600] = 255
    assert not is_blank(screen, visible)


def test_the_unmasked_area_follows_the_source_offset() -> None:
    visible = unmasked_area((360, 640), ((1920, 0, 960, 540),), (1920, 0, 1920, 1080))
    assert not visible[0, 0] and not visible[179, 319]
    assert visible[180, 0] and visible[0, 320]
