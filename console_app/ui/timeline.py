"""The step timeline: one row per step (thumbnail, action, decision, timings, upload, tokens).

Model/view: `TimelineModel` keeps the step records of the current run *without* decoding their
screenshots; thumbnails are decoded lazily, only for rows the view actually paints, by an
`ImageLoader` worker pool with a bounded cache. Selecting a row lets the console show that
step's full screenshot and overlay again (the controller decodes it the same way).

The encoded screenshot bytes come from ``screenshot_source`` (by default the bytes the loop
reported, kept per run; a history-backed source can be plugged in for long runs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from console_app.core.records import StepRecord
from console_app.ui.image_loader import ImageLoader

THUMB_SIZE = QSize(112, 63)
COLUMNS = ("", "#", "Action", "Decision", "Capture", "Model", "Execute", "Upload", "Tokens")
_DECISION_COLORS = {
    "approved": QColor(30, 130, 60),
    "auto_approved": QColor(30, 110, 130),
    "edited": QColor(150, 110, 0),
    "rejected": QColor(180, 40, 40),
    "skipped": QColor(120, 120, 120),
    "blocked": QColor(180, 40, 40),
    "invalid": QColor(180, 40, 40),
    "stopped": QColor(120, 120, 120),
    "pending": QColor(60, 90, 200),
}

ScreenshotSource = Callable[[str, int], bytes | None]


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.0f} ms"


def decision_text(step: StepRecord) -> str:
    text = step.decision.replace("_", "-")
    if step.execution == "refused":
        text += " · refused"
    elif step.execution == "failed":
        text += " · failed"
    elif step.execution == "pending":
        text += " · running"
    return text


class TimelineModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._steps: list[StepRecord] = []
        self._row_of: dict[tuple[str, int], int] = {}
        self._bytes: dict[tuple[str, int], bytes] = {}
        self.screenshot_source: ScreenshotSource = self._own_bytes
        self.thumbnails = ImageLoader(THUMB_SIZE, capacity=400, parent=self)
        self.thumbnails.loaded.connect(self._thumbnail_ready)

    # ------------------------------------------------------------------ data in

    def clear(self) -> None:
        self.beginResetModel()
        self._steps.clear()
        self._row_of.clear()
        self._bytes.clear()
        self.endResetModel()

    def upsert(self, step: StepRecord) -> int:
        """Add a step, or replace the row of the same (run, index). Returns the row."""
        key = (step.run_id, step.index)
        if step.screenshot:
            self._bytes[key] = step.screenshot
        light = step.model_copy(update={"screenshot": None})
        row = self._row_of.get(key)
        if row is None:
            row = len(self._steps)
            self.beginInsertRows(QModelIndex(), row, row)
            self._steps.append(light)
            self._row_of[key] = row
            self.endInsertRows()
        else:
            self._steps[row] = light
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        return row

    def step(self, row: int) -> StepRecord | None:
        return self._steps[row] if 0 <= row < len(self._steps) else None

    def screenshot_of(self, step: StepRecord) -> bytes | None:
        return self.screenshot_source(step.run_id, step.index)

    def _own_bytes(self, run_id: str, index: int) -> bytes | None:
        return self._bytes.get((run_id, index))

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._steps)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        step = self.step(index.row())
        if step is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            key = (step.run_id, step.index)
            return self.thumbnails.request(key, self.screenshot_of(step))
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(step, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (2, 3):
            parts = [step.summary]
            if step.feedback:
                parts.append(f"feedback: {step.feedback}")
            if step.execution_detail:
                parts.append(step.execution_detail)
            return "\n".join(parts)
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return _DECISION_COLORS.get(step.decision)
        if role == Qt.ItemDataRole.SizeHintRole and column == 0:
            return THUMB_SIZE + QSize(8, 6)
        return None

    def _display(self, step: StepRecord, column: int) -> str:
        t = step.timings
        match column:
            case 1:
                return str(step.index + 1)
            case 2:
                return step.summary
            case 3:
                return decision_text(step)
            case 4:
                total = (t.capture_ms or 0) + (t.encode_ms or 0)
                return "" if t.capture_ms is None else f"{total:.0f} ms"
            case 5:
                return _ms(t.model_ms)
            case 6:
                return _ms(t.execute_ms)
            case 7:
                return f"{step.upload_bytes / 1024:.0f} KB" if step.upload_bytes else ""
            case 8:
                if step.input_tokens is None and step.output_tokens is None:
                    return ""
                return f"{step.input_tokens or 0}+{step.output_tokens or 0}"
        return ""

    def _thumbnail_ready(self, key: Any, _image: Any) -> None:
        if not shiboken6.isValid(self):
            return
        row = self._row_of.get(key)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class TimelineView(QTableView):
    """The table; emits `stepActivated` with the record when a row is selected."""

    stepActivated = Signal(object)

    def __init__(self, model: TimelineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setIconSize(THUMB_SIZE)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(THUMB_SIZE.height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, THUMB_SIZE.width() + 10)
        header.setMinimumSectionSize(40)
        self.selectionModel().currentRowChanged.connect(self._row_changed)
        model.rowsInserted.connect(self._follow)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        model = self.model()
        assert isinstance(model, TimelineModel)
        step = model.step(current.row())
        if step is not None:
            self.stepActivated.emit(step)

    def _follow(self, _parent: QModelIndex, _first: int, last: int) -> None:
        self.scrollTo(self.model().index(last, 0))
