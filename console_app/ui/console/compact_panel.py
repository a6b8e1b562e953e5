"""The supervision panel for one screen: a narrow always-on-top window docked to a screen edge.

While a run is active on the monitor the console sits on, the full window would cover the
application the agent works in (and be masked black in every screenshot). The panel keeps the
supervision on ≤ ~22 % of the screen width instead::

    ┌ Operator Console — Step 2: type "hello"  ┐
    │ Step 2: type "hello"                     │   step and action summary
    │ state · keys go to: Terminal             │
    │ note (policy, refusal, pick a window)    │
    │ [           Approve ⏎                  ] │   approval controls (keys work too)
    │ [Reject Esc]  [Edit E]  [Skip S]         │
    │ [Pause] [Stop] [Full window]             │
    │ ▸ Reasoning / message   (collapsible)    │
    │ ┌ what the model saw (thumbnail) ┐       │   masked areas labelled
    └──────────────────────────────────────────┘

It is a view: the supervision layer (``supervision.py``) fills it and wires its buttons and
keys to the approval controller.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QCloseEvent, QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

MAX_WIDTH_FRACTION = 0.22
MIN_WIDTH = 300
MAX_WIDTH = 440
PANEL_TITLE = "Operator Console — supervising"


def dock_rect(available: QRect, edge: str = "right") -> QRect:
    """The panel's frame rectangle on a screen's available area: full height, ≤ 22 % wide."""
    width = int(available.width() * MAX_WIDTH_FRACTION)
    width = max(min(width, MAX_WIDTH), min(MIN_WIDTH, available.width()))
    x = available.left() if edge == "left" else available.right() + 1 - width
    return QRect(x, available.top(), width, available.height())


class CompactPanel(QWidget):
    fullWindowRequested = Signal()
    closeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.setObjectName("compactPanel")
        self.setWindowTitle(PANEL_TITLE)
        self.edge = "right"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)

        self.step = QLabel("Starting…")
        self.step.setObjectName("panelStep")
        self.step.setWordWrap(True)
        self.step.setStyleSheet("font-weight:600; font-size:13pt;")
        self.state = QLabel("")
        self.state.setObjectName("panelState")
        self.state.setWordWrap(True)
        self.keys_target = QLabel("")
        self.keys_target.setObjectName("panelKeysTarget")
        self.keys_target.setWordWrap(True)
        self.keys_target.setStyleSheet("color:#555;")
        self.note = QLabel("")
        self.note.setObjectName("panelNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("background:#fff4d6; border:1px solid #e0b84a; padding:4px;")
        self.note.setVisible(False)
        self.pick_button = QPushButton("Pick the window that gets the keys…")
        self.pick_button.setObjectName("panelPick")
        self.pick_button.setVisible(False)

        self.approve_button = QPushButton("Approve  ⏎")
        self.approve_button.setObjectName("panelApprove")
        self.approve_button.setStyleSheet(
            "QPushButton:enabled { background:#1d7a36; color:white; font-weight:600; }"
        )
        self.reject_button = QPushButton("Reject  Esc")
        self.edit_button = QPushButton("Edit  E")
        self.skip_button = QPushButton("Skip  S")
        # Approve on a row of its own: the four buttons side by side need more than the
        # 300 px the panel has on a 1280-px screen (they were cut off at its edge).
        self.approve_button.setMinimumHeight(30)
        decision_row = QHBoxLayout()
        decision_row.setSpacing(4)
        for button in (self.approve_button, self.reject_button, self.edit_button, self.skip_button):
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter approves, never "clicks"
            if button is not self.approve_button:
                decision_row.addWidget(button)

        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setStyleSheet("QPushButton:enabled { color:#a01818; font-weight:600; }")
        self.full_button = QPushButton("Full window")
        self.full_button.setObjectName("panelFullWindow")
        self.full_button.setToolTip("Show the whole console (it will cover more of the screen)")
        run_row = QHBoxLayout()
        run_row.setSpacing(4)
        for button in (self.pause_button, self.stop_button, self.full_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            run_row.addWidget(button)
        self.full_button.clicked.connect(self.fullWindowRequested)

        self.details_toggle = QToolButton()
        self.details_toggle.setObjectName("panelDetailsToggle")
        self.details_toggle.setText("Reasoning / message")
        self.details_toggle.setCheckable(True)
        self.details_toggle.setChecked(True)
        self.details_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.details_toggle.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.details = QPlainTextEdit()
        self.details.setObjectName("panelDetails")
        self.details.setReadOnly(True)
        self.details.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.details.setMaximumHeight(220)
        self.details_toggle.toggled.connect(self._toggle_details)

        thumb_title = QLabel("What the model saw")
        thumb_title.setStyleSheet("font-weight:600;")
        self.thumbnail = QLabel("No screenshot yet")
        self.thumbnail.setObjectName("panelThumbnail")
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setMinimumHeight(120)
        self.thumbnail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.thumbnail.setStyleSheet("background:#222; color:#ccc;")
        self.mask_hint = QLabel("Black areas: the console — hidden from the model.")
        self.mask_hint.setObjectName("panelMaskHint")
        self.mask_hint.setWordWrap(True)
        self.mask_hint.setStyleSheet("color:#555; font-size:9pt;")

        layout.addWidget(self.step)
        layout.addWidget(self.state)
        layout.addWidget(self.keys_target)
        layout.addWidget(self.note)
        layout.addWidget(self.pick_button)
        layout.addWidget(self.approve_button)
        layout.addLayout(decision_row)
        layout.addLayout(run_row)
        layout.addWidget(self.details_toggle)
        layout.addWidget(self.details)
        layout.addWidget(thumb_title)
        layout.addWidget(self.thumbnail)
        layout.addWidget(self.mask_hint)
        layout.addStretch(1)

        self.shortcuts: dict[str, QShortcut] = {}
        for name, keys in (
            ("approve", ("Return", "Enter")),
            ("reject", ("Escape",)),
            ("edit", ("E",)),
            ("skip", ("S",)),
            ("pause", ("F6",)),
            ("stop", ("Ctrl+Alt+Escape",)),
        ):
            first = None
            for key in keys:
                sc = QShortcut(QKeySequence(key), self)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.setAutoRepeat(False)
                if first is None:
                    first = sc
                else:
                    sc.activated.connect(first.activated)
            assert first is not None
            self.shortcuts[name] = first
        self._image: QImage | None = None

    # ------------------------------------------------------------------ content

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def set_step(self, text: str) -> None:
        self.step.setText(text)
        self.setWindowTitle(f"{PANEL_TITLE} — {text}" if text else PANEL_TITLE)

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def set_details(self, reasoning: str, message: str) -> None:
        parts = []
        if reasoning.strip():
            parts.append("Reasoning: " + reasoning.strip())
        if message.strip():
            parts.append("Message: " + message.strip())
        self.details.setPlainText("\n\n".join(parts))

    def set_thumbnail(self, image: QImage | None) -> None:
        self._image = image
        self._scale_thumbnail()

    def _scale_thumbnail(self) -> None:
        if self._image is None or self._image.isNull():
            self.thumbnail.setPixmap(QPixmap())
            self.thumbnail.setText("No screenshot yet")
            return
        width = max(self.thumbnail.width() - 4, 100)
        pixmap = QPixmap.fromImage(self._image).scaledToWidth(
            width, Qt.TransformationMode.SmoothTransformation
        )
        self.thumbnail.setPixmap(pixmap)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._scale_thumbnail()

    def dock(self, available: QRect, edge: str = "right") -> None:
        """Place the panel (its frame) against ``edge`` of a screen's available area: as wide
        as `dock_rect` says, or as its contents need if that is more (never off the screen)."""
        self.edge = edge
        rect = dock_rect(available, edge)
        needed = min(max(self.minimumSizeHint().width(), self.minimumWidth()), available.width())
        if needed > rect.width():
            x = available.left() if edge == "left" else available.right() + 1 - needed
            rect = QRect(x, rect.y(), needed, rect.height())
        frame = self.frameGeometry()
        inner = self.geometry()
        extra_w = max(frame.width() - inner.width(), 0)
        extra_h = max(frame.height() - inner.height(), 0)
        self.setGeometry(
            rect.x() + (inner.x() - frame.x()),
            rect.y() + (inner.y() - frame.y()),
            rect.width() - extra_w,
            rect.height() - extra_h,
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing the panel shows the full window; the run goes on.
        event.ignore()
        self.fullWindowRequested.emit()
