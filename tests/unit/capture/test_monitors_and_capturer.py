"""Monitor listing rules and the capture pipeline over a fake mss (no display needed)."""

from __future__ import annotations

import base64
import threading
from typing import Any, ClassVar

import mss
import numpy as np
import pytest

from console_app.capture import monitors as monitors_module
from console_app.capture.encode import decode
from console_app.capture.monitors import (
    CaptureError,
    Monitor,
    get_monitor,
    monitors_from_mss,
    parse_xft_dpi,
    scale_from_settings,
)
from console_app.capture.screen import ScreenCapturer

# -- scale -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xft", "env", "expected"),
    [
        (None, {}, 1.0),
        (96.0, {}, 1.0),
        (120.0, {}, 1.25),
        (144.0, {}, 1.5),
        (192.0, {"GDK_SCALE": "3"}, 2.0),  # the desktop-wide setting wins
        (None, {"GDK_SCALE": "2"}, 2.0),
        (None, {"QT_SCALE_FACTOR": "1.5"}, 1.5),
        (None, {"GDK_SCALE": "2", "QT_SCALE_FACTOR": "1.5"}, 2.0),
        (None, {"GDK_SCALE": "nonsense", "QT_SCALE_FACTOR": "1.25"}, 1.25),
        (None, {"GDK_SCALE": "0", "QT_SCALE_FACTOR": "-1"}, 1.0),
        (0.0, {}, 1.0),
    ],
)
def test_scale_precedence(xft: float | None, env: dict[str, str], expected: float) -> None:
    assert scale_from_settings(xft, env) == expected


def test_parse_xft_dpi() -> None:
    assert parse_xft_dpi("Xft.antialias:\t1\nXft.dpi:\t144\nXft.hinting:\t1\n") == 144.0
    assert parse_xft_dpi("Xft.dpi: 120.5") == 120.5
    assert parse_xft_dpi("Xcursor.size: 24\n") is None


# -- monitors from mss ------------------------------------------------------------------------


def test_monitors_from_mss_skips_the_union_and_keeps_negative_offsets() -> None:
    raw = [
        {"left": -1920, "top": -200, "width": 4480, "height": 1640},
        {"left": -1920, "top": -200, "width": 1920, "height": 1080, "name": "DP-1"},
        {"left": 0, "top": 0, "width": 2560, "height": 1440, "output": "HDMI-1"},
    ]
    left, right = monitors_from_mss(raw, scale=1.25)
    assert (left.index, left.left, left.top, left.width, left.height) == (
        1,
        -1920,
        -200,
        1920,
        1080,
    )
    assert left.name == "DP-1" and right.name == "HDMI-1"
    assert left.scale == right.scale == 1.25
    # nothing marked primary: the monitor at the origin is
    assert (left.is_primary, right.is_primary) == (False, True)
    assert "(primary)" in right.label() and "×1.25" in right.label()


def test_primary_flag_from_mss_wins() -> None:
    raw = [
        {"left": 0, "top": 0, "width": 3840, "height": 1080},
        {"left": 0, "top": 0, "width": 1920, "height": 1080, "is_primary": False},
        {"left": 1920, "top": 0, "width": 1920, "height": 1080, "is_primary": True},
    ]
    assert [m.is_primary for m in monitors_from_mss(raw)] == [False, True]


def test_no_monitor_at_origin_makes_the_first_primary() -> None:
    raw = [{}, {"left": 100, "top": 0, "width": 800, "height": 600}]
    assert monitors_from_mss(raw)[0].is_primary


def test_get_monitor_names_the_valid_range() -> None:
    monitors = [Monitor(1, 0, 0, 800, 600), Monitor(2, 800, 0, 800, 600)]
    assert get_monitor(monitors, 2).left == 800
    with pytest.raises(CaptureError, match=r"no monitor 3 \(monitors: 1, 2\)"):
        get_monitor(monitors, 3)


# -- the capture pipeline over a fake mss -------------------------------------------------------


class FakeGrab:
    def __init__(self, raw: bytearray, width: int, height: int) -> None:
        self.raw, self.width, self.height = raw, width, height


class FakeMSS:
    """Two side-by-side monitors, the left one at a negative offset; grabs are flat colour."""

    instances: ClassVar[list[FakeMSS]] = []
    monitors: ClassVar[list[dict[str, int]]] = [
        {"left": -1920, "top": 0, "width": 3840, "height": 1080},
        {"left": -1920, "top": 0, "width": 1920, "height": 1080},
        {"left": 0, "top": 0, "width": 1920, "height": 1080},
    ]

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.closed = False
        self.grabs: list[dict[str, int]] = []
        FakeMSS.instances.append(self)

    def grab(self, region: dict[str, int]) -> FakeGrab:
        assert threading.get_ident() == self.thread, "an mss instance used from another thread"
        self.grabs.append(dict(region))
        width, height = region["width"], region["height"]
        pixels = np.full((height, width, 4), 255, np.uint8)
        pixels[:, :, 1] = 160
        return FakeGrab(bytearray(pixels.tobytes()), width, height)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_mss(monkeypatch: pytest.MonkeyPatch) -> type[FakeMSS]:
    FakeMSS.instances = []
    monkeypatch.setattr(mss, "MSS", FakeMSS)
    monkeypatch.setattr(monitors_module, "_SCALE_CACHE", [1.5])
    return FakeMSS


