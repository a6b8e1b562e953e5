"""What the message bar shows: `core.messages` from any layer, and the loop's `Problem` events.

Two kinds of entries:

* a *notice* (a `UserMessage`, or a `Problem` the loop only reports, e.g. a refused action):
  shown with Details and a dismiss button;
* a *waiting problem* (the loop called ``on_problem`` and is paused on it): shown with Retry /
  Stop and no dismiss; the loop stays paused until one of them is chosen (or the run stops).

`core.messages` listeners may be called from worker threads (history writes, input), so the
listener only emits a Qt signal; the bar is updated on the GUI thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from PySide6.QtCore import QObject, Qt, Signal

from console_app.agent.events import Problem
from console_app.core import messages
from console_app.ui.console.problems_view import MessageBar

log = logging.getLogger(__name__)

_KIND_LEVEL = {
    "api": "error",
    "network": "error",
    "validation": "error",
    "capture": "error",
    "blind": "error",
    "executor": "error",
    "refused": "warning",
    "internal": "error",
    "storage": "error",
}
_KIND_TITLE = {
    "api": "API error",
    "network": "Network error",
    "validation": "Unexpected answer",
    "capture": "Screen capture failed",
    "blind": "The console cannot see the screen",
    "executor": "Action failed",
    "refused": "Refused",
    "internal": "Internal error",
    "storage": "Cannot record the history",
}


@dataclass(frozen=True)
class Entry:
    level: str
    text: str
    detail: str = ""
    source: str = ""


class _Bridge(QObject):
    """Carries a message posted from any thread to the GUI thread.

    Signals:
        posted(object): the message, delivered queued on the GUI thread.
    """

    posted = Signal(object)


class ProblemController(QObject):
    """Owns the message bar's content; `ask` is the loop's ``on_problem``.

    Signals:
        changed: the shown message changed.
    """

    changed = Signal()

    def __init__(self, bar: MessageBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bar = bar
        self.entries: list[Entry] = []
        self.current: Entry | None = None
        self._waiting: asyncio.Future[Literal["retry", "stop"]] | None = None
        self._waiting_can_retry = True
        self._bridge = _Bridge()
        self._bridge.posted.connect(self._show_message, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = messages.subscribe(self._bridge.posted.emit)
        bar.retry_button.clicked.connect(lambda: self.choose("retry"))
        bar.stop_button.clicked.connect(lambda: self.choose("stop"))
        bar.dismiss_button.clicked.connect(self.dismiss)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # ------------------------------------------------------------------ entries

    @property
    def waiting(self) -> bool:
        return self._waiting is not None and not self._waiting.done()

    def _show_message(self, message: messages.UserMessage) -> None:
        self.show(Entry(message.level.value, message.text, message.detail, message.source))

    def show_problem(self, problem: Problem) -> None:
        title = _KIND_TITLE.get(problem.kind, "Problem")
        text = problem.text if problem.text.startswith(title) else f"{title}: {problem.text}"
        if problem.detail and problem.detail.strip() in text:
            problem = replace(problem, detail="")  # said once, not again under "Details"
        self.show(Entry(_KIND_LEVEL.get(problem.kind, "error"), text, problem.detail, "run"))

    def show(self, entry: Entry) -> None:
        self.entries.append(entry)
        if self.waiting and entry.level != "error":
            # A notice must not cover the question the run is waiting on.
            self._render()
            return
        self.current = entry
        self._render()

    def _render(self) -> None:
        entry = self.current
        if entry is None:
            self.bar.clear()
        else:
            self.bar.show_message(
                entry.level,
                entry.text,
                entry.detail,
                waiting=self.waiting,
                can_retry=self._waiting_can_retry,
            )
        self.changed.emit()

    def dismiss(self) -> None:
        if self.waiting:
            return
        self.current = None
        self._render()

    # ------------------------------------------------------------------ on_problem

    async def ask(self, problem: Problem) -> Literal["retry", "stop"]:
        """The loop's ``on_problem``: the run stays paused until Retry or Stop is chosen."""
        loop = asyncio.get_running_loop()
        self._waiting = loop.create_future()
        self._waiting_can_retry = problem.can_retry
        if self.current is None or problem.text not in self.current.text:
            self.show_problem(problem)
        else:
            self._render()
        try:
            return await self._waiting
        finally:
            self._waiting = None
            self._render()

    def choose(self, choice: Literal["retry", "stop"]) -> None:
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(choice)
            if choice == "retry":
                self.current = None
        else:
            self.dismiss()
