"""The terminal that supervises a run: read answers safely, and keep the agent out of it.

Why this needs care: the agent types on the same X display the terminal is on. Text it types
while the terminal has the keyboard focus would land in the terminal's input buffer and could
answer the next approval prompt (``y⏎``) — the agent approving itself — or run in the shell
after the console exits. So:

* the input buffer is flushed before every prompt and at exit (nothing typed while no prompt
  was shown can count as an answer);
* on X11, the terminal's window is found (``$WINDOWID``, else the focused window at start when
  a human is at the terminal), masked in every screenshot, forbidden as a pointer target, and
  guarded like the console window: keys are never sent while it has the focus;
* prompts are read on a daemon thread, so Ctrl+C (which stops the run) never leaves the process
  waiting for a line nobody will type.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable

from console_app.core.geometry import RectTuple
from console_app.executor.keyboard_focus import KeyboardFocusGuard


def flush_input() -> None:
    """Discard whatever was typed into the terminal and not read yet."""
    if not sys.stdin.isatty():
        return
    with contextlib.suppress(ImportError, OSError, ValueError):
        import termios

        termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)


async def read_line(prompt: str, reader: Callable[[str], str] = input) -> str:
    """One answer from the terminal, read on a daemon thread (see the module doc)."""
    flush_input()
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def read() -> None:
        try:
            line = reader(prompt)
        except BaseException as exc:  # EOFError, KeyboardInterrupt: hand them to the waiter
            loop.call_soon_threadsafe(_settle, answer, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, answer, line, None)

    threading.Thread(target=read, name="terminal-prompt", daemon=True).start()
    return await answer


def _settle(future: asyncio.Future[str], line: str | None, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(line or "")


class TerminalWindow:
    """The supervising terminal's X window: its rectangle (for the mask) and a focus guard."""

    def __init__(self, *, interactive: bool) -> None:
        self._ids: frozenset[int] = frozenset()
        self.guard = KeyboardFocusGuard(lambda: self._ids, owner="terminal")
        if not self.guard.available:
            return
        window = _int(os.environ.get("WINDOWID"))
        if window is None and interactive:
            focused = self.guard.focused_window()
            window = self.guard.top_level(focused) if focused not in (None, 0, 1) else None
        if window is not None:
            top = self.guard.top_level(window) or window
            self._ids = frozenset({window, top})
            self.window: int | None = top
        else:
            self.window = None

    @property
    def found(self) -> bool:
        return bool(self._ids)

    def rects(self) -> list[RectTuple]:
        """Where the terminal is now (it may be moved during the run)."""
        if self.window is None:
            return []
        rect = self.guard.window_rect(self.window)
        return [rect] if rect is not None else []

    def close(self) -> None:
        self.guard.close()


def _int(text: str | None) -> int | None:
    try:
        return int(text, 0) if text else None
    except ValueError:
        return None
