"""The console's side of the keyboard focus guard: which X windows are the console's.

The guard itself (``executor.keyboard_focus.KeyboardFocusGuard``) runs on the loop's capture
and input threads: it remembers where the agent's keys belong at each capture and, before a
keyboard action, hands focus back from the console (the supervisor approved with Enter or a
click, so the console has it) — or refuses the action if it cannot. Qt may only be asked for
window ids on the GUI thread, so `ConsoleWindows` keeps a snapshot, refreshed on the GUI thread
before every capture and execution (the exclusion callback runs there), and read lock-free by
the guard's threads.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from console_app.executor.keyboard_focus import KeyboardFocusGuard


class ConsoleWindows:
    """A thread-safe snapshot of the X ids of the console's visible top-level windows."""

    def __init__(self) -> None:
        self._ids: frozenset[int] = frozenset()

    def refresh(self) -> None:
        """GUI thread only."""
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            self._ids = frozenset()
            return
        self._ids = frozenset(
            int(widget.winId())
            for widget in app.topLevelWidgets()
            if widget.isVisible() and widget.windowHandle() is not None
        )

    def __call__(self) -> frozenset[int]:
        return self._ids


def console_focus_guard(windows: ConsoleWindows) -> KeyboardFocusGuard:
    if QApplication.platformName() != "xcb":
        guard = KeyboardFocusGuard(frozenset, owner="console")
        guard.close()
        guard.status = f"no X11 focus control on {QApplication.platformName()}"
        return guard
    return KeyboardFocusGuard(windows, owner="console")
