"""Grab a monitor (or a region of it), mask, scale to the model's viewport, encode.

Threading: `ScreenCapturer.capture` blocks (a grab, a resize and an encode: ~15 ms at
1920×1080 → 1280×720 JPEG) and is meant for worker threads (``asyncio.to_thread``), never the
GUI thread. mss instances hold an X connection that must not be shared between threads, so the
capturer keeps one ``mss.MSS()`` per thread (thread-local, created on first use, reused for every
later grab on that thread) and closes them all in `close`.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from console_app.capture.encode import (
    MIME_TYPES,
    apply_mask,
    encode,
    scale_and_drop_alpha,
)
from console_app.capture.mapping import (
    InputSpace,
    ViewportMapping,
    auto_viewport,
)
from console_app.capture.monitors import (
    CaptureError,
    Monitor,
    desktop_scale,
    get_monitor,
    monitors_from_mss,
    session_problem,
)
from console_app.capture.settle import Probe, make_probe
from console_app.core.geometry import CoordinateSpace, Rect, RectTuple
from console_app.core.settings import ImageFormat


@dataclass(frozen=True)
class Screenshot:
    data: bytes = field(repr=False)
    mime: str
    width: int
    height: int
    mapping: ViewportMapping
    grab_ms: float
    scale_ms: float
    encode_ms: float
    captured_at: float = 0.0
    """``time.time()`` when the grab finished."""
    masked: tuple[RectTuple, ...] = ()
    """The screen rectangles that were painted black (clipped to the source)."""
    probe: Probe | None = field(default=None, repr=False, compare=False)
    """A small grey copy of the same pixels (`capture.settle`): what settling and the
    stale-screen guard compare, and how a blank capture is recognised."""

    @functools.cached_property
    def data_url(self) -> str:
        """Built once: the loop puts it in the request and counts its size (~0.3 ms each)."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    @property
    def size_bytes(self) -> int:
        return len(self.data)

    @property
    def total_ms(self) -> float:
        return self.grab_ms + self.scale_ms + self.encode_ms


