"""A window for the screen-truth tests: a slow dialog, a blinking caret, a target that changes.

    python tests/e2e/screen_truth_app.py --out DIR [--geometry x,y,w,h]

* **Open later** (button): 700 ms after a click a large red panel ("Dialog") appears — an app
  that is slow to react; nothing else on the window changes in between.
* **Field** (line edit): a real blinking caret once focused.
* **Target** (button): logs ``clicked`` to ``DIR/clicks.log``. The stdin command ``change``
  replaces it with a blue **Changed** button at the same place (``changed`` is written to
  ``DIR/state`` once painted), so a click aimed at "Target" would now land on something else.

On show, ``DIR/geometry.json`` has the global centre of each named widget. EOF on stdin quits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

BIG = "font-size: 28px; padding: 18px;"


class Commands(QObject):
    received = Signal(str)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--geometry", default="200,150,900,700")
    args = parser.parse_args()
    out = Path(args.out)
    x, y, w, h = (int(v) for v in args.geometry.split(","))

    app = QApplication(sys.argv[:1])
    app.setCursorFlashTime(1000)
    window = QWidget()
    window.setWindowTitle("Screen truth")
    window.setStyleSheet("background: #f2f2f2;")
    layout = QVBoxLayout(window)
    later = QPushButton("Open later")
    later.setObjectName("later")
    later.setStyleSheet(BIG)
    field = QLineEdit()
    field.setObjectName("field")
    field.setStyleSheet("font-size: 24px; padding: 8px; background: white;")
    target = QPushButton("Target")
    target.setObjectName("target")
    target.setStyleSheet(BIG + "background: #e0e0e0;")
    dialog = QLabel("Dialog")
    dialog.setObjectName("dialog")
    dialog.setStyleSheet("background: #d00000; color: white; font-size: 40px;")
    dialog.setMinimumHeight(220)
    dialog.setVisible(False)
    for widget in (later, field, target, dialog):
        layout.addWidget(widget)
    layout.addStretch(1)

    later.clicked.connect(lambda: QTimer.singleShot(700, lambda: dialog.setVisible(True)))

    def clicked() -> None:
        with (out / "clicks.log").open("a") as log:
            log.write(f"{target.text()}\n")

    target.clicked.connect(clicked)

    def command(line: str) -> None:
        if line == "change":
            target.setText("Changed")
            target.setStyleSheet(BIG + "background: #1040d0; color: white;")
            target.repaint()
            QTimer.singleShot(50, lambda: (out / "state").write_text("changed"))
        elif line == "quit":
            app.quit()

    commands = Commands()
    commands.received.connect(command)

    def read_stdin() -> None:
        for raw in sys.stdin:
            commands.received.emit(raw.strip())
        commands.received.emit("quit")

    threading.Thread(target=read_stdin, daemon=True).start()

    def write_geometry() -> None:
        centres = {}
        for widget in (later, field, target):
            centre = widget.mapToGlobal(widget.rect().center())
            centres[widget.objectName()] = [centre.x(), centre.y()]
        tmp = out / "geometry.json.tmp"
        tmp.write_text(json.dumps(centres))
        os.replace(tmp, out / "geometry.json")

    window.setGeometry(x, y, w, h)
    window.show()
    window.activateWindow()
    QTimer.singleShot(300, write_geometry)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
