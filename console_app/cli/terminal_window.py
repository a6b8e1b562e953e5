"""Which X window is the terminal supervising this run — known for sure, never guessed.

``$WINDOWID`` alone is not trusted: under tmux or screen it is the window of the terminal the
session was *started* in, which may be gone, reused, or simply not the one the human looks at
after a re-attach from another terminal. A window counts as ours only if its ``_NET_WM_PID``
is a process in this terminal's tree:

* our own ancestors (the terminal emulator that runs our shell), and
* under tmux, the ancestors of every tmux *client* attached to our session (the terminals that
  show this pane now; after a re-attach that is the new terminal).

``$WINDOWID`` is used when it passes that check; otherwise every window that does is used (all
are masked, guarded and accepted for answers — over-protecting is safe). When none is found,
interactive approval refuses to start (see ``run_cmd``): an unprotected terminal could be read
in screenshots, clicked and typed into by the agent.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from console_app.capture.x11_props import Atoms, window_pid
from console_app.cli.key_witness import KeyWitness
from console_app.executor.keyboard_focus import KeyboardFocusGuard

log = logging.getLogger(__name__)

Rect = tuple[int, int, int, int]


class TerminalWindow:
    """The supervising terminal's X windows: rectangles (for the mask), focus guard, witness."""

    def __init__(
        self,
        *,
        interactive: bool,
        env: Mapping[str, str] | None = None,
        pid: int | None = None,
    ) -> None:
        self._ids: frozenset[int] = frozenset()
        self.windows: tuple[int, ...] = ()
        self.how = ""
        self.witness: KeyWitness | None = None
        self.guard = KeyboardFocusGuard(lambda: self._ids, owner="terminal")
        if not self.guard.available:
            self.how = self.guard.status
            return
        environ = os.environ if env is None else env
        owners = terminal_pids(pid or os.getpid(), environ)
        self.windows, self.how = self._find(environ, owners)
        ids: set[int] = set()
        for window in self.windows:
            ids.add(window)
            ids.update(self._client_windows(window))
        self._ids = frozenset(ids)
        if self.windows and interactive:
            self.witness = KeyWitness(self.windows)
        log.info("supervising terminal: %s", self.how)

    @property
    def window(self) -> int | None:
        return self.windows[0] if self.windows else None

    @property
    def found(self) -> bool:
        return bool(self.windows)

    def rects(self) -> list[Rect]:
        """Where the terminal windows are now (they may be moved during the run)."""
        rects = []
        for window in self.windows:
            rect = self.guard.window_rect(window)
            if rect is not None:
                rects.append(rect)
        return rects

    def close(self) -> None:
        if self.witness is not None:
            self.witness.close()
        self.guard.close()

    # ------------------------------------------------------------------ finding

    def _find(self, env: Mapping[str, str], owners: set[int]) -> tuple[tuple[int, ...], str]:
        pids = self._window_pids()
        tops: dict[int, int] = {}  # top-level → pid
        for window, owner in pids.items():
            if owner in owners:
                top = self.guard.top_level(window) or window
                tops.setdefault(top, owner)
        claimed = _int(env.get("WINDOWID"))
        if claimed is not None:
            claimed_top = self.guard.top_level(claimed)
            if claimed_top is not None and claimed_top in tops:
                top = claimed_top
                others = tuple(t for t in tops if t != top) if env.get("TMUX") else ()
                return (top, *others), f"window 0x{top:x} ($WINDOWID, pid {tops[top]})"
            stale = f"$WINDOWID 0x{claimed:x} is not this terminal's window (stale), ignored; "
        else:
            stale = ""
        if not tops:
            return (), stale + "no window of this terminal's processes was found"
        listed = ", ".join(f"0x{t:x} (pid {p})" for t, p in tops.items())
        return tuple(tops), stale + f"window(s) {listed} found by process"

    def _window_pids(self) -> dict[int, int]:
        """Every window (to depth 3: WM frames hold the client) with a ``_NET_WM_PID``."""
        display: Any = getattr(self.guard, "_display", None)
        found: dict[int, int] = {}
        if display is None:
            return found
        try:
            atoms = Atoms(display)
            stack = [(display.screen().root, 0)]
            while stack:
                window, depth = stack.pop()
                for child in window.query_tree().children:
                    pid = _pid(child, atoms)
                    if pid is not None:
                        found[int(child.id)] = pid
                    elif depth < 2:
                        stack.append((child, depth + 1))
        except Exception:
            log.debug("could not list the windows", exc_info=True)
        return found

    def _client_windows(self, top: int) -> list[int]:
        display: Any = getattr(self.guard, "_display", None)
        if display is None:
            return []
        result: list[int] = []
        try:
            stack = [display.create_resource_object("window", top)]
            while stack and len(result) < 256:
                window = stack.pop()
                for child in window.query_tree().children:
                    result.append(int(child.id))
                    stack.append(child)
        except Exception:
            log.debug("could not walk 0x%x", top, exc_info=True)
        return result


def _pid(window: Any, atoms: Atoms) -> int | None:
    try:
        return window_pid(window, atoms)
    except Exception:  # destroyed meanwhile
        return None


def terminal_pids(pid: int, env: Mapping[str, str]) -> set[int]:
    """The processes whose windows can be this terminal: our ancestors and, under tmux, the
    ancestors of the tmux clients attached to our session."""
    pids = ancestors(pid)
    if env.get("TMUX"):
        for client in tmux_client_pids(env):
            pids |= ancestors(client)
    pids.discard(1)
    return pids


def ancestors(pid: int) -> set[int]:
    found: set[int] = set()
    while pid > 1 and pid not in found:
        found.add(pid)
        pid = _parent(pid)
    return found


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def tmux_client_pids(env: Mapping[str, str]) -> list[int]:
    pane = env.get("TMUX_PANE", "")
    try:
        session = _tmux(env, "display-message", "-p", "-t", pane, "#{session_id}").strip()
        lines = _tmux(env, "list-clients", "-t", session, "-F", "#{client_pid}").split()
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(line) for line in lines if line.isdigit()]


def _tmux(env: Mapping[str, str], *args: str) -> str:
    done = subprocess.run(
        ["tmux", *args],  # the user's tmux, found like their shell finds it
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=5,
        check=True,
    )
    return done.stdout


def _int(text: str | None) -> int | None:
    try:
        return int(text, 0) if text else None
    except ValueError:
        return None
