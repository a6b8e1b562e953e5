"""A 1280×720 screen: the console's window and the supervision panel fit on it, every control
visible (the window opened 1600 px wide and ran off the screen's right edge; the panel's four
approval buttons side by side needed more than its 300 px and were cut off)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton, QWidget

from console_app.ui.console.compact_panel import CompactPanel, dock_rect
from console_app.ui.console.console_view import MainWindow
from console_app.ui.main import DEFAULT_SIZE

SMALL = QRect(0, 0, 1280, 720)


def _inside(widget: QWidget, outer: QWidget) -> bool:
    """``widget`` lies wholly within ``outer``'s rectangle (in ``outer``'s coordinates)."""
    top_left = widget.mapTo(outer, widget.rect().topLeft())
    bottom_right = widget.mapTo(outer, widget.rect().bottomRight())
    return outer.rect().contains(top_left) and outer.rect().contains(bottom_right)


def test_the_window_opens_within_the_screen(qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.fit_to_screen(DEFAULT_SIZE)
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    area = screen.availableGeometry()
    # The offscreen test screen is smaller than the default size (as a laptop's may be).
    assert area.width() < DEFAULT_SIZE[0] or area.height() < DEFAULT_SIZE[1]
    assert window.width() <= area.width() and window.height() <= area.height()
    assert area.contains(window.geometry())
    window.show()
    qtbot.waitExposed(window)
    for button in window.findChildren(QPushButton):
        if button.isVisible():
            assert _inside(button, window), button.text()


def test_the_window_keeps_its_default_size_on_a_large_screen(qtbot: Any) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    if screen.availableGeometry().width() >= DEFAULT_SIZE[0] + 16:
        window.fit_to_screen(DEFAULT_SIZE)
        assert window.width() == DEFAULT_SIZE[0]
    window.fit_to_screen((400, 300))  # smaller than its contents need: it gets what they need
    assert window.width() >= window.minimumSizeHint().width()
    assert window.height() >= window.minimumSizeHint().height()


def test_the_panel_fits_a_1280_px_screen_with_every_button_visible(qtbot: Any) -> None:
    panel = CompactPanel()
    qtbot.addWidget(panel)
    panel.details.setPlainText("Reasoning: the OK button is at the bottom. " * 8)
    panel.dock(SMALL, "right")
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.width() == dock_rect(SMALL, "right").width() == 300
    assert panel.geometry().right() <= SMALL.right()
    buttons = [
        panel.approve_button,
        panel.reject_button,
        panel.edit_button,
        panel.skip_button,
        panel.pause_button,
        panel.stop_button,
        panel.full_button,
    ]
    for button in buttons:
        assert _inside(button, panel), button.text()
        # Its whole label fits (no eliding: a cut "Full wi…" is what users saw).
        assert button.width() >= button.sizeHint().width() - 2, button.text()


def test_a_panel_wider_than_its_dock_moves_left_to_stay_on_the_screen(qtbot: Any) -> None:
    panel = CompactPanel()
    qtbot.addWidget(panel)
    panel.setMinimumWidth(360)  # e.g. a large font
    panel.dock(SMALL, "right")
    assert panel.width() >= 360
    assert panel.frameGeometry().right() <= SMALL.right()
    panel.dock(SMALL, "left")
    assert panel.frameGeometry().left() >= SMALL.left()
