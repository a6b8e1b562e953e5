"""The selected response: its details, and Refresh / Cancel / Delete / Open by ID on its backend.

Why a controller of its own: these are the view's network actions, with the rules that make
them safe to click — one request at a time (buttons are disabled while one runs), Cancel only
while the last known status is ``in_progress`` or ``queued``, Delete asks first, and a Delete
the backend cannot do (404/405) removes nothing but offers "Remove from local history".
Requests run as asyncio tasks on the qasync loop; the GUI thread never waits on the network.
The semantics live in ``agent/history_backend.py``; this class only keeps the pane in step.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from console_app.agent import history_backend as backend
from console_app.agent.history_backend import CANCELLABLE, BackendPool, Outcome, ProfileMissingError
from console_app.agent.history_describe import output_summary, response_facts
from console_app.api.types import Response
from console_app.core.records import ResponseRecord
from console_app.core.settings import Profile, Settings
from console_app.history.store import HistoryStore
from console_app.ui.history.history_view import ResponseDetails

log = logging.getLogger(__name__)

Confirm = Callable[[str, str], bool]  # title, question → yes?
AskId = Callable[[], str | None]


def confirm_dialog(parent: QWidget) -> Confirm:
    def ask(title: str, question: str) -> bool:
        answer = QMessageBox.question(parent, title, question)
        return answer == QMessageBox.StandardButton.Yes

    return ask


def ask_id_dialog(parent: QWidget) -> AskId:
    def ask() -> str | None:
        text, ok = QInputDialog.getText(parent, "Open response", "Response ID:")
        return text.strip() if ok and text.strip() else None

    return ask


class ResponsesController(QObject):
    """The selected response's details and its backend actions (refresh, cancel, delete, open
    by id), one request at a time, run as asyncio tasks (``agent/history_backend.py``).

    Signals:
        ledgerChanged: the stored responses changed (the table reloads).
        statusText(str): a one-line status for the window.
    """

    ledgerChanged = Signal()  # the store changed: the table reloads
    statusText = Signal(str)

    def __init__(
        self,
        pane: ResponseDetails,
        store: HistoryStore,
        pool: BackendPool,
        settings: Callable[[], Settings],
        active_profile: Callable[[], Profile],
        *,
        confirm: Confirm,
        ask_id: AskId,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pane = pane
        self.store = store
        self.pool = pool
        self.settings = settings
        self.active_profile = active_profile
        self.confirm = confirm
        self.ask_id = ask_id
        self.response_id: str | None = None
        self.entry: ResponseRecord | None = None
        self.response: Response | None = None
        self.offer_removal = False
        self.busy = False
        self.task: asyncio.Task[Any] | None = None
        pane.refresh_button.clicked.connect(lambda: self._start(self.refresh()))
        pane.cancel_button.clicked.connect(lambda: self._start(self.cancel()))
        pane.delete_button.clicked.connect(lambda: self._start(self.delete()))
        pane.remove_local_button.clicked.connect(lambda: self._start(self.remove_local()))
        self._render()

    # ------------------------------------------------------------------ state

    @property
    def status(self) -> str | None:
        """The last known status: retrieved beats recorded."""
        if self.response is not None and self.response.status:
            return self.response.status
        return self.entry.status if self.entry else None

    def show_entry(self, entry: ResponseRecord | None) -> None:
        """Show a ledger entry (a row was selected); a different id forgets what was fetched."""
        if entry is None:
            return
        if entry.response_id != self.response_id:
            self.response = None
            self.offer_removal = False
            self.pane.outcome.setText("")
        self.response_id = entry.response_id
        self.entry = entry
        self._render()

    def clear(self, outcome: str = "") -> None:
        self.response_id, self.entry, self.response = None, None, None
        self.offer_removal = False
        self.pane.outcome.setText(outcome)
        self._render()

    def _render(self) -> None:
        pane = self.pane
        if self.response_id is None:
            pane.title.setText("Select a response")
            pane.show_facts([])
            pane.show_items(None)
        else:
            pane.title.setText(self.response_id)
            pane.show_facts(response_facts(self.entry, self.response, self.response_id))
            pane.show_items(output_summary(self.response) if self.response else None)
        selected = self.response_id is not None
        pane.refresh_button.setEnabled(selected and not self.busy)
        pane.cancel_button.setEnabled(selected and not self.busy and self.status in CANCELLABLE)
        pane.delete_button.setEnabled(selected and not self.busy)
        pane.remove_local_button.setVisible(selected and self.offer_removal)
        pane.remove_local_button.setEnabled(not self.busy)
        pane.busy.setVisible(self.busy)

    # ------------------------------------------------------------------ actions

    def _start(self, coro: Coroutine[Any, Any, Any]) -> None:
        if self.busy:
            coro.close()
            return
        self.task = asyncio.ensure_future(coro)

    def open_by_id(self) -> None:
        """Ask for an id, then retrieve it from the active profile."""
        response_id = self.ask_id()
        if response_id:
            self._start(self.open(response_id))

    async def open(self, response_id: str) -> Outcome | None:
        """Retrieve any id from the active profile's backend (it joins the ledger)."""
        entry = await asyncio.to_thread(self.store.get_response, response_id)
        self.response_id, self.entry, self.response = response_id, entry, None
        self.offer_removal = False
        self._render()
        profile = self.active_profile()
        action = backend.refresh(self.pool, self.store, profile, response_id, entry)
        return await self._act(f"Retrieving {response_id} from profile {profile.name!r}…", action)

    async def refresh(self) -> Outcome | None:
        rid, profile = self.response_id, self._profile_or_none()
        if rid is None or profile is None:
            return None
        action = backend.refresh(self.pool, self.store, profile, rid, self.entry)
        return await self._act(f"Refreshing {rid}…", action)

    async def cancel(self) -> Outcome | None:
        rid, profile = self.response_id, self._profile_or_none()
        if rid is None or profile is None:
            return None
        action = backend.cancel(self.pool, self.store, profile, rid, self.entry)
        return await self._act(f"Cancelling {rid}…", action)

    async def delete(self) -> Outcome | None:
        rid = self.response_id
        if rid is None:
            return None
        question = f"Delete {rid} on its backend and from the local history? This cannot be undone."
        if not self.confirm("Delete response", question):
            return None
        profile = self._profile_or_none()
        if profile is None:
            return None
        return await self._act(
            f"Deleting {rid}…", backend.delete(self.pool, self.store, profile, rid)
        )

    async def remove_local(self) -> Outcome | None:
        rid = self.response_id
        if rid is None:
            return None
        action = backend.remove_local(self.store, rid)
        return await self._act(f"Removing {rid} from the local history…", action)

    def _profile_or_none(self) -> Profile | None:
        if self.entry is None:
            return self.active_profile()
        try:
            return backend.profile_for(self.settings(), self.entry)
        except ProfileMissingError as exc:
            self.offer_removal = True
            self._say(f"{exc} Remove from local history deletes the entry here.")
            self._render()
            return None

    async def _act(self, doing: str, action: Awaitable[Outcome]) -> Outcome:
        rid = self.response_id
        self.busy = True
        self._say(doing)
        self._render()
        try:
            outcome = await action
        except Exception as exc:  # never leave the pane busy; say what happened
            log.exception("a history action failed")
            outcome = Outcome(False, f"{type(exc).__name__}: {exc}")
        finally:
            self.busy = False
        if rid == self.response_id:
            self._apply(outcome)
        self._say(outcome.text)
        self.ledgerChanged.emit()
        return outcome

    def _apply(self, outcome: Outcome) -> None:
        if outcome.removed_locally:
            self.clear(outcome.text)
            return
        if outcome.response is not None:
            self.response = outcome.response
            self.offer_removal = False
            rid = self.response_id
            if rid is not None:
                self.entry = self.store.get_response(rid) or self.entry
        if outcome.offer_local_removal and self.entry is not None:
            self.offer_removal = True
        self._render()

    def _say(self, text: str) -> None:
        self.pane.outcome.setText(text)
        self.statusText.emit(text)
