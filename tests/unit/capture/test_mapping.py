"""Viewport ↔ screen mapping: every viewport × monitor offset × scale × coordinate space."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from console_app.capture.mapping import OutOfScreenError, ViewportMapping, auto_viewport
from console_app.capture.monitors import Monitor

VIEWPORTS = [(1024, 768), (1280, 720), (1920, 1080)]
MONITORS = [
    (0, 0, 1920, 1080),  # the usual primary
    (-1920, 0, 1920, 1080),  # left of the primary
    (1920, -300, 2560, 1440),  # right of it, raised
    (-1280, -1024, 1280, 1024),  # above-left, both offsets negative
    (0, 0, 3840, 2160),  # 4K
]
SCALES = [1.0, 1.25, 1.5, 2.0]
SPACES = ["pixels", "normalized"]
INPUTS = ["physical", "logical"]

CASES = list(itertools.product(VIEWPORTS, MONITORS, SCALES, SPACES, INPUTS))


def make(viewport, geometry, scale, space="pixels", input_space="physical", region=None):
    left, top, width, height = geometry
    monitor = Monitor(index=1, left=left, top=top, width=width, height=height, scale=scale)
    return ViewportMapping(
        viewport[0],
        viewport[1],
        monitor,
        region=region,
        coordinates=space,
        input_space=input_space,
    )


def model_points(mapping: ViewportMapping, rng: random.Random) -> list[tuple[float, float]]:
    width, height = mapping.model_size
    edges = [
        (0, 0),
        (width - 1, height - 1),
        (width - 0.01, height - 0.01),
        (0, height - 1),
        (width / 2, height / 2),
    ]
    randoms = [(rng.uniform(0, width), rng.uniform(0, height)) for _ in range(40)]
    integers = [(rng.randrange(int(width)), rng.randrange(int(height))) for _ in range(40)]
    return [p for p in edges + randoms + integers if p[0] < width and p[1] < height]


def input_bounds(mapping: ViewportMapping) -> tuple[int, int, int, int]:
    """Inclusive input-pixel bounds of the source."""
    d = mapping.input_divisor
    src = mapping.source
    return (
        math.ceil(src.left / d),
        math.ceil(src.top / d),
        math.ceil(src.right / d) - 1,
        math.ceil(src.bottom / d) - 1,
    )


# -- exact values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewport", "geometry", "model", "screen"),
    [
        ((1920, 1080), (0, 0, 1920, 1080), (0, 0), (0, 0)),
        ((1920, 1080), (0, 0, 1920, 1080), (1919, 1079), (1919, 1079)),
        ((1920, 1080), (0, 0, 1920, 1080), (123, 456), (123, 456)),
        ((1280, 720), (0, 0, 1920, 1080), (0, 0), (0, 0)),
        ((1280, 720), (0, 0, 1920, 1080), (1, 1), (2, 2)),
        ((1280, 720), (0, 0, 1920, 1080), (640, 360), (960, 540)),
        ((1280, 720), (0, 0, 1920, 1080), (1279, 719), (1919, 1079)),
        ((1280, 720), (-1920, 0, 1920, 1080), (640, 360), (-960, 540)),
        ((1280, 720), (-1920, 0, 1920, 1080), (0, 0), (-1920, 0)),
        ((1280, 720), (1920, -300, 2560, 1440), (0, 0), (1921, -299)),
        ((1280, 720), (1920, -300, 2560, 1440), (1279, 719), (4479, 1139)),
        ((1024, 768), (0, 0, 1920, 1080), (512, 384), (960, 540)),
        ((1024, 768), (-1280, -1024, 1280, 1024), (1023, 767), (-1, -1)),
    ],
)
def test_pixel_space_exact_values(viewport, geometry, model, screen) -> None:
    for scale in SCALES:  # physical input: the scale never moves a click
        assert make(viewport, geometry, scale).to_screen(*model) == screen


@pytest.mark.parametrize(
    ("geometry", "model", "screen"),
    [
        ((0, 0, 1920, 1080), (0, 0), (0, 0)),
        ((0, 0, 1920, 1080), (500, 500), (960, 540)),
        ((0, 0, 1920, 1080), (999, 999), (1918, 1078)),
        ((0, 0, 1920, 1080), (999.99, 999.99), (1919, 1079)),
        ((-1920, 0, 1920, 1080), (250, 100), (-1440, 108)),
        ((-1280, -1024, 1280, 1024), (500, 500), (-640, -512)),
    ],
)
def test_normalized_space_is_v_over_1000_times_size(geometry, model, screen) -> None:
    for viewport in VIEWPORTS:  # the viewport size does not matter in 0–999 mode
        assert make(viewport, geometry, 1.0, "normalized").to_screen(*model) == screen


@pytest.mark.parametrize(
    ("scale", "model", "screen"),
    [
        (2.0, (720, 450), (720, 450)),  # 1440×900 points of a 2880×1800 Retina panel
        (2.0, (0, 0), (0, 0)),
        (2.0, (1439, 899), (1439, 899)),
        (1.25, (0, 0), (0, 0)),
        (1.5, (1439, 899), (1919, 1199)),
    ],
)
def test_logical_input_space_divides_by_the_scale(scale, model, screen) -> None:
    """A 1440×900 viewport of a 2880×1800-pixel monitor, for an input backend in points."""
    mapping = make((1440, 900), (0, 0, 2880, 1800), scale, input_space="logical")
    assert mapping.to_screen(*model) == screen
    physical = mapping.to_physical(*model)
    assert (math.floor(physical[0] / scale), math.floor(physical[1] / scale)) == screen


def test_logical_input_with_a_negative_offset() -> None:
    mapping = make((1280, 720), (-3840, -2160, 3840, 2160), 2.0, input_space="logical")
    assert mapping.to_screen(0, 0) == (-1920, -1080)
    assert mapping.to_screen(1279, 719) == (-1, -1)
    assert mapping.to_screen(640, 360) == (-960, -540)


# -- properties over every case -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewport", "geometry", "scale", "space", "input_space"),
    CASES,
    ids=[f"{v[0]}x{v[1]}@{g}x{s}-{sp}-{i}" for v, g, s, sp, i in CASES],
)
def test_mapping_properties(viewport, geometry, scale, space, input_space) -> None:
    mapping = make(viewport, geometry, scale, space, input_space)
    rng = random.Random(hash((viewport, geometry, scale, space, input_space)))
    left, top, right, bottom = input_bounds(mapping)
    d = mapping.input_divisor
    width, height = mapping.model_size
    src = mapping.source

    for x, y in model_points(mapping, rng):
        sx, sy = mapping.to_screen(x, y)
        # 1. always on the chosen monitor
        assert left <= sx <= right and top <= sy <= bottom
        # 2. model → screen → model is within half an input pixel (in model units) — plus one
        #    where the target was clamped onto the edge pixel: a float in the last half model
        #    pixel lies past the last pixel centre, and with logical input at a fractional scale
        #    the edge input pixel may straddle the monitor's border.
        fx, fy = mapping.to_position(x, y)
        clamped_x = sx != math.floor(fx / d)
        clamped_y = sy != math.floor(fy / d)
        assert not clamped_x or sx in (left, right)
        assert not clamped_y or sy in (top, bottom)
        per_x, per_y = d * width / src.width, d * height / src.height  # model units / input px
        assert abs(sx - math.floor(fx / d)) <= 0.5 / per_x + 1
        assert abs(sy - math.floor(fy / d)) <= 0.5 / per_y + 1
        mx, my = mapping.to_model(sx, sy)
        assert abs(mx - x) <= 0.5 * per_x + clamped_x * max(0.5, per_x) + 1e-6
        assert abs(my - y) <= 0.5 * per_y + clamped_y * max(0.5, per_y) + 1e-6
        # 3. the physical pixel agrees with the input pixel
        px, py = mapping.to_physical(x, y)
        assert src.contains(px, py)
        if input_space == "physical":
            assert (px, py) == (sx, sy)

    # 4. screen → model → screen: exact wherever the pixel's centre is inside the model space
    #    (all but a sliver at the edges when downscaling), and naming the nearest whole model
    #    pixel — what a model answers — lands within that model pixel's footprint everywhere.
    footprint_x = math.ceil(src.width / (d * (width if space == "pixels" else 1000))) + 1
    footprint_y = math.ceil(src.height / (d * (height if space == "pixels" else 1000))) + 1
    xs = {left, left + 1, right, right - 1, (left + right) // 2}
    xs |= {rng.randint(left, right) for _ in range(30)}
    ys = {top, top + 1, bottom, bottom - 1, rng.randint(top, bottom)}
    exact = 0
    for sx in xs:
        for sy in ys:
            mx, my = mapping.to_model(sx, sy)
            if mapping.contains(mx, my):
                assert mapping.to_screen(mx, my) == (sx, sy)
                exact += 1
            whole = (
                min(max(round(mx), 0), int(width) - 1),
                min(max(round(my), 0), int(height) - 1),
            )
            wx, wy = mapping.to_screen(*whole)
            assert abs(wx - sx) <= footprint_x and abs(wy - sy) <= footprint_y
    assert exact >= len(xs) * len(ys) // 2

    # 5. monotonic along a row
    row = [mapping.to_screen(x, height / 2)[0] for x in _grid(width, 97)]
    assert row == sorted(row)

    # 6. physical input ignores the scale entirely
    if input_space == "physical":
        unscaled = make(viewport, geometry, 1.0, space, input_space)
        for x, y in model_points(mapping, random.Random(7))[:20]:
            assert mapping.to_screen(x, y) == unscaled.to_screen(x, y)


def _grid(extent: float, steps: int) -> list[float]:
    return [extent * i / steps for i in range(steps)]


# -- out of screen --------------------------------------------------------------------------------


@pytest.mark.parametrize("space", SPACES)
def test_targets_outside_the_model_space_are_refused(space) -> None:
    mapping = make((1280, 720), (-1920, 0, 1920, 1080), 1.25, space)
    width, height = mapping.model_size
    for x, y in [
        (-1, 10),
        (-0.001, 10),
        (width, 10),
        (10, height),
        (width + 50, height + 50),
        (math.nan, 5),
        (5, math.inf),
    ]:
        with pytest.raises(OutOfScreenError):
            mapping.to_screen(x, y)
        assert not mapping.contains(x, y)
    assert mapping.contains(width - 0.001, height - 0.001)


def test_normalized_does_not_clamp_1000() -> None:
    mapping = make((1280, 720), (0, 0, 1920, 1080), 1.0, "normalized")
    with pytest.raises(OutOfScreenError) as excinfo:
        mapping.to_screen(1000, 500)
    assert "0–999" in str(excinfo.value)
    assert mapping.to_screen(999, 500) == (1918, 540)


# -- regions, construction ------------------------------------------------------------------------


def test_region_mapping_offsets_into_the_region() -> None:
    mapping = make((800, 600), (-1920, 0, 1920, 1080), 1.5, region=(-1000, 200, 800, 600))
    assert mapping.source.as_tuple() == (-1000, 200, 800, 600)
    assert mapping.to_screen(0, 0) == (-1000, 200)
    assert mapping.to_screen(799, 599) == (-201, 799)
    half = mapping.with_coordinates("normalized")
    assert half.to_screen(500, 500) == (-600, 500)


def test_region_must_lie_on_the_monitor() -> None:
    with pytest.raises(ValueError, match="not a non-empty part"):
        make((800, 600), (0, 0, 1920, 1080), 1.0, region=(1500, 0, 800, 600))
    with pytest.raises(ValueError, match="not a non-empty part"):
        make((800, 600), (0, 0, 1920, 1080), 1.0, region=(0, 0, 0, 600))


def test_invalid_viewport_and_monitor() -> None:
    with pytest.raises(ValueError):
        make((0, 720), (0, 0, 1920, 1080), 1.0)
    with pytest.raises(ValueError):
        Monitor(index=1, left=0, top=0, width=1920, height=1080, scale=0)
    with pytest.raises(ValueError):
        Monitor(index=1, left=0, top=0, width=0, height=1080)


def test_with_coordinates_and_input_space_return_new_mappings() -> None:
    mapping = make((1280, 720), (0, 0, 1920, 1080), 2.0)
    normalized = mapping.with_coordinates("normalized")
    assert mapping.coordinates == "pixels" and normalized.coordinates == "normalized"
    assert normalized.to_screen(500, 500) == (960, 540)
    logical = mapping.with_input_space("logical")
    assert logical.to_screen(640, 360) == (480, 270)


def test_physical_to_model_is_the_inverse_of_to_physical() -> None:
    mapping = make((1280, 720), (-1920, 0, 1920, 1080), 1.5, input_space="logical")
    for sx, sy in [(-1919, 1), (-1, 1079), (-960, 540), (-1000, 3)]:
        assert mapping.to_physical(*mapping.physical_to_model(sx, sy)) == (sx, sy)
    # The very first column's centre lies left of model pixel 0's centre (1.5 px per model px).
    assert mapping.physical_to_model(-1920, 0) == pytest.approx((-1 / 6, -1 / 6))


# -- auto viewport --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "max_width", "expected"),
    [
        ((1920, 1080), 1280, (1280, 720)),
        ((2560, 1440), 1280, (1280, 720)),
        ((3840, 2160), 1280, (1280, 720)),
        ((1366, 768), 1280, (1280, 720)),
        ((1280, 1024), 1280, (1280, 1024)),
        ((1024, 768), 1280, (1024, 768)),  # never upscaled
        ((800, 600), 1280, (800, 600)),
        ((1920, 1200), 1024, (1024, 640)),
        ((3440, 1440), 1280, (1280, 536)),
        ((1080, 1920), 1280, (1080, 1920)),  # portrait: width already fits
        ((5000, 1), 1280, (1280, 1)),
    ],
)
def test_auto_viewport(size, max_width, expected) -> None:
    assert auto_viewport(*size, max_width) == expected


def test_auto_viewport_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        auto_viewport(0, 1080, 1280)
    with pytest.raises(ValueError):
        auto_viewport(1920, 1080, 0)
