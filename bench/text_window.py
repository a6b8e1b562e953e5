"""A plain window full of text, so the benchmark screen looks like a real desktop.

Why: PNG and JPEG sizes (and their encode times) depend on what is on the screen; on Xvfb's
black background every image is tiny and every encoder looks fast. The bench shows the target
app and a few of these (source code in an editor-like view) while it measures.

    python bench/text_window.py --geometry x,y,w,h --file path [--title T]

Quits when stdin reaches EOF, so it never outlives the bench.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QPlainTextEdit


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--geometry", required=True)
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--title", default="")
    parser.add_argument("--font-px", type=int, default=13)
    args = parser.parse_args()
    x, y, w, h = (int(v) for v in args.geometry.split(","))
    app = QApplication(sys.argv)
    view = QPlainTextEdit()
    view.setWindowTitle(args.title or args.file.name)
    font = QFont("DejaVu Sans Mono")
    font.setPixelSize(args.font_px)
    view.setFont(font)
    view.setPlainText(args.file.read_text("utf-8", "replace"))
    view.setGeometry(x, y, w, h)
    view.show()

    eof = threading.Event()

    def wait_for_eof() -> None:
        sys.stdin.read()
        eof.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    poll = QTimer()
    poll.timeout.connect(lambda: app.quit() if eof.is_set() else None)
    poll.start(200)
    print("ready", flush=True)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
