"""The console window's "History…" and "Settings…" actions open the real views, and a Save
in the settings dialog reaches the window's profile picker."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from console_app.core.records import ResponseRecord
from console_app.core.settings import Profile, Settings
from console_app.history.store import HistoryStore
from console_app.ui.history.history_controller import HistoryLauncher
from console_app.ui.history.history_view import HistoryWindow
from console_app.ui.settings.settings_view import SettingsDialog
from tests.gui.conftest import until


def top_level(kind: type) -> list[Any]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def test_history_action_opens_the_history_of_the_console(console: Any, drive: Any) -> None:
    window = console.window
    launcher = window.findChild(HistoryLauncher)
    assert launcher is not None, "build_console attached the history view"

    async def scenario() -> None:
        window.history_action.trigger()
        (view,) = top_level(HistoryWindow)
        store = launcher.store
        assert isinstance(store, HistoryStore)  # the console's recorder, or the default store
        store.record_response(ResponseRecord(response_id="resp_wired", backend="http://x",
                                             profile="local", status="completed"))  # fmt: skip
        window.history_action.trigger()  # shown again: re-reads the store
        assert top_level(HistoryWindow) == [view]
        model = launcher.controller.responses
        await until(lambda: not model.loading and model.rowCount() >= 1)
        assert model.row_of(lambda r: r.response_id == "resp_wired") is not None
        view.close()
        await launcher.controller.aclose()
        store.close()

    drive(scenario(), timeout=20)


def test_settings_action_opens_the_dialog_and_save_reloads_the_profiles(
    console: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    monkeypatch.setenv("CONSOLE_APP_HOME", str(tmp_path / "home"))
    reloaded: list[Settings] = []
    monkeypatch.setattr(console.profiles, "reload", reloaded.append)
    console.window.settings_action.trigger()
    (dialog,) = top_level(SettingsDialog)
    assert dialog.profiles.item(0).text() == "local  (active)"
    dialog.form.max_steps.setValue(7)
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert reloaded and reloaded[0].profile("local").max_steps == 7
    assert isinstance(reloaded[0].profile("local"), Profile)
