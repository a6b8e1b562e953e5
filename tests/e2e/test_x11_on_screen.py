"""`X11Windows.on_screen`: a window counts as shown while it, or the frame a window manager put
around it, is viewable — a frame keeps an unmapped client's pixels until it is unmapped too.
Real X windows on the suite's Xvfb: a "frame" (child of the root) holding a "client"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from console_app.executor.x11_windows import X11Windows

pytestmark = pytest.mark.e2e


@pytest.fixture
def frame_and_client() -> Iterator[tuple[Any, Any, Any]]:
    from Xlib import X
    from Xlib.display import Display

    display = Display()
    root = display.screen().root
    frame = root.create_window(10, 10, 200, 100, 0, X.CopyFromParent)
    client = frame.create_window(0, 20, 200, 80, 0, X.CopyFromParent)
    client.map()
    frame.map()
    display.sync()
    yield display, frame, client
    frame.destroy()
    display.sync()
    display.close()


def test_a_client_is_shown_until_its_frame_is_unmapped(frame_and_client: Any) -> None:
    display, frame, client = frame_and_client
    windows = X11Windows()
    try:
        assert windows.on_screen(client.id)
        client.unmap()  # the application hid its window…
        display.sync()
        assert windows.on_screen(client.id)  # …but the frame, with its pixels, is still there
        frame.unmap()  # the window manager caught up
        display.sync()
        assert not windows.on_screen(client.id)
        assert not windows.on_screen(0x7FFFFFF)  # no such window
    finally:
        windows.close()
