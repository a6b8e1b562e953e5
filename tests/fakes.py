"""Fakes shared by every test suite (no Qt here; ``tests/gui/fakes.py`` adds painted screens).

* `FakeShot` — what the agent loop needs from a capture (``agent.ports.Shot``).
* `MONITOR` — the one 1920×1080 monitor the fakes' mappings point at.
* `fake_mapping` — a viewport mapping onto `MONITOR`, in pixels or thousandths.

The ``home`` fixture (a private data/config/log folder and keyring) is in ``tests/conftest.py``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from console_app.capture.mapping import ViewportMapping
from console_app.capture.monitors import Monitor

MONITOR = Monitor(index=1, left=0, top=0, width=1920, height=1080, scale=1.0, is_primary=True)


def fake_mapping(width: int = 1280, height: int = 720, normalized: bool = False) -> ViewportMapping:
    return ViewportMapping(
        viewport_width=width,
        viewport_height=height,
        monitor=MONITOR,
        coordinates="normalized" if normalized else "pixels",
    )


@dataclass
class FakeShot:
    data: bytes
    mime: str
    width: int
    height: int
    mapping: ViewportMapping
    grab_ms: float = 1.0
    scale_ms: float = 2.0
    encode_ms: float = 3.0
    probe: Any = None  # a `capture.settle` probe, for screens that can be compared
    masked: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def data_url(self) -> str:
        return f"data:{self.mime};base64," + base64.b64encode(self.data).decode()