class ScreenCapturer:
    """Captures one monitor (or a region of it) for the model, with the mapping back.

    ``viewport=None`` is "auto": the source's aspect ratio with width ≤ ``max_width``, never
    upscaled. A declared viewport is used as is (the model was told that size), even if that
    means a different aspect ratio or an upscale.
    """

    def __init__(
        self,
        monitor: int = 1,
        viewport: tuple[int, int] | None = None,
        max_width: int = 1280,
        image_format: ImageFormat = "jpeg",
        quality: int = 80,
        coordinates: CoordinateSpace = "pixels",
        *,
        region: RectTuple | None = None,
        input_space: InputSpace = "physical",
        forbid_main_thread: bool = False,
    ) -> None:
        if image_format not in MIME_TYPES:
            raise ValueError(f"unknown image format {image_format!r} (jpeg, png or webp)")
        if not 1 <= quality <= 100:
            raise ValueError(f"quality must be 1–100, not {quality}")
        if viewport is not None and (viewport[0] <= 0 or viewport[1] <= 0):
            raise ValueError(f"the viewport must have a positive size, not {viewport}")
        if max_width <= 0:
            raise ValueError("max_width must be positive")
        if region is not None and Rect.of(region).is_empty:
            raise ValueError(f"region {region} is empty")
        self.monitor_index = monitor
        self.viewport = viewport
        self.max_width = max_width
        self.image_format: ImageFormat = image_format
        self.quality = quality
        self.coordinates: CoordinateSpace = coordinates
        self.region = Rect.of(region).as_tuple() if region is not None else None
        self.input_space: InputSpace = input_space
        self.forbid_main_thread = forbid_main_thread
        self._local = threading.local()
        self._instances: list[Any] = []
        self._lock = threading.Lock()
        self._closed = False

    # -- mss per thread -----------------------------------------------------------------------
    def _sct(self) -> Any:
        if self._closed:
            raise CaptureError("the screen capturer is closed")
        sct = getattr(self._local, "sct", None)
        if sct is None:
            problem = session_problem()
            if problem:
                raise CaptureError(problem)
            try:
                import mss

                sct = mss.MSS()
            except Exception as exc:
                raise CaptureError(f"cannot open the screen: {exc}") from exc
            self._local.sct = sct
            with self._lock:
                self._instances.append(sct)
        return sct

    def monitor(self) -> Monitor:
        """The monitor this capturer grabs (re-read from this thread's mss connection)."""
        sct = self._sct()
        return get_monitor(monitors_from_mss(sct.monitors, desktop_scale()), self.monitor_index)

    def viewport_for(self, source: Rect) -> tuple[int, int]:
        if self.viewport is not None:
            return self.viewport
        return auto_viewport(source.width, source.height, self.max_width)

    # -- capture --------------------------------------------------------------------------------
    def capture(self, mask: Sequence[RectTuple | Rect] = ()) -> Screenshot:
        """Grab, mask (absolute screen rects painted black), scale and encode. Blocking."""
        if self.forbid_main_thread and threading.current_thread() is threading.main_thread():
            raise CaptureError("capture() must run on a worker thread, not the GUI thread")
        monitor = self.monitor()
        mapping_region = self.region
        source = Rect.of(self.region) if self.region is not None else monitor.rect
        if not monitor.rect.contains_rect(source):
            raise CaptureError(
                f"region {source.as_tuple()} is not inside monitor {monitor.index} "
                f"{monitor.rect.as_tuple()}"
            )
        viewport = self.viewport_for(source)

        start = time.perf_counter()
        pixels = self._grab(source)
        captured_at = time.time()
        grabbed = time.perf_counter()

        masked = apply_mask(pixels, source, mask)
        scaled = scale_and_drop_alpha(pixels, viewport)
        probe = make_probe(scaled, viewport)
        resized = time.perf_counter()

        data = encode(scaled, self.image_format, self.quality)
        done = time.perf_counter()

        mapping = ViewportMapping(
            viewport_width=viewport[0],
            viewport_height=viewport[1],
            monitor=monitor,
            region=mapping_region,
            coordinates=self.coordinates,
            input_space=self.input_space,
        )
        return Screenshot(
            data=data,
            mime=MIME_TYPES[self.image_format],
            width=viewport[0],
            height=viewport[1],
            mapping=mapping,
            grab_ms=(grabbed - start) * 1000,
            scale_ms=(resized - grabbed) * 1000,
            encode_ms=(done - resized) * 1000,
            captured_at=captured_at,
            masked=tuple(rect.as_tuple() for rect in masked),
            probe=probe,
        )

    def probe(self, mask: Sequence[RectTuple | Rect] = ()) -> Probe:
        """Only the probe of a fresh grab (masked like `capture`): ~5 ms, for settling."""
        source = Rect.of(self.region) if self.region is not None else self.monitor().rect
        viewport = self.viewport_for(source)
        pixels = self._grab(source)
        apply_mask(pixels, source, mask)
        # The same scaling as `capture`, so a probe and a capture's probe compare exactly.
        return make_probe(scale_and_drop_alpha(pixels, viewport), viewport)

    def _grab(self, source: Rect) -> npt.NDArray[np.uint8]:
        """BGRA pixels of ``source`` (a writable view over mss's buffer: masking paints in
        place, no copy)."""
        try:
            shot = self._sct().grab(
                {
                    "left": source.left,
                    "top": source.top,
                    "width": source.width,
                    "height": source.height,
                }
            )
        except CaptureError:
            raise
        except Exception as exc:
            raise CaptureError(f"screen grab failed: {exc}") from exc
        return np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)

    def open_connections(self) -> int:
        """How many per-thread mss connections are open (one per thread that captured)."""
        with self._lock:
            return len(self._instances)

    def close(self) -> None:
        """Close every per-thread mss connection. Call after the capturing threads are idle."""
        with self._lock:
            instances, self._instances = self._instances, []
            self._closed = True
        for sct in instances:
            # closing a dead X connection must not mask the real shutdown
            with contextlib.suppress(Exception):
                sct.close()

    def __enter__(self) -> ScreenCapturer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
