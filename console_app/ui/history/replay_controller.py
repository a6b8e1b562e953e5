"""Replay a recorded run step by step, and export it (HTML + JSON via ``history.report``).

Each step shows the screenshot the model saw with the action drawn on it by the console's own
overlay code (``core/overlay.py`` geometry, ``ui/widgets/overlay_painter.py`` painting), so a
replayed step looks exactly like it did at the approval bar: an edited step shows the proposal as
a grey ghost and what ran in green. Coordinates are read in the run's recorded coordinate space,
not the profile's current one (it may have changed since).

Reading steps and screenshot files runs on the history's query thread and decoding in the
image loader's pool: the window never blocks on the disk.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QWidget

from console_app.agent.history_describe import step_facts, step_title, when
from console_app.core.actions import ActionValidationError, build_action
from console_app.core.overlay import Banner, ImageSpace, Overlay, overlay_for
from console_app.history.models import RunSummary, StoredStep
from console_app.history.report import export_run
from console_app.history.store import HistoryStore
from console_app.ui.history.replay_view import ReplayWindow
from console_app.ui.history.table import QueryRunner
from console_app.ui.widgets.image_loader import ImageLoader

log = logging.getLogger(__name__)

ChooseFolder = Callable[[], Path | None]


def folder_dialog(parent: QWidget) -> ChooseFolder:
    def choose() -> Path | None:
        folder = QFileDialog.getExistingDirectory(parent, "Export the run report to…")
        return Path(folder) if folder else None

    return choose


async def export_to_folder(
    store: HistoryStore, run_id: str, folder: Path, *, include_screenshots: bool = True
) -> str:
    """Write the report files off the GUI thread; returns a sentence for the status line."""
    try:
        files = await asyncio.to_thread(
            functools.partial(export_run, include_screenshots=include_screenshots),
            store,
            run_id,
            folder,
        )
    except Exception as exc:
        return f"Could not export {run_id}: {exc}"
    return f"Exported {run_id} to {files.html} and {files.json.name}."


def step_overlays(step: StoredStep, space: ImageSpace) -> list[tuple[Overlay, str]]:
    """What to draw for a recorded step: the action (or the edit over a ghost of the proposal),
    or a banner saying why it could not be executed."""
    if step.action_error and not step.action:
        return [(Overlay((Banner(f"Not executable: {step.action_error}", "error"),)), "proposed")]
    layers: list[tuple[Overlay, str]] = []
    for data, style in ((step.action, "proposed"), (step.edited_action, "edited")):
        if not data:
            continue
        try:
            layers.append((overlay_for(build_action(dict(data)), space), style))
        except ActionValidationError as exc:
            layers.append((Overlay((Banner(f"Not executable: {exc}", "error"),)), "proposed"))
    if len(layers) == 2:  # edited: the proposal is the ghost under what ran
        layers[0] = (layers[0][0], "ghost")
    return layers


class ReplayController(QObject):
    """Steps through one recorded run in a `ReplayWindow`: screenshot, overlay, decision."""

    def __init__(
        self,
        view: ReplayWindow,
        store: HistoryStore,
        run_id: str,
        runner: QueryRunner,
        choose_folder: ChooseFolder | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.store = store
        self.run_id = run_id
        self.runner = runner
        self.choose_folder = choose_folder or folder_dialog(view)
        self.run: RunSummary | None = None
        self.steps: list[StoredStep] = []
        self.current: int | None = None
        self.images = ImageLoader(capacity=6, parent=self)
        self.images.loaded.connect(self._image_ready)
        self.export_task: asyncio.Task[str] | None = None
        view.setWindowTitle(f"Replay {run_id} — Operator Console")
        view.steps.currentRowChanged.connect(self.show_step)
        view.previous_button.clicked.connect(lambda: self._move(-1))
        view.next_button.clicked.connect(lambda: self._move(+1))
        view.export_button.clicked.connect(self.export)
        view.status.setText("Loading the run…")
        runner.submit(self._read, self._loaded, self._failed)

    def _read(self) -> tuple[RunSummary | None, list[StoredStep]]:
        return self.store.get_run(self.run_id), self.store.steps_of(self.run_id)

    @property
    def loaded(self) -> bool:
        return self.run is not None

    def _failed(self, error: BaseException) -> None:
        self.view.status.setText(f"The run could not be read: {error}")

    def _loaded(self, result: tuple[RunSummary | None, list[StoredStep]]) -> None:
        run, steps = result
        if run is None:
            self.view.status.setText(f"{self.run_id} is not in the history any more.")
            return
        self.run, self.steps = run, steps
        self.view.task.setText(run.task)
        duration = f"{run.duration_s:.1f} s" if run.duration_s is not None else "—"
        self.view.meta.setText(
            f"{run.status} · profile {run.profile} · {run.backend} · model {run.model or '—'} · "
            f"started {when(run.started_at)} UTC · {duration} · {run.step_count} step(s) · "
            f"{run.input_tokens} in / {run.output_tokens} out tokens\n"
            f"Result: {run.result or 'none recorded'}"
        )
        self.view.steps.clear()
        self.view.steps.addItems([step_title(step) for step in steps])
        self.view.status.setText(f"{len(steps)} step(s)." if steps else "This run has no steps.")
        if steps:
            self.view.steps.setCurrentRow(0)

    def _move(self, delta: int) -> None:
        if self.steps:
            row = min(max(self.view.steps.currentRow() + delta, 0), len(self.steps) - 1)
            self.view.steps.setCurrentRow(row)

    def show_step(self, row: int) -> None:
        if not 0 <= row < len(self.steps):
            return
        self.current = row
        step = self.steps[row]
        self.view.facts.setText("\n".join(f"{k}: {v}" for k, v in step_facts(step)))
        self.view.previous_button.setEnabled(row > 0)
        self.view.next_button.setEnabled(row < len(self.steps) - 1)
        canvas = self.view.screenshot.canvas
        self.view.screenshot.caption.setText(f"Step {row + 1} of {len(self.steps)}")
        key = (self.run_id, step.index)
        cached = self.images.cached(key)
        if cached is not None:
            self._image_ready(key, cached)
            return
        canvas.set_image(None)
        canvas.set_overlays([])
        if step.screenshot_path is None:
            return

        def decode(data: bytes | None) -> None:
            self.images.request(key, data)

        self.runner.submit(lambda: self.store.load_screenshot(step), decode)

    def _image_ready(self, key: Any, image: QImage) -> None:
        if self.current is None or key != (self.run_id, self.steps[self.current].index):
            return
        step = self.steps[self.current]
        canvas = self.view.screenshot.canvas
        if image.isNull():
            canvas.set_image(None)
            canvas.set_placeholder("The screenshot of this step could not be read.")
            return
        # The image is the viewport the model saw, so its pixels are the model's pixels.
        width, height = image.width(), image.height()
        normalized = self.run is not None and self.run.coordinates == "normalized"
        canvas.set_image(image)
        canvas.set_overlays(step_overlays(step, ImageSpace(width, height, normalized)))  # type: ignore[arg-type]

    def export(self) -> None:
        folder = self.choose_folder()
        if folder is None:
            return
        self.view.status.setText(f"Exporting {self.run_id}…")
        self.export_task = asyncio.ensure_future(self._export(folder))

    async def _export(self, folder: Path) -> str:
        text = await export_to_folder(self.store, self.run_id, folder)
        self.view.status.setText(text)
        return text
