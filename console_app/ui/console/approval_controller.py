"""The approval logic behind the bar: gating, edit mode, and turning a keystroke into a Decision.

`ask` is the loop's ``approve`` callback: it shows the request and returns when the human
decides (or raises `CancelledError` when the run is stopped, which clears the bar).

Rules (each has a GUI test):

* Approve is enabled only for an executable proposal whose safety checks are all ticked.
  Reject and Skip are always possible; Edit too (it can repair a non-executable proposal,
  e.g. a click that lacks ``y``, by clicking on the screenshot).
* Enter approves — or, with the feedback line focused, rejects with that feedback; in edit
  mode Enter runs the edited action. Esc rejects with the feedback line's text; in edit mode
  Esc leaves edit mode. E toggles edit mode, S skips.
* An edit is built with `core.actions.build_action`, so it is validated exactly like a model's
  action; an invalid edit is shown inline and nothing is decided. The draft and what each kind
  of action lets the human edit are `agent/edit_draft.py`.
* Edit coordinates: view pixel → image pixel (the canvas) → model space (`ImageSpace`), i.e.
  viewport pixels, or 0–999 for a normalized profile.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from console_app.agent.decisions import (
    ApprovalRequest,
    Approve,
    Decision,
    Edit,
    Reject,
    Skip,
    Stop,
)
from console_app.agent.edit_draft import EditDraft
from console_app.core.actions import ActionValidationError
from console_app.core.overlay import ImageSpace, Overlay, numbered, overlay_for
from console_app.ui.console.approval_view import ApprovalBar
from console_app.ui.widgets.overlay_painter import Style

log = logging.getLogger(__name__)

BATCH_LINES = 12
"""At most this many actions of a batch are listed in the approval bar's note."""


def batch_listing(request: ApprovalRequest) -> str:
    """The whole batch in order, the action being decided marked with ▶."""
    lines = [f"This call holds {len(request.batch)} actions, run in order:"]
    current = request.proposal.batch_index
    start = max(0, min(current - 2, len(request.batch) - BATCH_LINES))
    shown = request.batch[start : start + BATCH_LINES]  # a window that holds the current one
    if start:
        lines.append(f"   … {start} earlier")
    for proposal in shown:
        mark = "▶" if proposal.batch_index == request.proposal.batch_index else "  "
        lines.append(f"{mark} {proposal.batch_index + 1}. {proposal.summary().split(': ', 1)[-1]}")
    later = len(request.batch) - start - len(shown)
    if later:
        lines.append(f"   … and {later} more (all numbered on the image)")
    return "\n".join(lines)


