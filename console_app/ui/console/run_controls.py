"""Run controls: Pause / Resume, Stop, the state of the run and a busy indicator with seconds.

A view only. Keys (in the tooltips): F6 or Ctrl+. pause/resume; Ctrl+Alt+Esc stops the run
from anywhere (a global hotkey, when the platform allows one), as does throwing the mouse into
a screen corner (pyautogui's fail-safe) while an action runs.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class RunControls(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setToolTip("Pause before the next model call or action (F6 or Ctrl+.)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip(
            "Stop the run: cancels the request in flight and releases held keys and buttons.\n"
            "Emergency stop from any application: Ctrl+Alt+Esc, or move the mouse into a "
            "screen corner while an action runs."
        )
        self.stop_button.setStyleSheet("QPushButton:enabled { color:#a00000; font-weight:600; }")
        self.state = QLabel("Idle")
        self.state.setObjectName("runState")
        self.state.setStyleSheet("font-weight:600;")
        self.state.setWordWrap(True)  # long error texts must not widen the column
        self.busy = QProgressBar()
        self.busy.setObjectName("busyIndicator")
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setMaximumHeight(10)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        # Shown and hidden at every state change, several times a step: keeping its place while
        # hidden spares a relayout (and repaint) of the whole column each time.
        policy = self.busy.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.busy.setSizePolicy(policy)
        self.elapsed = QLabel()
        self.elapsed.setObjectName("busyElapsed")
        self.auto_types = QLabel()
        self.auto_types.setObjectName("autoApprovedTypes")
        self.auto_types.setWordWrap(True)
        self.auto_types.setStyleSheet("color:#0b5a6b;")
        self.auto_types.setVisible(False)
        self.hotkey = QLabel()
        self.hotkey.setObjectName("hotkeyStatus")
        self.hotkey.setStyleSheet("color:#666;")
        self.hotkey.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.stop_button)
        status = QHBoxLayout()
        status.setContentsMargins(0, 0, 0, 0)
        status.addWidget(self.state, 1)
        status.addWidget(self.elapsed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(buttons)
        layout.addLayout(status)
        layout.addWidget(self.busy)
        layout.addWidget(self.auto_types)
        layout.addWidget(self.hotkey)
        self.set_running(False)

    def set_running(self, running: bool) -> None:
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        if not running:
            self.pause_button.setText("Pause")

    def set_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")

    def set_busy(self, busy: bool, elapsed: str = "") -> None:
        self.busy.setVisible(busy)
        self.elapsed.setText(elapsed)
