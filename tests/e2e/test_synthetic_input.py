"""The console window drops key events another program sent with XSendEvent (``xdotool type
--window``), so such a program cannot approve a step; keys typed at the keyboard still work."""

from __future__ import annotations

import subprocess
import time

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit

from console_app.ui.desktop import synthetic_input

pytestmark = [pytest.mark.e2e]


def pump_until(app: QApplication, predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_sent_keys_are_ignored_and_real_keys_arrive() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    flt = synthetic_input.install(app)
    field = QLineEdit()
    field.setWindowTitle("synthetic-input-probe")
    field.setGeometry(200, 200, 400, 40)
    field.show()
    try:
        assert pump_until(app, field.isVisible)
        app.processEvents()
        window = str(int(field.winId()))
        # Sent to the window while it does not have the focus: xdotool uses XSendEvent (to the
        # focused window it would use XTest, which X cannot tell from a keyboard).
        before = flt.dropped
        subprocess.run(["xdotool", "type", "--window", window, "sent"], check=True, timeout=10)
        assert pump_until(app, lambda: flt.dropped >= before + 8), flt.dropped  # 4 down, 4 up
        assert field.text() == ""
        subprocess.run(["xdotool", "windowfocus", "--sync", window], check=True, timeout=10)
        pump_until(app, field.hasFocus, 5)
        subprocess.run(["xdotool", "type", "real"], check=True, timeout=10)  # XTest: a keyboard
        assert pump_until(app, lambda: field.text() == "real"), field.text()
    finally:
        field.close()
