"""Real grabs of the Xvfb screen: what the app drew is where the mapping says (Xvfb)."""

from __future__ import annotations

import statistics
import threading

import numpy as np
import pytest

from console_app.capture.encode import decode
from console_app.capture.mapping import ViewportMapping
from console_app.capture.monitors import desktop_scale, list_monitors
from console_app.capture.screen import ScreenCapturer, Screenshot
from console_app.core.geometry import Rect
from tests.e2e.conftest import TargetApp

pytestmark = pytest.mark.e2e

BOX_BGR = (0x30, 0x30, 0xC0)  # the target app's red drag box, #c03030


def red_bbox(shot: Screenshot) -> Rect | None:
    """Bounding box (model pixels) of the drag box's red in a decoded screenshot."""
    pixels = decode(shot.data).astype(int)
    close = np.abs(pixels - np.array(BOX_BGR)).sum(axis=2) < 40
    ys, xs = np.nonzero(close)
    if len(xs) == 0:
        return None
    return Rect(
        int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)
    )


def expected_model_rect(mapping: ViewportMapping, rect: Rect) -> tuple[float, float, float, float]:
    left, top = mapping.physical_to_model(rect.left, rect.top)
    right, bottom = mapping.physical_to_model(rect.right - 1, rect.bottom - 1)
    return left, top, right, bottom


def test_list_monitors_on_xvfb() -> None:
    monitors = list_monitors()
    assert len(monitors) == 1
    (monitor,) = monitors
    assert (monitor.index, monitor.left, monitor.top, monitor.width, monitor.height) == (
        1,
        0,
        0,
        1920,
        1080,
    )
    assert monitor.is_primary
    assert monitor.scale == desktop_scale()


@pytest.mark.parametrize("image_format", ["png", "jpeg", "webp"])
def test_the_drawn_box_is_found_where_the_mapping_puts_it(
    image_format: str, target: TargetApp
) -> None:
    box = target.rect("drag_box")
    with ScreenCapturer(image_format=image_format) as capturer:  # type: ignore[arg-type]
        shot = capturer.capture()
    assert (shot.width, shot.height) == (1280, 720)
    assert shot.data_url.startswith(f"data:image/{image_format};base64,")
    found = red_bbox(shot)
    assert found is not None
    left, top, right, bottom = expected_model_rect(shot.mapping, box)
    tolerance = 1.5 if image_format == "png" else 2.5
    assert abs(found.left - left) <= tolerance and abs(found.top - top) <= tolerance
    assert abs(found.right - 1 - right) <= tolerance and abs(found.bottom - 1 - bottom) <= tolerance
    # And back: the centre of what the model sees maps onto the real box.
    cx, cy = found.left + found.width / 2, found.top + found.height / 2
    assert box.contains(*shot.mapping.to_screen(cx, cy))


def test_masking_blacks_out_a_window(target: TargetApp) -> None:
    window = target.rect("target_window")
    with ScreenCapturer(image_format="png") as capturer:
        plain = capturer.capture()
        masked = capturer.capture(mask=[window.as_tuple()])
        only_button = capturer.capture(mask=[target.rect("ok_button").as_tuple()])
    assert red_bbox(plain) is not None
    assert red_bbox(masked) is None
    assert masked.masked == (window.as_tuple(),)
    pixels = decode(masked.data)
    left, top, right, bottom = (round(v) for v in expected_model_rect(masked.mapping, window))
    assert pixels[top : bottom + 1, left : right + 1].max() == 0
    assert decode(plain.data)[top : bottom + 1, left : right + 1].max() > 0
    assert red_bbox(only_button) is not None


def test_region_capture_maps_back_to_the_region(target: TargetApp) -> None:
    area = target.rect("drag_area")
    box = target.rect("drag_box")
    with ScreenCapturer(image_format="png", region=area.as_tuple()) as capturer:
        shot = capturer.capture()
    assert (shot.width, shot.height) == (area.width, area.height)  # small region: not scaled
    found = red_bbox(shot)
    assert found == Rect(box.left - area.left, box.top - area.top, box.width, box.height)
    assert shot.mapping.to_screen(found.left, found.top) == (box.left, box.top)


def test_one_mss_connection_per_thread_reused(target: TargetApp) -> None:
    with ScreenCapturer() as capturer:
        for _ in range(3):
            capturer.capture()
        assert capturer.open_connections() == 1
        shots: list[Screenshot] = []
        workers = [
            threading.Thread(target=lambda: shots.append(capturer.capture())) for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(10)
        assert len(shots) == 2
        assert capturer.open_connections() == 3


def test_capture_timings_and_sizes_at_1920_to_1280(
    target: TargetApp, record_property: pytest.RecordProperty
) -> None:
    """Measured on the Xvfb screen with the target app shown (printed with ``-s``)."""
    report = []
    for image_format in ("jpeg", "png", "webp"):
        with ScreenCapturer(image_format=image_format, quality=80) as capturer:  # type: ignore[arg-type]
            capturer.capture()  # first grab opens the connection
            shots = [capturer.capture() for _ in range(8)]
        grab = statistics.median(s.grab_ms for s in shots)
        scale = statistics.median(s.scale_ms for s in shots)
        encode = statistics.median(s.encode_ms for s in shots)
        size = statistics.median(s.size_bytes for s in shots)
        report.append(
            f"{image_format}: grab {grab:.1f} ms, scale {scale:.1f} ms, encode {encode:.1f} ms, "
            f"{size / 1024:.0f} KiB"
        )
        record_property(f"capture_{image_format}", report[-1])
        assert all((s.width, s.height) == (1280, 720) for s in shots)
        # Generous bounds (a loaded 2-core CI box): a regression by an order of magnitude fails.
        assert grab < 250 and scale < 250 and encode < 500
    print("\n" + "\n".join(report))
