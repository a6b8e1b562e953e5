"""Ask for the supervisor's attention when an action waits and the console is not focused.

Why both: `QApplication.alert` flashes the task-bar entry (the window manager decides how);
a tray notification reaches someone whose console is behind a full-screen application. The
tray icon is created only when a system tray exists.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon, QWidget

log = logging.getLogger(__name__)


class Attention:
    def __init__(self, window: QWidget) -> None:
        self.window = window
        self.tray: QSystemTrayIcon | None = None
        self.alerts = 0  # how often attention was asked for (tests, diagnostics)
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = window.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxQuestion)
            self.tray = QSystemTrayIcon(icon, window)
            self.tray.setToolTip("Operator Console")
            self.tray.activated.connect(lambda *_: self.raise_window())
            self.tray.show()

    def request(self, title: str, text: str) -> bool:
        """Flash / notify unless the console is the active window; True if it asked."""
        if self.window.isActiveWindow():
            return False
        self.alerts += 1
        QApplication.alert(self.window, 0)
        if self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)
        log.info("asked for attention: %s", text)
        return True

    def raise_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