class ApprovalController(QObject):
    """The approval bar's logic: what is pending, edit mode, and the human's `Decision`.

    `ask` is the loop's ``approve`` callback; the bar's buttons and the window's keys call
    `approve`, `reject`, `skip`, `stop_run`, `toggle_edit`, `confirm_edit`.

    Signals:
        pendingChanged(bool): a request started (True) or was decided or cancelled (False).
        overlaysChanged: the shapes to draw changed (proposal, edit draft, ghost).
        decided(object): the `Decision` given to the loop, after the loop received it.
    """

    pendingChanged = Signal(bool)
    overlaysChanged = Signal()
    decided = Signal(object)  # the Decision, after the future got it

    def __init__(self, bar: ApprovalBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bar = bar
        self.request: ApprovalRequest | None = None
        self.space: ImageSpace | None = None
        self._future: asyncio.Future[Decision] | None = None
        self.editing = False
        self._draft = EditDraft({})
        self._set_idle()
        bar.approve_button.clicked.connect(self.approve)
        bar.approve_all_button.clicked.connect(self.approve_all)
        bar.reject_button.clicked.connect(self.reject)
        bar.skip_button.clicked.connect(self.skip)
        bar.edit_button.clicked.connect(self._edit_button)
        bar.feedback.returnPressed.connect(self.reject)
        bar.text_edit.textEdited.connect(self._draft_changed)
        bar.keys_edit.textEdited.connect(self._draft_changed)

    # ------------------------------------------------------------------ the loop's callback

    @property
    def pending(self) -> bool:
        return self._future is not None and not self._future.done()

    async def ask(self, request: ApprovalRequest) -> Decision:
        if self.pending:  # the loop asks again (e.g. safety checks were not all ticked)
            assert self._future is not None
            self._future.cancel()
        self._future = asyncio.get_running_loop().create_future()
        self._show(request)
        try:
            return await self._future
        finally:
            self._set_idle()

    def _show(self, request: ApprovalRequest) -> None:
        self.request = request
        self.space = ImageSpace.of(request.screenshot)
        proposal = request.proposal
        self.bar.title.setText(f"Step {request.step_index + 1}: {proposal.summary()}")
        notes = [n for n in (request.note, request.policy_reason) if n]
        if request.batch:
            notes.append(batch_listing(request))
        remaining = proposal.batch_size - proposal.batch_index
        self.bar.batch_box.setVisible(bool(request.batch) and remaining > 1)
        self.bar.batch_count.setMaximum(max(remaining, 1))
        self.bar.batch_count.setValue(1)
        if request.held_input:
            notes.append("Held down now: " + ", ".join(request.held_input))
        self.bar.note.setText("\n".join(notes))
        self.bar.note.setVisible(bool(notes))
        boxes = self.bar.set_checks(
            [(c.id, c.message or c.code or c.id) for c in proposal.pending_safety_checks]
        )
        for box in boxes:
            box.toggled.connect(self._refresh)
        self.bar.auto_approve.setChecked(False)
        self.bar.auto_approve.setText(
            f"Auto-approve “{proposal.kind}” for this run"
            if proposal.executable
            else "Auto-approve this action type for this run"
        )
        self.bar.feedback.clear()
        self._leave_edit()
        for widget in (
            self.bar.reject_button,
            self.bar.skip_button,
            self.bar.edit_button,
            self.bar.feedback,
        ):
            widget.setEnabled(True)
        # Safety checks the console could not read cannot be acknowledged, so the action
        # cannot be made runnable by editing it either (the loop refuses such an edit too).
        self.bar.edit_button.setEnabled(proposal.error_field != "pending_safety_checks")
        self.bar.auto_approve.setEnabled(proposal.executable)
        self._refresh()
        self.pendingChanged.emit(True)

    def _set_idle(self) -> None:
        self.request = None
        self._future = None
        self.editing = False
        self._draft.clicks = []
        self.bar.title.setText("No action is waiting for approval.")
        self.bar.note.setVisible(False)
        self.bar.set_checks([])
        self.bar.edit_box.setVisible(False)
        self.bar.edit_button.setChecked(False)
        for widget in (
            self.bar.approve_button,
            self.bar.reject_button,
            self.bar.skip_button,
            self.bar.edit_button,
            self.bar.auto_approve,
            self.bar.feedback,
        ):
            widget.setEnabled(False)
        self.overlaysChanged.emit()
        self.pendingChanged.emit(False)

    # ------------------------------------------------------------------ gating

    def acknowledged(self) -> tuple[str, ...]:
        return tuple(
            str(box.property("check_id")) for box in self.bar.check_boxes if box.isChecked()
        )

    def checks_ticked(self) -> bool:
        return all(box.isChecked() for box in self.bar.check_boxes)

    def can_approve(self) -> bool:
        if not self.pending or self.request is None or not self.checks_ticked():
            return False
        return True if self.editing else self.request.proposal.executable

    def _refresh(self, *_: Any) -> None:
        self.bar.approve_button.setEnabled(self.can_approve())
        text = "Run edited  ⏎" if self.editing else "Approve  ⏎"
        if self.pending and self.request is not None:
            if not self.checks_ticked():
                text += "   (tick the safety checks first)"
            elif not self.editing and not self.request.proposal.executable:
                text = "Cannot run as proposed: edit, reject or skip"
        self.bar.approve_button.setText(text)
        self.overlaysChanged.emit()

    # ------------------------------------------------------------------ decisions

    def _decide(self, decision: Decision) -> None:
        if self._future is not None and not self._future.done():
            log.info("decision: %s", type(decision).__name__)
            self._future.set_result(decision)
            self.decided.emit(decision)

    def approve(self) -> None:
        if self.editing:
            self.confirm_edit()
            return
        if not self.can_approve():
            return
        self._decide(
            Approve(
                acknowledged=self.acknowledged(),
                remember_type=self.bar.auto_approve.isChecked(),
                count=self._batch_count(),
            )
        )

    def _batch_count(self, *, everything: bool = False) -> int | None:
        request = self.request
        if request is None or not request.batch:
            return None
        remaining = request.proposal.batch_size - request.proposal.batch_index
        count = remaining if everything else self.bar.batch_count.value()
        return count if count > 1 else None

    def approve_all(self) -> None:
        """Approve this action and every remaining one of its batch."""
        if self.editing or not self.can_approve():
            return
        self._decide(
            Approve(
                acknowledged=self.acknowledged(),
                remember_type=self.bar.auto_approve.isChecked(),
                count=self._batch_count(everything=True),
            )
        )

    def reject(self) -> None:
        if self.pending:
            text = self.bar.feedback.text().strip()
            self._decide(Reject(text or None))

    def stop_run(self) -> None:
        """Answer the waiting request with Stop: the loop records the step as stopped (with
        its screenshot) and ends the run — better than cancelling the question unanswered."""
        if self.pending:
            self._decide(Stop())

    def skip(self) -> None:
        if self.pending:
            self._decide(Skip())

    def on_enter(self) -> None:
        if not self.pending:
            return
        if self.bar.feedback.hasFocus() and not self.editing:
            self.reject()
        else:
            self.approve()

    def on_escape(self) -> None:
        if not self.pending:
            return
        if self.editing:
            self._leave_edit()
            self._refresh()
        else:
            self.reject()

    # ------------------------------------------------------------------ editing

    def _edit_button(self) -> None:
        self.toggle_edit()

    def toggle_edit(self) -> None:
        if not self.pending or not self.bar.edit_button.isEnabled():
            return
        if self.editing:
            self._leave_edit()
        else:
            self._enter_edit()
        self._refresh()

    def _enter_edit(self) -> None:
        assert self.request is not None
        self.editing = True
        self._draft = EditDraft.start(self.request)
        fields = self._draft.fields(str(self._draft.data.get("type", self.request.proposal.kind)))
        self.bar.set_edit_fields(fields.hint, fields.text, fields.keys, fields.text_name)
        self.bar.edit_box.setVisible(True)
        self.bar.edit_button.setChecked(True)
        if fields.text is not None:
            self.bar.text_edit.setFocus()
            self.bar.text_edit.selectAll()
        elif fields.keys is not None:
            self.bar.keys_edit.setFocus()
            self.bar.keys_edit.selectAll()

    def _leave_edit(self) -> None:
        self.editing = False
        self._draft = EditDraft({})
        self.bar.edit_box.setVisible(False)
        self.bar.edit_button.setChecked(False)

    def image_clicked(self, ix: float, iy: float) -> None:
        """A click on the screenshot (image pixels) while editing moves the target."""
        if not self.editing or self.space is None:
            return
        hint = self._draft.click(self.space.to_model(ix, iy))
        if hint is None:
            return
        if hint:
            self.bar.edit_hint.setText(hint)
        self.bar.edit_error.clear()
        self._refresh()

    def _draft_changed(self, *_: Any) -> None:
        self.bar.edit_error.clear()
        self._refresh()

    def draft_data(self) -> dict[str, Any]:
        """The edited action as a dict (not yet validated)."""
        return self._draft.with_fields(self.bar.text_edit.text(), self.bar.keys_edit.text())

    def build_edit(self) -> Any:
        """The validated edited action; raises `ActionValidationError` with a plain message."""
        return self._draft.build(self.bar.text_edit.text(), self.bar.keys_edit.text())

    def confirm_edit(self) -> None:
        if not self.editing or not self.pending:
            return
        if not self.checks_ticked():
            self.bar.edit_error.setText("Tick every safety check first.")
            return
        try:
            action = self.build_edit()
        except ActionValidationError as exc:
            self.bar.edit_error.setText(f"Not a valid action: {exc}")
            return
        self._decide(Edit(action, acknowledged=self.acknowledged()))

    # ------------------------------------------------------------------ what to draw

    def overlays(self) -> list[tuple[Overlay, Style]]:
        if self.request is None or self.space is None:
            return []
        proposed = overlay_for(self.request.proposal, self.space)
        others: list[tuple[Overlay, Style]] = []
        if self.request.batch:
            # every action of the batch, numbered in order; the one being decided stands out
            current = self.request.proposal.batch_index
            proposed = numbered(proposed, current + 1)
            others = [
                (numbered(overlay_for(p, self.space), p.batch_index + 1), "ghost")
                for p in self.request.batch
                if p.batch_index != current
            ]
        if not self.editing:
            return [*others, (proposed, "proposed")]
        try:
            preview = overlay_for(self.build_edit(), self.space)
        except ActionValidationError:
            return [(proposed, "ghost")]
        return [(proposed, "ghost"), (preview, "edited")]
