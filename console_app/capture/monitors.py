"""Which monitors there are, where they are, and how the desktop scales them.

Units (the convention the whole capture → executor path uses):

* ``left/top/width/height`` are **screen pixels** as mss reports and grabs them. On X11 and on
  Windows (mss and pyautogui both make the process DPI-aware) these are physical device pixels,
  the units XTest, xdotool and pyautogui take. Offsets may be negative (a monitor left of or
  above the primary one on Windows/macOS; X11 itself has no negative root coordinates).
* ``scale`` is the monitor's device pixel ratio — physical pixels per logical UI pixel — as the
  desktop's toolkits see it (1, 1.25, 1.5, 2…). X11 has no per-monitor ratio; this module reads,
  in order: ``Xft.dpi`` from the root window's resources (÷ 96), ``GDK_SCALE``,
  ``QT_SCALE_FACTOR``, else 1.0. On X11 it is informational: input there is in physical pixels,
  so the viewport mapping ignores it unless an input backend says it takes *logical* coordinates
  (see ``ViewportMapping.input_space``).

mss numbers monitors 1..N (0 is the bounding box of all of them, which the console never offers:
a model looking at two monitors at once gets neither readable).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from console_app.core.geometry import Rect


class CaptureError(RuntimeError):
    """The screen could not be listed or grabbed (no display, bad monitor index, closed)."""


@dataclass(frozen=True)
class Monitor:
    index: int
    """mss numbering: 1..N."""
    left: int
    top: int
    width: int
    height: int
    scale: float = 1.0
    """Device pixel ratio (physical pixels per logical pixel); see the module docstring."""
    is_primary: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"monitor {self.index} has an empty size {self.width}×{self.height}")
        if not self.scale > 0:
            raise ValueError(f"monitor {self.index} has a non-positive scale {self.scale}")

    @property
    def rect(self) -> Rect:
        return Rect(self.left, self.top, self.width, self.height)

    def label(self) -> str:
        """What a monitor picker shows: ``1: screen 1920×1080 at (0, 0) ×1.25 (primary)``."""
        parts = [f"{self.index}:"]
        if self.name:
            parts.append(self.name)
        parts.append(f"{self.width}×{self.height} at ({self.left}, {self.top})")
        if self.scale != 1.0:
            parts.append(f"×{self.scale:g}")
        if self.is_primary:
            parts.append("(primary)")
        return " ".join(parts)


_XFT_DPI = re.compile(r"^Xft\.dpi:\s*([0-9.]+)\s*$", re.MULTILINE)


WAYLAND_WITHOUT_X11 = (
    "This is a Wayland session without X11 access, so the console cannot see or control the "
    'screen: log in to an X11 ("Xorg") session, or start the console where DISPLAY is set.'
)


def session_problem(env: Mapping[str, str] | None = None) -> str | None:
    """Why this session's screen cannot be captured at all (one sentence), or ``None``."""
    env = os.environ if env is None else env
    if sys.platform.startswith("linux") and not env.get("DISPLAY") and env.get("WAYLAND_DISPLAY"):
        return WAYLAND_WITHOUT_X11
    return None


def scale_from_settings(xft_dpi: float | None, env: Mapping[str, str]) -> float:
    """The desktop scale from ``Xft.dpi`` (÷ 96) or the toolkit variables; 1.0 when unknown.

    Pure, so the precedence is unit-tested without a display. Values are rounded to 1/100
    (``Xft.dpi: 120`` → 1.25, ``144`` → 1.5) and anything non-positive or unparsable is ignored.
    """
    if xft_dpi is not None and xft_dpi > 0:
        return round(xft_dpi / 96.0, 2)
    for name in ("GDK_SCALE", "QT_SCALE_FACTOR"):
        raw = env.get(name, "").strip()
        try:
            value = float(raw)
        except ValueError:
            continue
        if value > 0:
            return round(value, 2)
    return 1.0


def parse_xft_dpi(resources: str) -> float | None:
    """``Xft.dpi`` from an X resource database string (``RESOURCE_MANAGER``), if present."""
    match = _XFT_DPI.search(resources)
    if match is None:
        return None
    try:
        return float(match.group(1))
    except ValueError:
        return None


def _read_xft_dpi() -> float | None:
    """Read ``Xft.dpi`` from the X server (python-xlib), or ``None`` off X11 or on any error."""
    if not os.environ.get("DISPLAY"):
        return None
    try:
        from Xlib import Xatom
        from Xlib.display import Display

        display = Display()
        try:
            root = display.screen().root
            prop = root.get_full_property(display.intern_atom("RESOURCE_MANAGER"), Xatom.STRING)
            if prop is None:
                return None
            value = prop.value
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            return parse_xft_dpi(text)
        finally:
            display.close()
    except Exception:  # no Xlib, no display, no property: the scale is simply unknown
        return None


_SCALE_CACHE: list[float] = []


def desktop_scale(*, refresh: bool = False) -> float:
    """The desktop's scale factor, read once per process (``refresh=True`` re-reads)."""
    if refresh or not _SCALE_CACHE:
        _SCALE_CACHE[:] = [scale_from_settings(_read_xft_dpi(), os.environ)]
    return _SCALE_CACHE[0]


def monitors_from_mss(raw: Sequence[Mapping[str, Any]], scale: float = 1.0) -> list[Monitor]:
    """`Monitor` values from mss's ``monitors`` list (entry 0, the union, is skipped).

    When mss marks no monitor primary (Xvfb, older X servers), the one at the origin is primary,
    else monitor 1 — that is where new windows and pyautogui's fail-safe corners are.
    """
    entries = list(raw)[1:]
    any_primary = any(bool(entry.get("is_primary")) for entry in entries)
    at_origin = next(
        (i for i, entry in enumerate(entries, 1) if entry["left"] == 0 and entry["top"] == 0), 1
    )
    monitors = []
    for index, entry in enumerate(entries, 1):
        primary = bool(entry.get("is_primary")) if any_primary else index == at_origin
        name = str(entry.get("name") or entry.get("output") or "")
        monitors.append(
            Monitor(
                index=index,
                left=int(entry["left"]),
                top=int(entry["top"]),
                width=int(entry["width"]),
                height=int(entry["height"]),
                scale=scale,
                is_primary=primary,
                name=name,
            )
        )
    return monitors


def list_monitors() -> list[Monitor]:
    """Every monitor, numbered like mss (1..N). Raises `CaptureError` without a display."""
    try:
        import mss

        with mss.MSS() as sct:
            raw = sct.monitors
    except Exception as exc:  # mss raises its own ScreenShotError, or ctypes errors
        raise CaptureError(f"cannot list monitors: {exc}") from exc
    return monitors_from_mss(raw, desktop_scale())


def get_monitor(monitors: Sequence[Monitor], index: int) -> Monitor:
    """The monitor with this mss index, or `CaptureError` naming the valid range."""
    for monitor in monitors:
        if monitor.index == index:
            return monitor
    valid = ", ".join(str(m.index) for m in monitors) or "none"
    raise CaptureError(f"there is no monitor {index} (monitors: {valid})")