def test_capture_scales_encodes_and_maps(fake_mss: type[FakeMSS]) -> None:
    capturer = ScreenCapturer(monitor=1, image_format="png")
    shot = capturer.capture()
    assert fake_mss.instances[0].grabs == [{"left": -1920, "top": 0, "width": 1920, "height": 1080}]
    assert (shot.width, shot.height) == (1280, 720)
    assert shot.mime == "image/png" and shot.size_bytes == len(shot.data)
    assert shot.data_url == "data:image/png;base64," + base64.b64encode(shot.data).decode()
    assert shot.mapping.monitor.left == -1920 and shot.mapping.monitor.scale == 1.5
    assert shot.mapping.to_screen(0, 0) == (-1920, 0)
    assert min(shot.grab_ms, shot.scale_ms, shot.encode_ms) >= 0
    assert shot.total_ms == pytest.approx(shot.grab_ms + shot.scale_ms + shot.encode_ms)
    assert decode(shot.data).shape == (720, 1280, 3)
    capturer.close()


def test_capture_masks_before_scaling(fake_mss: type[FakeMSS]) -> None:
    capturer = ScreenCapturer(monitor=2, image_format="png", viewport=(960, 540))
    window = (100, 100, 400, 200)
    shot = capturer.capture(mask=[window, (-5000, 0, 10, 10)])
    assert shot.masked == (window,)
    pixels = decode(shot.data)
    assert pixels[51:149, 51:249].max() == 0  # the window, at half size
    assert pixels[10:40, 10:40].min() > 100  # elsewhere untouched
    left, top = shot.mapping.to_physical(51, 51)
    assert Monitor(1, *window).rect.contains(left, top)
    capturer.close()


def test_declared_viewport_is_used_as_is(fake_mss: type[FakeMSS]) -> None:
    with ScreenCapturer(monitor=2, viewport=(1024, 768), coordinates="normalized") as capturer:
        shot = capturer.capture()
    assert (shot.width, shot.height) == (1024, 768)
    assert shot.mapping.coordinates == "normalized"
    assert shot.mapping.to_screen(500, 500) == (960, 540)


def test_region_capture_and_auto_viewport(fake_mss: type[FakeMSS]) -> None:
    with ScreenCapturer(monitor=2, region=(100, 50, 800, 600), max_width=400) as capturer:
        shot = capturer.capture()
    assert fake_mss.instances[0].grabs[-1] == {"left": 100, "top": 50, "width": 800, "height": 600}
    assert (shot.width, shot.height) == (400, 300)
    assert shot.mapping.to_screen(0, 0) == (101, 51)  # the centre of a 2×2 footprint
    assert shot.mapping.to_screen(399, 299) == (899, 649)


def test_region_off_the_monitor_is_an_error(fake_mss: type[FakeMSS]) -> None:
    with (
        ScreenCapturer(monitor=1, region=(100, 50, 800, 600)) as capturer,
        pytest.raises(CaptureError, match="not inside monitor 1"),
    ):
        capturer.capture()


def test_bad_monitor_index(fake_mss: type[FakeMSS]) -> None:
    with ScreenCapturer(monitor=3) as capturer, pytest.raises(CaptureError, match="no monitor 3"):
        capturer.capture()


def test_one_mss_per_thread_reused_and_all_closed(fake_mss: type[FakeMSS]) -> None:
    capturer = ScreenCapturer(monitor=1)
    capturer.capture()
    capturer.capture()
    results: list[Any] = []

    def worker() -> None:
        results.append(capturer.capture())
        results.append(capturer.capture())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert len(fake_mss.instances) == 3 and capturer.open_connections() == 3
    assert [len(instance.grabs) for instance in fake_mss.instances] == [2, 2, 2]
    capturer.close()
    assert all(instance.closed for instance in fake_mss.instances)
    with pytest.raises(CaptureError, match="closed"):
        capturer.capture()


def test_forbid_main_thread(fake_mss: type[FakeMSS]) -> None:
    capturer = ScreenCapturer(forbid_main_thread=True)
    with pytest.raises(CaptureError, match="worker thread"):
        capturer.capture()
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(capturer.capture()))
    thread.start()
    thread.join()
    assert len(results) == 1
    capturer.close()


def test_capturer_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        ScreenCapturer(image_format="bmp")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ScreenCapturer(quality=101)
    with pytest.raises(ValueError):
        ScreenCapturer(viewport=(0, 10))
    with pytest.raises(ValueError):
        ScreenCapturer(region=(0, 0, 0, 10))
