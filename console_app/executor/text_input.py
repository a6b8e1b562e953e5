"""Typing text exactly: xdotool on X11 (any Unicode), pyautogui elsewhere (ASCII only).

pyautogui's ``typewrite`` silently drops non-ASCII characters on X11, so on X11 every text goes
through ``xdotool type --clearmodifiers --delay N -- TEXT`` (``--clearmodifiers`` lifts held
modifiers such as a ``key_down shift`` for the duration, so the text arrives exactly as
written, and puts them back after). Characters that are not on the keyboard map are bound to
spare keycodes first (see ``executor/x11.py`` for why xdotool's own remapping loses emoji).
Line breaks never reach the typer: the planner turns them into Enter presses.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable

from console_app.executor.outcomes import ExecutionInterrupted
from console_app.executor.x11 import UnicodeKeymap

PIECE_CHARS = 64
"""Longest text per xdotool call: a stop request is honoured between pieces."""


class XdotoolTyper:
    def __init__(self, *, interval_s: float = 0.0, xdotool: str | None = None) -> None:
        self.delay_ms = max(0, round(interval_s * 1000))
        self.xdotool = xdotool or shutil.which("xdotool")
        self._keymap: UnicodeKeymap | None = None

    def _map(self) -> UnicodeKeymap:
        if self._keymap is None:
            self._keymap = UnicodeKeymap()
        return self._keymap

    def cannot_type(self, text: str) -> str | None:
        if self.xdotool is None:
            return "xdotool is not installed: text cannot be typed exactly on this X11 desktop"
        return None

    def type(self, text: str, stop: threading.Event) -> None:
        assert self.xdotool is not None
        keymap = self._map()
        for chunk in keymap.chunks(text):
            keymap.ensure(chunk)
            for start in range(0, len(chunk), PIECE_CHARS):
                if stop.is_set():
                    raise ExecutionInterrupted("typing was interrupted")
                piece = chunk[start : start + PIECE_CHARS]
                timeout = 10 + len(piece) * (self.delay_ms / 1000 + 0.05)
                result = subprocess.run(
                    [
                        self.xdotool,
                        "type",
                        "--clearmodifiers",
                        "--delay",
                        str(self.delay_ms),
                        "--",
                        piece,
                    ],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
                keymap.typed()
                if result.returncode != 0:
                    raise RuntimeError(
                        f"xdotool type failed (exit {result.returncode}): {result.stderr.strip()}"
                    )

    def close(self) -> None:
        if self._keymap is not None:
            keymap, self._keymap = self._keymap, None
            keymap.close()


class AsciiTyper:
    """pyautogui's ``write``: exact for printable ASCII and tab, so anything else is refused."""

    def __init__(self, write: Callable[[str, float], None], *, interval_s: float = 0.0) -> None:
        self._write = write
        self.interval_s = interval_s

    def cannot_type(self, text: str) -> str | None:
        bad = sorted({ch for ch in text if not (ch == "\t" or " " <= ch <= "~")})
        if bad:
            shown = "".join(bad[:10])
            return (
                f"cannot type {shown!r} exactly here: only ASCII text can be typed without "
                "xdotool (X11)"
            )
        return None

    def type(self, text: str, stop: threading.Event) -> None:
        for start in range(0, len(text), PIECE_CHARS):
            if stop.is_set():
                raise ExecutionInterrupted("typing was interrupted")
            self._write(text[start : start + PIECE_CHARS], self.interval_s)

    def close(self) -> None:
        pass
