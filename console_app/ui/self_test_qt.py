"""The Qt part of ``console-app --self-test``, run in a child process.

Why a child: a Qt platform plugin that cannot load its system libraries aborts the process;
the parent (``ui/self_test.py``) turns that abort into a FAIL line with Qt's own explanation.
The child prints one JSON line: versions, platform, screen, fonts — or an ``error``.
"""

from __future__ import annotations

import json
from typing import Any


def run_qt_part() -> int:
    """The Qt check's child: start QApplication, render an unshown widget and text; print JSON."""
    try:
        report = _qt_report()
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    print(json.dumps(report), flush=True)
    return 0 if "error" not in report else 1


def _qt_report() -> dict[str, Any]:
    import PySide6
    from PySide6 import QtCore, QtGui, QtWidgets

    app = QtWidgets.QApplication(["console-app"])
    screen = app.primaryScreen()
    size = screen.size() if screen is not None else QtCore.QSize()
    window = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(window)
    layout.addWidget(QtWidgets.QLabel("Operator Console self-test"))
    layout.addWidget(QtWidgets.QPushButton("Approve"))
    window.resize(320, 120)
    pixmap = window.grab()  # renders without showing: the main window is never shown
    shown = window.isVisible()
    image = QtGui.QImage(360, 60, QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    painter.setPen(QtGui.QColor("black"))
    font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.GeneralFont)
    font.setPointSize(20)
    painter.setFont(font)
    painter.drawText(10, 40, "Operator Console")
    painter.end()
    ink = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if QtGui.QColor(image.pixel(x, y)).lightness() < 128
    )
    report: dict[str, Any] = {
        "pyside": PySide6.__version__,
        "qt": QtCore.qVersion(),
        "platform": app.platformName(),
        "screen": f"{size.width()}×{size.height()}",
        "fonts": len(QtGui.QFontDatabase.families()),
        "widget": f"{pixmap.width()}×{pixmap.height()}",
    }
    if pixmap.isNull() or pixmap.width() <= 0:
        report["error"] = "an unshown widget could not be rendered"
    elif shown:
        report["error"] = "the widget became visible"
    elif ink == 0:
        report["error"] = "text renders as nothing: no usable font (install fonts-dejavu-core)"
    window.deleteLater()
    app.processEvents()
    return report
