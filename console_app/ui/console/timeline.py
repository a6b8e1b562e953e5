"""The step timeline: one row per step (thumbnail, action, decision, timings, upload, tokens).

Model/view: `TimelineModel` keeps the step records of the current run *without* decoding their
screenshots; thumbnails are decoded lazily, only for rows the view actually paints, by an
`ImageLoader` worker pool with a bounded cache. Selecting a row lets the console show that
step's full screenshot and overlay again (the controller decodes it the same way).

The encoded screenshot bytes come from ``screenshot_source``: by default the bytes the loop
reported for the last `RECENT_SCREENSHOTS` steps, and for older steps ``older_screenshots``
(the console plugs in the history store's `step_screenshot`). Why not every step's bytes:
a long run kept ~70–130 kB per step for good (35 MB over 500 steps, measured by
bench/console_run.py), while the history has them on disk anyway.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from console_app.core.records import StepRecord
from console_app.ui.widgets.image_loader import ImageLoader

log = logging.getLogger(__name__)

THUMB_SIZE = QSize(112, 63)
RECENT_SCREENSHOTS = 32
"""Encoded screenshots kept in memory (the newest steps'); older ones come from the history."""
THUMBNAILS = 120
"""Decoded thumbnails kept (28 kB each); the view shows a handful of rows at a time."""
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
    if step.execution == "stale":
        return f"{text} · not run: the screen changed"
    if step.execution == "refused":
        text += " · refused"
    elif step.execution == "failed":
        text += " · failed"
    elif step.execution == "pending":
        text += " · running"
    return text


class TimelineModel(QAbstractTableModel):
    """The run's steps as table rows (thumbnail, action, decision, timings), updated in place.

    Screenshot bytes of recent steps are kept (older ones come from ``older_screenshots``);
    thumbnails are decoded off the GUI thread by an `ImageLoader`.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._steps: list[StepRecord] = []
        self._row_of: dict[tuple[str, int], int] = {}
        self._bytes: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self.screenshot_source: ScreenshotSource = self._own_bytes
        self.older_screenshots: ScreenshotSource | None = None
        self.thumbnails = ImageLoader(THUMB_SIZE, capacity=THUMBNAILS, parent=self)
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
            self._bytes.move_to_end(key)
            while len(self._bytes) > RECENT_SCREENSHOTS:
                self._bytes.popitem(last=False)
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
        data = self._bytes.get((run_id, index))
        if data is None and self.older_screenshots is not None:
            try:
                data = self.older_screenshots(run_id, index)
            except Exception:  # a history that cannot be read shows "not available"
                log.warning("could not read step %d's screenshot back", index, exc_info=True)
        return data

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
            image = self.thumbnails.cached(key)  # no bytes fetched for a painted thumbnail
            if image is not None:
                return image
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
                if t.settle_ms is None:
                    return _ms(t.execute_ms)
                return f"{_ms(t.execute_ms)} + {t.settle_ms:.0f} settle"
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


class ThumbnailDelegate(QStyledItemDelegate):
    """Draws the thumbnail image straight onto the row.

    Why not Qt's own decoration painting: it turns the image into a new QPixmap and QIcon at
    every paint, and painting the icon stores each of those in the global QPixmapCache — a
    new 28 kB entry per repaint, so a long run filled the cache to its 10 MB limit (measured
    by bench/console_run.py)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
        option.icon = QIcon()

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)  # background and selection
        image = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(image, QImage) and not image.isNull():
            size = image.size().scaled(THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(option.rect.topLeft(), size)
            target.moveCenter(option.rect.center())
            painter.drawImage(target, image)


class TimelineView(QTableView):
    """The table; emits `stepActivated` with the record when a row is selected.

    Signals:
        stepActivated(object): the `StepRecord` of the selected row.
    """

    stepActivated = Signal(object)

    def __init__(self, model: TimelineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setIconSize(THUMB_SIZE)
        self.setItemDelegateForColumn(0, ThumbnailDelegate(self))
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
        # ResizeToContents re-measures its columns on every change of any row; by default over
        # up to 1000 rows, each a Python data() call: in a long run every step stalled the GUI
        # thread for 40–180 ms (measured by bench/console_run.py). Only the rows in view count.
        header.setResizeContentsPrecision(0)
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
