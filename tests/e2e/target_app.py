"""A small Qt window that end-to-end tests aim real input at; it logs everything it receives.

Run in its own process (never inside the test process, whose pointer and keyboard it observes)::

    python tests/e2e/target_app.py --log events.jsonl [--geometry x,y,w,h] [--geometry-out g.json]

Why a separate app: the executor sends real X input, so the only honest proof that a click
landed "inside the OK button" is a real widget saying so. Every mouse press/release/double
click/move, wheel, key press/release, text change and button click is written to the log as one
JSON object per line, flushed immediately, with the receiving widget's object name and global +
local coordinates. Key events carry ``key`` (Qt's int code), ``key_enum`` (``"Key_Escape"``),
``key_name`` (``QKeySequence`` text, ``"Esc"``), ``text`` and ``keysym`` (the X keysym).

Only *spontaneous* events reaching a QWidget are logged: Qt delivers the real X event to the
deepest widget first (spontaneous) and re-sends non-spontaneous copies to parents when a child
ignores it, so this rule logs each real event exactly once.

Once shown, the window writes the global geometry of every named widget to ``--geometry-out``
(default: the log path + ``.geometry.json``), atomically, so tests know where to aim.

Commands are read from stdin, one JSON object (or a bare word) per line; each is acknowledged
with a ``{"event": "ack", "cmd": ..., "id": ...}`` log line so tests can synchronise:

* ``reset`` — clear every field, scroll back to the origin, put the drag box back, focus the window
* ``focus <name>`` / ``{"cmd": "focus", "name": ...}`` — give a widget keyboard focus
* ``mark`` — just the ack (a sync point in the log)
* ``geometry`` — rewrite the geometry file
* ``quit``

The app quits when stdin reaches EOF, so it never outlives a crashed test run.
Labels are large (20 px+) so OCR (the local engine's planner) can read them in full-loop tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

SCROLL_CONTENT_SIZE = (1600, 2400)
"""Width and height of the scroll area's content, in pixels (both directions scroll)."""
SCROLL_ROWS = 40
DRAG_BOX_SIZE = 60
DRAG_BOX_ORIGIN = (20, 20)

_BUTTON_NAMES = {
    Qt.MouseButton.LeftButton: "left",
    Qt.MouseButton.RightButton: "right",
    Qt.MouseButton.MiddleButton: "middle",
    Qt.MouseButton.BackButton: "back",
    Qt.MouseButton.ForwardButton: "forward",
}
_MODIFIER_NAMES = {
    Qt.KeyboardModifier.ShiftModifier: "shift",
    Qt.KeyboardModifier.ControlModifier: "ctrl",
    Qt.KeyboardModifier.AltModifier: "alt",
    Qt.KeyboardModifier.MetaModifier: "meta",
}
_MOUSE_EVENTS = {
    QEvent.Type.MouseButtonPress: "press",
    QEvent.Type.MouseButtonRelease: "release",
    QEvent.Type.MouseButtonDblClick: "dblclick",
    QEvent.Type.MouseMove: "move",
}
_KEY_EVENTS = {QEvent.Type.KeyPress: "key_press", QEvent.Type.KeyRelease: "key_release"}


