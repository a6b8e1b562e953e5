"""The supervision settings in the window: the View menu and applying / saving a change.

``Settings.supervision`` (core/settings.py) holds them: the compact panel (auto / always /
never), the dock edge, and the on-desktop overlay. Changes made in the View menu apply at once
and are saved to the settings file when the console loaded it (not for a console built by
tests with settings of their own).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

REAL_DESKTOPS = ("xcb", "windows", "cocoa")
"""Platforms with a desktop to dock on and draw on (offscreen / minimal have none)."""


@dataclass
class SupervisionOptions:
    compact: str = "auto"  # auto | always | never
    dock_edge: str = "right"  # right | left
    desktop_overlay: bool = True

    @classmethod
    def of(cls, settings: Any) -> SupervisionOptions:
        sup = getattr(settings, "supervision", None)
        if sup is None:
            return cls()
        return cls(sup.compact, sup.dock_edge, sup.desktop_overlay)


def build_view_menu(sup: Any) -> None:
    """The View menu of ``sup.window`` (a `Supervision`)."""
    view = sup.window.menuBar().addMenu("&View")
    sup._compact_action = view.addAction("Compact panel now")
    sup._compact_action.setToolTip("Supervise from the narrow panel docked to the screen edge")
    sup._compact_action.triggered.connect(sup.show_compact)
    sup._compact_action.setEnabled(False)
    view.addSeparator()
    sup.compact_setting = view.addAction("Compact panel while a run is active")
    sup.compact_setting.setCheckable(True)
    sup.compact_setting.setChecked(sup.options.compact != "never")
    sup.compact_setting.toggled.connect(
        lambda on: set_option(sup, compact="auto" if on else "never")
    )
    sup.overlay_setting = view.addAction("Draw the proposed action on the desktop")
    sup.overlay_setting.setCheckable(True)
    sup.overlay_setting.setChecked(sup.options.desktop_overlay)
    sup.overlay_setting.toggled.connect(lambda on: set_option(sup, desktop_overlay=on))
    sup.dock_left_setting = view.addAction("Dock the panel on the left edge")
    sup.dock_left_setting.setCheckable(True)
    sup.dock_left_setting.setChecked(sup.options.dock_edge == "left")
    sup.dock_left_setting.toggled.connect(
        lambda on: set_option(sup, dock_edge="left" if on else "right")
    )


def set_option(sup: Any, **changes: Any) -> None:
    """Change a supervision setting (View menu); saved when the console owns the file."""
    for key, value in changes.items():
        setattr(sup.options, key, value)
    sup.overlay.enabled = (
        sup.options.desktop_overlay and QApplication.platformName() in REAL_DESKTOPS
    )
    if not sup.overlay.enabled:
        sup.overlay.hide_now()
    else:
        sup._redraw_overlay()
    profiles = sup.console.profiles
    settings = getattr(profiles, "settings", None)
    if settings is None or not hasattr(settings, "supervision"):
        return
    updated = settings.supervision.model_copy(update=changes)
    profiles.settings = settings.model_copy(update={"supervision": updated})
    if not sup.persist:
        return
    try:
        from console_app.core.settings_store import SettingsStore

        store = SettingsStore()
        current = store.load()
        store.save(current.model_copy(update={"supervision": updated}))
    except Exception as exc:
        log.warning("could not save the supervision setting: %s", exc)
