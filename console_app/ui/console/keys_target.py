"""Which application window gets the keys, on the compact panel (part of `Supervision`).

The panel shows "Keys go to: <window>" for the window the loop's focus guard hands the focus
back to before every action. When a keyboard action waits and no window is known yet, the panel
asks which window gets the keys; the human clicks it (`SupervisorFocus.pick`), or uses the
panel's button to pick again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from console_app.ui.console.compact_panel import CompactPanel
from console_app.ui.desktop.window_tracker import SupervisorFocus

PICK_QUESTION = "Which window gets the keys? Click it"


class KeysTarget:
    """The panel's "Keys go to" line and the pick question.

    ``on_picked`` runs after the human picked a window (the overlay redraws its focus frame).
    """

    def __init__(
        self, panel: CompactPanel, focus: SupervisorFocus, on_picked: Callable[[], None]
    ) -> None:
        self.panel = panel
        self.focus = focus
        self.on_picked = on_picked
        self._asked = False
        self._task: asyncio.Task[Any] | None = None

    def new_run(self) -> None:
        """A run starts: it may ask once more."""
        self._asked = False
        self.show()

    def show(self) -> None:
        if not self.focus.available:
            self.panel.keys_target.setText("")
            return
        target = self.focus.target()
        name = self.focus.target_name()
        self.panel.keys_target.setText(
            f"Keys go to: {name or hex(target or 0)}"
            if target is not None
            else "Keys go to: no window yet"
        )

    def ask(self) -> None:
        """A keyboard action waits and no window is known: ask (and start a pick, once a run)."""
        self.panel.pick_button.setVisible(True)
        note = self.panel.note.text()
        self.panel.set_note(
            (note + "\n" if note else "") + f"{PICK_QUESTION} now (or use the button below)."
        )
        if not self._asked:
            self._asked = True
            self.start_pick()

    def start_pick(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._task = asyncio.ensure_future(self._pick())

    async def _pick(self) -> None:
        title = self.panel.windowTitle()
        self.panel.setWindowTitle(f"{PICK_QUESTION} — {title}")
        try:
            window = await self.focus.pick()
        finally:
            self.panel.setWindowTitle(title)
        if window is not None:
            self.panel.pick_button.setVisible(False)
            self.panel.set_note("")
            self.show()
            self.on_picked()