class EventLog:
    """Append-only JSON lines, flushed per line (a test may read while the app runs)."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("a", encoding="utf-8", buffering=1)
        self._seq = 0
        self._lock = threading.Lock()

    def write(self, event: str, **fields: Any) -> None:
        with self._lock:
            self._seq += 1
            record = {"seq": self._seq, "t": round(time.monotonic(), 4), "event": event, **fields}
            self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._file.flush()


def widget_name(obj: QObject | None) -> str:
    """The object name of the nearest named widget (a scroll area's viewport → the area)."""
    while obj is not None:
        if obj.objectName() and not obj.objectName().startswith("qt_"):
            return obj.objectName()
        obj = obj.parent()
    return ""


def _buttons(buttons: Qt.MouseButton) -> list[str]:
    return [name for flag, name in _BUTTON_NAMES.items() if buttons & flag]


def _modifiers(mods: Qt.KeyboardModifier) -> list[str]:
    return [name for flag, name in _MODIFIER_NAMES.items() if mods & flag]


def _key_enum(key: int) -> str:
    """Qt's name for a key code ("Key_Escape", "Key_A"); "" for 0 or unknown codes."""
    try:
        return (Qt.Key(key).name or "") if key else ""
    except ValueError:
        return ""


class EventRecorder(QObject):
    """Application-wide event filter that logs each real input event once."""

    def __init__(self, log: EventLog, log_moves: bool) -> None:
        super().__init__()
        self._log = log
        self._log_moves = log_moves

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not isinstance(obj, QWidget) or not event.spontaneous():
            return False
        if kind in _MOUSE_EVENTS:
            if kind == QEvent.Type.MouseMove and not self._log_moves:
                return False
            assert isinstance(event, QMouseEvent)
            glob = event.globalPosition().toPoint()
            local = event.position().toPoint()
            self._log.write(
                _MOUSE_EVENTS[kind],
                widget=widget_name(obj),
                global_pos=[glob.x(), glob.y()],
                local=[local.x(), local.y()],
                button=_BUTTON_NAMES.get(event.button(), ""),
                buttons=_buttons(event.buttons()),
                modifiers=_modifiers(event.modifiers()),
                timestamp=event.timestamp(),
            )
        elif kind == QEvent.Type.Wheel:
            glob = event.globalPosition().toPoint()  # type: ignore[attr-defined]
            local = event.position().toPoint()  # type: ignore[attr-defined]
            angle = event.angleDelta()  # type: ignore[attr-defined]
            self._log.write(
                "wheel",
                widget=widget_name(obj),
                global_pos=[glob.x(), glob.y()],
                local=[local.x(), local.y()],
                angle=[angle.x(), angle.y()],
                modifiers=_modifiers(event.modifiers()),  # type: ignore[attr-defined]
            )
        elif kind in _KEY_EVENTS:
            self._log.write(
                _KEY_EVENTS[kind],
                widget=widget_name(obj),
                key=event.key(),  # type: ignore[attr-defined]
                key_name=QKeySequence(event.key()).toString(),  # type: ignore[attr-defined]
                key_enum=_key_enum(event.key()),  # type: ignore[attr-defined]
                text=event.text(),  # type: ignore[attr-defined]
                keysym=event.nativeVirtualKey(),  # type: ignore[attr-defined]
                modifiers=_modifiers(event.modifiers()),  # type: ignore[attr-defined]
                auto_repeat=event.isAutoRepeat(),  # type: ignore[attr-defined]
            )
        return False


class DragCanvas(QWidget):
    """A box that follows a press–move–release inside the canvas; logs where it was dropped."""

    def __init__(self, log: EventLog) -> None:
        super().__init__()
        self.setObjectName("drag_area")
        self.setMinimumSize(420, 260)
        self._log = log
        self.box = QRect(*DRAG_BOX_ORIGIN, DRAG_BOX_SIZE, DRAG_BOX_SIZE)
        self._grab: QPoint | None = None
        self._moves = 0

    def reset(self) -> None:
        self.box = QRect(*DRAG_BOX_ORIGIN, DRAG_BOX_SIZE, DRAG_BOX_SIZE)
        self._grab = None
        self.update()

    def paintEvent(self, _event: QEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#dde6f0"))
        painter.setPen(QColor("#203040"))
        painter.drawText(
            self.rect().adjusted(0, 0, -10, -10),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
            "Drag area",
        )
        painter.fillRect(self.box, QColor("#c03030"))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.LeftButton and self.box.contains(pos):
            self._grab = pos - self.box.topLeft()
            self._moves = 0
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._grab is not None:
            self._moves += 1
            self.box.moveTopLeft(event.position().toPoint() - self._grab)
            self.update()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._grab is not None and event.button() == Qt.MouseButton.LeftButton:
            self.box.moveTopLeft(event.position().toPoint() - self._grab)
            self._grab = None
            top_left = self.mapToGlobal(self.box.topLeft())
            self._log.write(
                "dropped",
                widget="drag_box",
                box_global=[top_left.x(), top_left.y(), self.box.width(), self.box.height()],
                moves=self._moves,
            )
            self.update()
        event.accept()

    def box_global(self) -> list[int]:
        top_left = self.mapToGlobal(self.box.topLeft())
        return [top_left.x(), top_left.y(), self.box.width(), self.box.height()]


class TargetWindow(QWidget):
    command_received = Signal(str)

    def __init__(self, log: EventLog, geometry_out: Path) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self.setObjectName("target_window")
        self.setWindowTitle("Target App")
        self._log = log
        self._geometry_out = geometry_out
        self.setStyleSheet("QWidget#target_window { background: #f4f4f4; }")

        title = QLabel("Target App")
        title.setObjectName("title_label")
        title.setStyleSheet("font-size: 28px; font-weight: bold;")
        self.result_label = QLabel("Result: none")
        self.result_label.setObjectName("result_label")
        self.result_label.setStyleSheet("font-size: 24px;")

        self.ok_button = QPushButton("OK")
        self.ok_button.setObjectName("ok_button")
        self.submit_button = QPushButton("Submit")
        self.submit_button.setObjectName("submit_button")
        for button in (self.ok_button, self.submit_button):
            button.setMinimumSize(160, 56)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.address_bar = QLineEdit()
        self.address_bar.setObjectName("address_bar")
        self.address_bar.setPlaceholderText("Address")
        self.line_edit = QLineEdit()
        self.line_edit.setObjectName("line_edit")
        self.line_edit.setPlaceholderText("Name")
        self.text_edit = QTextEdit()
        self.text_edit.setObjectName("text_edit")
        self.text_edit.setAcceptRichText(False)
        self.text_edit.setFixedHeight(110)

        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("scroll_area")
        self.scroll_area.setFixedSize(420, 260)
        content = QWidget()
        content.setObjectName("scroll_content")
        content.setFixedSize(*SCROLL_CONTENT_SIZE)
        step = SCROLL_CONTENT_SIZE[1] // SCROLL_ROWS
        for row in range(SCROLL_ROWS):
            label = QLabel(f"Row {row}", content)
            label.move(10, row * step + 10)
        self.scroll_area.setWidget(content)
        self.drag_canvas = DragCanvas(log)

        form = QGridLayout()
        for row, (text, field) in enumerate(
            (("Address", self.address_bar), ("Name", self.line_edit), ("Notes", self.text_edit))
        ):
            label = QLabel(text)
            label.setObjectName(f"{field.objectName()}_label")
            form.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            form.addWidget(field, row, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.submit_button)
        buttons.addStretch(1)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.result_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.scroll_area)
        bottom.addWidget(self.drag_canvas)
        bottom.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addLayout(header)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addLayout(bottom)
        layout.addStretch(1)

        self.ok_button.clicked.connect(lambda: self._clicked("ok_button", "OK clicked"))
        self.submit_button.clicked.connect(
            lambda: self._clicked("submit_button", f"Submitted: {self.line_edit.text()}")
        )
        self.address_bar.returnPressed.connect(self._navigate)
        self.line_edit.returnPressed.connect(
            lambda: log.write("return", widget="line_edit", text=self.line_edit.text())
        )
        for field in (self.address_bar, self.line_edit):
            field.textChanged.connect(self._text_logger(field.objectName()))
        self.text_edit.textChanged.connect(
            lambda: log.write("text", widget="text_edit", text=self.text_edit.toPlainText())
        )
        self.scroll_area.verticalScrollBar().valueChanged.connect(
            lambda value: log.write("scrolled", widget="scroll_area", axis="y", value=value)
        )
        self.scroll_area.horizontalScrollBar().valueChanged.connect(
            lambda value: log.write("scrolled", widget="scroll_area", axis="x", value=value)
        )
        shortcut = QShortcut(QKeySequence("Ctrl+L"), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(self._focus_address_bar)
        self.command_received.connect(self._run_command)
        for child in [self, *self.findChildren(QWidget)]:
            child.setMouseTracking(True)

    def _text_logger(self, name: str) -> Callable[[str], None]:
        return lambda text: self._log.write("text", widget=name, text=text)

    def _clicked(self, name: str, result: str) -> None:
        self.result_label.setText(f"Result: {result}")
        self._log.write("clicked", widget=name, result=result)

    def _navigate(self) -> None:
        url = self.address_bar.text()
        self.result_label.setText(f"Result: Navigated {url}")
        self._log.write("navigate", widget="address_bar", url=url)

    def _focus_address_bar(self) -> None:
        self.address_bar.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.address_bar.selectAll()
        self._log.write("shortcut", widget="address_bar", keys="ctrl+l")

    def geometry_record(self) -> dict[str, Any]:
        widgets: dict[str, list[int]] = {}
        for child in [self, *self.findChildren(QWidget)]:
            name = child.objectName()
            if not name or name.startswith("qt_") or not child.isVisible():
                continue
            top_left = child.mapToGlobal(QPoint(0, 0))
            widgets[name] = [top_left.x(), top_left.y(), child.width(), child.height()]
        widgets["drag_box"] = self.drag_canvas.box_global()
        viewport = self.scroll_area.viewport()
        vtop = viewport.mapToGlobal(QPoint(0, 0))
        screen = self.screen()
        return {
            "pid": os.getpid(),
            "window": widgets["target_window"],
            "widgets": widgets,
            "scroll": {
                "content": list(SCROLL_CONTENT_SIZE),
                "viewport": [vtop.x(), vtop.y(), viewport.width(), viewport.height()],
                "single_step_y": self.scroll_area.verticalScrollBar().singleStep(),
                "single_step_x": self.scroll_area.horizontalScrollBar().singleStep(),
                "wheel_scroll_lines": QApplication.wheelScrollLines(),
            },
            "screen": [
                screen.geometry().x(),
                screen.geometry().y(),
                screen.geometry().width(),
                screen.geometry().height(),
            ],
            "device_pixel_ratio": self.devicePixelRatioF(),
            "double_click_ms": QApplication.doubleClickInterval(),
        }

    def write_geometry(self) -> None:
        tmp = self._geometry_out.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.geometry_record(), indent=1), encoding="utf-8")
        tmp.replace(self._geometry_out)

    def reset(self) -> None:
        for field in (self.address_bar, self.line_edit):
            field.blockSignals(True)
            field.clear()
            field.blockSignals(False)
        self.text_edit.blockSignals(True)
        self.text_edit.clear()
        self.text_edit.blockSignals(False)
        for bar in (self.scroll_area.verticalScrollBar(), self.scroll_area.horizontalScrollBar()):
            bar.blockSignals(True)
            bar.setValue(0)
            bar.blockSignals(False)
        self.drag_canvas.reset()
        self.result_label.setText("Result: none")
        self.activateWindow()
        self.raise_()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _run_command(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        # A round trip to the X server, then deliver everything it had queued for us: input
        # the test sent (and synced) before this command is handled before the ack is logged.
        QGuiApplication.sync()
        QApplication.processEvents()
        try:
            cmd = json.loads(line) if line.startswith("{") else None
        except json.JSONDecodeError:
            cmd = None
        if cmd is None:
            word, _, arg = line.partition(" ")
            cmd = {"cmd": word, "name": arg.strip()}
        name = cmd.get("cmd")
        if name == "reset":
            self.reset()
        elif name == "focus":
            target = self.findChild(QWidget, str(cmd.get("name", "")))
            if target is not None:
                target.activateWindow()
                target.setFocus(Qt.FocusReason.OtherFocusReason)
        elif name == "geometry":
            self.write_geometry()
        elif name == "quit":
            QApplication.quit()
        focus = QApplication.focusWidget()
        self._log.write("ack", cmd=name, id=cmd.get("id"), focus=widget_name(focus))


def _read_stdin(window: TargetWindow) -> None:
    for line in sys.stdin:
        window.command_received.emit(line)
    window.command_received.emit('{"cmd": "quit", "id": "eof"}')


def _parse_geometry(text: str) -> tuple[int, int, int, int]:
    parts = [int(part) for part in text.split(",")]
    if len(parts) != 4:
        raise argparse.ArgumentTypeError("geometry is x,y,w,h")
    return parts[0], parts[1], parts[2], parts[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--log", type=Path, required=True, help="JSON-lines event log")
    parser.add_argument("--geometry", type=_parse_geometry, default=(100, 80, 1200, 800))
    parser.add_argument("--geometry-out", type=Path, default=None)
    parser.add_argument("--no-moves", action="store_true", help="do not log mouse moves")
    parser.add_argument("--font-px", type=int, default=22)
    args = parser.parse_args(argv)

    app = QApplication([sys.argv[0]])
    font = QFont("DejaVu Sans")
    font.setPixelSize(args.font_px)
    app.setFont(font)
    log = EventLog(args.log)
    recorder = EventRecorder(log, log_moves=not args.no_moves)
    app.installEventFilter(recorder)
    geometry_out = args.geometry_out or Path(str(args.log) + ".geometry.json")
    window = TargetWindow(log, geometry_out)
    x, y, w, h = args.geometry
    window.setGeometry(x, y, w, h)
    window.show()
    window.activateWindow()
    window.raise_()

    def ready() -> None:
        window.write_geometry()
        log.write("ready", pid=os.getpid(), window=window.geometry_record()["window"])

    # Two event-loop turns after show(): the window is mapped and laid out by then.
    QTimer.singleShot(200, ready)
    threading.Thread(target=_read_stdin, args=(window,), daemon=True).start()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
