"""capture layer: monitors, grab, scale, encode, and the viewport ↔ screen mapping.

No Qt here (import-linter forbids it): capture runs on worker threads and in terminal mode.
"""

from console_app.capture.mapping import (
    InputSpace,
    OutOfScreenError,
    ViewportMapping,
    auto_viewport,
)
from console_app.capture.monitors import CaptureError, Monitor, list_monitors
from console_app.capture.screen import ScreenCapturer, Screenshot

__all__ = [
    "CaptureError",
    "InputSpace",
    "Monitor",
    "OutOfScreenError",
    "ScreenCapturer",
    "Screenshot",
    "ViewportMapping",
    "auto_viewport",
    "list_monitors",
]
