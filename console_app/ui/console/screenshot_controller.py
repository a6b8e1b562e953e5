"""Which screenshot the big view shows, and what is drawn on it: live, or an earlier step.

*Live* shows the latest capture; while an action waits for approval it shows that request's
screenshot with the proposal (and, in edit mode, the edited preview). *Review* shows a step the
supervisor picked in the timeline, with the action that step ran (the edited one if edited).
A new approval request always switches back to live, so the decision is never taken on an old
picture. *What the model sees* (a toggle) shows the bare image exactly as it was sent — after
masking and scaling, nothing drawn on it — with its size and what was masked; the history keeps
that same image. Decoding happens in the `ImageLoader` pool; the view updates when the image
is ready.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QImage

from console_app.agent.decisions import ApprovalRequest
from console_app.core.actions import ActionValidationError, build_action
from console_app.core.overlay import Banner, ImageSpace, Overlay, overlay_for
from console_app.core.records import StepRecord
from console_app.ui.console.approval_controller import ApprovalController
from console_app.ui.console.timeline import TimelineModel
from console_app.ui.widgets.image_loader import ImageLoader
from console_app.ui.widgets.screenshot_view import ScreenshotView

log = logging.getLogger(__name__)


def shot_key(data: bytes) -> Hashable:
    return ("shot", hash(data), len(data))


def sent_facts(shot: Any) -> str:
    """``1280×720 image/jpeg, 143 KB as sent, 2 areas masked`` for a capture."""
    masked = len(getattr(shot, "masked", ()) or ())
    size = len(shot.data) / 1024
    areas = f"{masked} area{'s' if masked != 1 else ''} masked" if masked else "nothing masked"
    return f"{shot.width}×{shot.height} {shot.mime}, {size:.0f} KB as sent, {areas}"


class ScreenController(QObject):
    """Keeps the screenshot view in step: the live capture, or a timeline step when one is
    selected, with the approval controller's overlays drawn on it.
    """

    def __init__(
        self,
        view: ScreenshotView,
        approval: ApprovalController,
        timeline: TimelineModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.approval = approval
        self.timeline = timeline
        # 3.7 MB per decoded 1280×720 image: the live one, the request's and one under review.
        self.loader = ImageLoader(capacity=3, parent=self)
        self.loader.loaded.connect(self._decoded)
        self.normalized = False  # the current run's coordinate space (for reviewed steps)
        self.live = True
        self.reviewing: StepRecord | None = None
        self._live_key: Hashable | None = None
        self._shown_key: Hashable | None = None
        self._review_key: Hashable | None = None
        self._review_overlay: Overlay | None = None
        self.model_view = False
        self._live_facts = ""
        view.canvas.clicked.connect(self._canvas_clicked)
        view.live_button.clicked.connect(self.back_to_live)
        view.model_view_button.toggled.connect(self.set_model_view)
        approval.overlaysChanged.connect(self.refresh)

    # ------------------------------------------------------------------ live

    def show_capture(self, shot: Any) -> None:
        """A new capture arrived (the loop's ScreenCaptured)."""
        self._live_key = shot_key(shot.data)
        self._live_facts = sent_facts(shot)
        image = self.loader.request(self._live_key, shot.data)
        if self.live and image is not None:
            self._show(self._live_key, image)

    def show_request(self, request: ApprovalRequest) -> None:
        """An approval request: back to live, on the request's own screenshot, with the
        proposal drawn (the model's bare view is left: a decision needs the overlay)."""
        self.live = True
        self.reviewing = None
        self.model_view = False
        self.view.model_view_button.setChecked(False)
        self.show_capture(request.screenshot)
        self.refresh()

    def back_to_live(self) -> None:
        self.live = True
        self.reviewing = None
        self._review_overlay = None
        if self._live_key is not None:
            image = self.loader.cached(self._live_key)
            if image is not None:
                self._show(self._live_key, image)
        self.refresh()

    def clear(self) -> None:
        self.live = True
        self.reviewing = None
        self._live_key = self._shown_key = None
        self.view.canvas.set_image(None)
        self.refresh()

    # ------------------------------------------------------------------ review

    def review(self, step: StepRecord) -> None:
        """Show an earlier step's screenshot and the action that step ran."""
        data = self.timeline.screenshot_of(step)
        self.live = False
        self.reviewing = step
        self._review_overlay = self._step_overlay(step)
        if not data:
            self.view.canvas.set_image(None)
            self.view.canvas.set_placeholder("This step's screenshot is not available.")
            self.refresh()
            return
        key = self._review_key = shot_key(data)
        image = self.loader.request(key, data)
        if image is not None:
            self._show(key, image)
        self.refresh()

    def _step_overlay(self, step: StepRecord) -> Overlay:
        width, height = step.viewport or (1, 1)
        space = ImageSpace(width, height, self.normalized)
        data = step.edited_action or step.action
        if data is None:
            return Overlay((Banner(f"Not executable: {step.action_error}", "error"),))
        try:
            return overlay_for(build_action(dict(data)), space)
        except ActionValidationError as exc:
            return Overlay((Banner(f"Not executable: {exc}", "error"),))

    # ------------------------------------------------------------------ drawing

    def _decoded(self, key: Hashable, image: QImage) -> None:
        if image.isNull() or not shiboken6.isValid(self.view.canvas):
            return  # a decode that finished after the window was closed
        wanted = self._live_key if self.live else self._review_key
        if key == wanted:
            self._show(key, image)

    def _show(self, key: Hashable, image: QImage) -> None:
        if key != self._shown_key:
            self._shown_key = key
            self.view.canvas.set_image(image)
        self.refresh()

    def set_model_view(self, on: bool) -> None:
        """Show the image as sent, with nothing drawn on it (or the annotated view again)."""
        self.model_view = on
        if self.view.model_view_button.isChecked() != on:
            self.view.model_view_button.setChecked(on)
        self.refresh()

    def refresh(self) -> None:
        canvas = self.view.canvas
        if self.model_view:
            canvas.set_editing(False)
            canvas.set_overlays([])
            step = self.reviewing
            if self.live:
                facts = self._live_facts or "no capture yet"
                self.view.caption.setText(f"What the model sees — {facts}")
            elif step is not None:
                self.view.caption.setText(f"Step {step.index + 1} as sent to the model")
        elif self.live:
            canvas.set_overlays(self.approval.overlays())
            canvas.set_editing(self.approval.editing)
            waiting = self.approval.pending
            self.view.caption.setText("Live — waiting for your decision" if waiting else "Live")
        else:
            step = self.reviewing
            canvas.set_editing(False)
            overlays = [] if self._review_overlay is None else [(self._review_overlay, "proposed")]
            canvas.set_overlays(overlays)  # type: ignore[arg-type]
            if step is not None:
                self.view.caption.setText(
                    f"Step {step.index + 1} (review) — {step.summary} — {step.decision}"
                )
        self.view.live_button.setVisible(not self.live)

    def _canvas_clicked(self, ix: float, iy: float) -> None:
        if self.live and not self.model_view:
            self.approval.image_clicked(ix, iy)
