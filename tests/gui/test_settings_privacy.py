"""Privacy in the settings dialog: window rules (typed, picked, suggested), retention and
secret patterns, saved to the file and read back."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console_app.core.geometry import Rect
from console_app.core.privacy import WindowInfo
from console_app.core.settings import Settings
from console_app.core.settings_store import SettingsStore
from tests.gui.conftest import until
from tests.gui.test_settings_dialog import Opened, store  # noqa: F401 (fixtures)


def test_window_rules_and_retention_are_saved(qtbot: Any, store: SettingsStore) -> None:  # noqa: F811
    opened = Opened(qtbot, store)
    privacy = opened.form.privacy
    opened.type_into(privacy.masked.entry, "title:Bank")
    QTest.mouseClick(privacy.masked.add_button, Qt.MouseButton.LeftButton)
    QTest.mouseClick(privacy.masked.suggest_button, Qt.MouseButton.LeftButton)
    assert privacy.masked.list.count() == 4
    opened.type_into(privacy.only.entry, "class:gedit")
    privacy.only.entry.returnPressed.emit()
    opened.type_into(privacy.only.entry, "class:((")
    privacy.only.add_button.click()
    assert "Not added" in privacy.only.message.text() and privacy.only.list.count() == 1

    box = opened.view.history_privacy
    box.keep_days.setValue(14)
    box.max_mb.setValue(500)
    box.patterns.setPlainText("((")
    assert not box.error.isHidden() and not opened.view.save_button.isEnabled()
    box.patterns.setPlainText("\\bEMP-\\d{6}\\b\n")
    assert box.error.isHidden() and opened.view.save_button.isEnabled()
    opened.save()

    saved = SettingsStore(store.path).load()
    profile = saved.profile(saved.active_profile)
    assert [r.title for r in profile.mask_windows][:1] == ["Bank"]
    assert {r.wm_class for r in profile.mask_windows[1:]} == {"keepassxc", "bitwarden", "1password"}
    assert [r.wm_class for r in profile.only_windows] == ["gedit"]
    assert saved.privacy.keep_days == 14 and saved.privacy.max_history_mb == 500
    assert saved.privacy.secret_patterns == [r"\bEMP-\d{6}\b"]

    # opening again shows the same, and a profile-only edit keeps the history settings
    again = Opened(qtbot, store, saved)
    assert again.form.privacy.masked.list.count() == 4
    assert again.view.history_privacy.keep_days.value() == 14
    again.form.privacy.masked.list.setCurrentRow(0)
    again.form.privacy.masked.remove_button.click()
    again.save()
    reread = SettingsStore(store.path).load()
    assert len(reread.profile(reread.active_profile).mask_windows) == 3
    assert reread.privacy.keep_days == 14


def test_pick_a_window_adds_a_rule_for_its_class(qtbot: Any, store: SettingsStore) -> None:  # noqa: F811
    picked = WindowInfo(7, Rect(0, 0, 10, 10), title="Chat — Signal", instance="signal",
                        wm_class="Signal")  # fmt: skip
    opened = Opened(qtbot, store, Settings())
    editor = opened.form.privacy.masked
    editor.picker = lambda: picked
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)

        async def scenario() -> None:
            editor.pick_button.click()
            await until(lambda: editor.list.count() == 1, what="the picked window")

        loop.run_until_complete(scenario())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert editor.rules[0].wm_class == "Signal"
    assert "Added" in editor.message.text() and editor.pick_button.isEnabled()
