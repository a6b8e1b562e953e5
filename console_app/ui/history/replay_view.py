"""The replay window of one run: the steps, each step's screenshot with its action drawn on it,
and what was decided. A view only; ``replay_controller.py`` fills it.

Layout::

    [task                                                   ]
    [status · profile · backend · steps · result            ]
    [step list        | screenshot with overlay (zoomable)  ]
    [                 | decision, feedback, timings…        ]
    [◀ Previous  Next ▶                          Export…    ]
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console_app.ui.widgets.screenshot_view import ScreenshotView


class ReplayWindow(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("replayWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.resize(1300, 850)
        self.task = QLabel("")
        self.task.setObjectName("replayTask")
        self.task.setWordWrap(True)
        self.task.setTextFormat(Qt.TextFormat.PlainText)
        self.task.setStyleSheet("font-weight:600; font-size:14px;")
        self.meta = QLabel("")
        self.meta.setObjectName("replayMeta")
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        self.steps = QListWidget()
        self.steps.setObjectName("replaySteps")
        self.steps.setMinimumWidth(280)
        self.screenshot = ScreenshotView()
        self.screenshot.canvas.set_placeholder("No screenshot was recorded for this step.")
        self.facts = QLabel("")
        self.facts.setObjectName("replayFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("replayExport")
        self.export_button.setToolTip("Write this run as an HTML report and a JSON file")
        self.status = QLabel("")
        self.status.setObjectName("replayStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.screenshot, 4)
        right_layout.addWidget(self.facts, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.steps)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.task)
        layout.addWidget(self.meta)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
