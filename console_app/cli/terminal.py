"""The terminal that supervises a run: read answers safely, and keep the agent out of it.

Why this needs care: the agent types on the same X display the terminal is on, and it can run
programs. Text it types while the terminal has the keyboard focus, or that a program it started
writes to the terminal (``tmux send-keys``), would answer the next approval prompt (``y⏎``) —
the agent approving itself. So:

* **an answer counts only if a human typed it here** (`ask_human`): on X11 a line is accepted
  only when the X server delivered an Enter key press to the supervising terminal's window
  while the prompt was open (``key_witness.py``); a line that arrives without one (written by
  tmux, screen, TIOCSTI…) is discarded with a visible warning;
* the input buffer is flushed before every prompt and at exit (nothing typed while no prompt
  was shown can count as an answer);
* the terminal's window is known for sure (``terminal_window.py``: ``$WINDOWID`` is verified
  against this terminal's process tree, tmux clients included), masked in every screenshot,
  forbidden as a pointer target, and keys are never sent while it has the focus;
* prompts are read on a daemon thread, so Ctrl+C (which stops the run) never leaves the process
  waiting for a line nobody will type.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from typing import Protocol, TextIO

from console_app.cli.terminal_window import TerminalWindow

NOT_TYPED_HERE = (
    "  ! ignored an answer that was not typed on this terminal's keyboard (no key press reached "
    "this terminal window: another program wrote it); type your answer here"
)


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
            line: str | None = reader(prompt)
            error: BaseException | None = None
        except BaseException as exc:  # EOFError, KeyboardInterrupt: hand them to the waiter
            line, error = None, exc
        # The waiter may be gone: the run ended (its loop closed) while the prompt still
        # waited for a line; the line then answers nothing.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, answer, line, error)

    threading.Thread(target=read, name="terminal-prompt", daemon=True).start()
    return await answer


def _settle(future: asyncio.Future[str], line: str | None, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(line or "")


class Witness(Protocol):
    def begin(self) -> None: ...

    def confirm(self) -> bool: ...


async def ask_human(
    prompt: str,
    reader: Callable[[str], str] = input,
    *,
    witness: Witness | None = None,
    out: TextIO | None = None,
) -> str:
    """A line the human typed at this terminal: lines nobody typed here are discarded."""
    while True:
        if witness is not None:
            witness.begin()
        line = await read_line(prompt, reader)
        if witness is None or await asyncio.to_thread(witness.confirm):
            return line
        print(NOT_TYPED_HERE, file=out or sys.stderr, flush=True)


__all__ = ["NOT_TYPED_HERE", "TerminalWindow", "Witness", "ask_human", "flush_input", "read_line"]
