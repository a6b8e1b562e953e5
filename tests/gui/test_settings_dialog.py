"""The settings dialog: editing every field, validation messages, profiles, API keys.

Each test has its own config dir and its own file-backed keyring (keyrings.alt, under
``XDG_DATA_HOME``), so what the dialog writes is read back from disk, and a key is proven to
be in the keyring and in no file of the config dir.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console_app.core import secrets
from console_app.core.settings import Profile, Settings
from console_app.core.settings_store import SettingsStore
from console_app.ui.settings.settings_controller import SettingsController
from console_app.ui.settings.settings_view import SettingsDialog

KEY = "tz-settings-dialog-key-7d1c9e"


@pytest.fixture
def store(home: Path) -> SettingsStore:
    return SettingsStore()


class Opened:
    def __init__(self, qtbot: Any, store: SettingsStore, settings: Settings | None = None):
        self.view = SettingsDialog()
        qtbot.addWidget(self.view)
        self.controller = SettingsController(self.view, settings or Settings(), store=store)
        self.saved: list[Settings] = []
        self.controller.saved.connect(self.saved.append)
        self.form = self.view.form
        self.view.show()
        qtbot.waitExposed(self.view)

    def pick(self, name: str) -> None:
        names = [d.name for d in self.controller.drafts]
        self.view.profiles.setCurrentRow(names.index(name))
        assert self.form.name.text() == name

    def error(self, field: str) -> str:
        label = self.form.errors.get(field) or self.form.policy.chords_error
        return label.text() if not label.isHidden() else ""

    def type_into(self, line: Any, text: str) -> None:
        line.selectAll()
        QTest.keyClicks(line, text)

    def save(self) -> None:
        QTest.mouseClick(self.view.save_button, Qt.MouseButton.LeftButton)


def config_texts(home: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in (home / "config").rglob("*")
        if p.is_file()
    )


def test_every_field_is_saved_and_the_key_goes_to_the_keyring_only(
    qtbot: Any, home: Path, store: SettingsStore
) -> None:
    opened = Opened(qtbot, store)
    form = opened.form
    opened.pick("lightcone")
    assert "Key: none" in form.key_source.text()
    QTest.keyClicks(form.api_key, KEY)
    assert form.api_key.echoMode() == form.api_key.EchoMode.Password
    assert "stored in the system keyring on Save" in form.key_source.text()
    opened.type_into(form.base_url, "https://api.example.test/")
    form.model.setEditText("tzafon.sm-1")
    form.coordinates.setCurrentIndex(form.coordinates.findData("normalized"))
    form.environment.setCurrentIndex(form.environment.findData("browser"))
    form.viewport_auto.setChecked(False)
    form.viewport_width.setValue(1024)
    form.viewport_height.setValue(768)
    form.image_format.setCurrentIndex(form.image_format.findData("png"))
    form.image_quality.setValue(60)
    form.monitor.setValue(2)
    form.max_steps.setValue(25)
    form.policy.default.setCurrentText("auto")
    form.policy.set_choice("type", "ask")
    form.policy.set_choice("key_down", "block")
    form.policy.chords.setPlainText("ctrl+alt+delete\nControl+Q")
    assert opened.view.save_button.isEnabled(), opened.view.problems.text()
    opened.save()

    assert opened.saved and not opened.view.isVisible()
    raw = json.loads(store.path.read_text(encoding="utf-8"))
    saved = next(p for p in raw["profiles"] if p["name"] == "lightcone")
    assert saved["base_url"] == "https://api.example.test"  # normalised by the model
    assert (saved["model"], saved["coordinates"], saved["environment"]) == (
        "tzafon.sm-1", "normalized", "browser",
    )  # fmt: skip
    assert (saved["viewport_width"], saved["viewport_height"]) == (1024, 768)
    assert (saved["image_format"], saved["image_quality"], saved["monitor"]) == ("png", 60, 2)
    assert saved["max_steps"] == 25
    assert saved["policy"]["default"] == "auto"
    assert saved["policy"]["per_type"] == {"type": "ask", "key_down": "block"}
    assert saved["policy"]["blocked_chords"] == [["ctrl", "alt", "delete"], ["ctrl", "q"]]
    assert "api_key" not in saved
    assert KEY not in config_texts(home), "the key must never reach a settings file"
    assert secrets.find_api_key("lightcone", "lightcone") == (KEY, "keyring")
    assert opened.saved[0].profile("lightcone").image_quality == 60

    # Opened again: the key is not read back into the field, its source is shown.
    again = Opened(qtbot, store)
    again.pick("lightcone")
    assert again.form.api_key.text() == ""
    assert again.form.key_source.text() == "Key: stored in the system keyring."
    assert again.form.remove_key.isEnabled()
    assert again.form.image_quality.value() == 60
    assert again.form.policy.choices["key_down"].currentText() == "block"
    assert not again.form.viewport_auto.isChecked()


def test_invalid_values_show_pydantic_messages_and_disable_save(
    qtbot: Any, home: Path, store: SettingsStore
) -> None:
    opened = Opened(qtbot, store)
    form, save = opened.form, opened.view.save_button
    assert save.isEnabled()

    form.image_quality.setValue(150)
    assert "less than or equal to 100" in opened.error("image_quality")
    assert not save.isEnabled()
    assert (
        "profile 'local': image_quality: Input should be less than or equal to 100 (got 150)"
        in opened.view.problems.text()
    )
    opened.save()
    assert not opened.saved and not store.exists(), "an invalid dialog writes nothing"
    form.image_quality.setValue(80)
    assert opened.error("image_quality") == "" and save.isEnabled()

    form.viewport_auto.setChecked(False)
    form.viewport_width.setValue(100)
    assert "greater than or equal to 320" in opened.error("viewport") and not save.isEnabled()
    form.viewport_auto.setChecked(True)
    assert opened.error("viewport") == "" and save.isEnabled()

    form.max_steps.setValue(0)
    assert "greater than or equal to 1" in opened.error("max_steps")
    form.max_steps.setValue(10)

    opened.type_into(form.base_url, "ftp://files.example")
    assert "must start with http:// or https://" in opened.error("base_url")
    form.base_url.clear()
    form.base_url.textEdited.emit("")
    form.kind.setCurrentIndex(form.kind.findData("openai"))
    assert "needs a base URL" in opened.error("base_url") and not save.isEnabled()
    form.kind.setCurrentIndex(form.kind.findData("local"))
    assert save.isEnabled()

    opened.type_into(form.name, "lightcone")  # the other profile's name
    assert "two profiles are named 'lightcone'" in opened.error("name")
    assert "⚠" in opened.view.profiles.item(0).text() and not save.isEnabled()
    opened.type_into(form.name, "a/b")
    assert "cannot contain slashes" in opened.error("name")
    opened.type_into(form.name, "local")
    assert opened.error("name") == "" and save.isEnabled()

    form.policy.chords.setPlainText("ctrl+alt+delete\nctrl+nosuchkey")
    assert "line 2" in opened.error("blocked_chords") and not save.isEnabled()
    form.policy.chords.setPlainText("ctrl+alt+delete")
    assert save.isEnabled()

    opened.pick("lightcone")
    QTest.keyClicks(form.api_key, "tz key with spaces")
    assert "spaces" in opened.error("api_key") and not save.isEnabled()
    form.api_key.clear()
    form.api_key.textEdited.emit("")
    assert save.isEnabled()
    opened.save()
    assert opened.saved and store.exists()


def test_profiles_add_duplicate_rename_delete_and_keys_follow(
    qtbot: Any, home: Path, store: SettingsStore
) -> None:
    store.save(Settings())
    secrets.set_api_key("lightcone", KEY)
    opened = Opened(qtbot, store)
    form, view = opened.form, opened.view

    opened.pick("lightcone")
    QTest.mouseClick(view.rename_button, Qt.MouseButton.LeftButton)
    assert form.name.selectedText() == "lightcone"  # ready to be typed over
    opened.type_into(form.name, "cloud")
    assert view.profiles.item(1).text() == "cloud"
    QTest.mouseClick(view.duplicate_button, Qt.MouseButton.LeftButton)
    assert form.name.text() == "cloud copy" and view.profiles.count() == 3
    assert form.key_source.text().startswith("Key: none")  # a copy has no key of its own
    QTest.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert view.profiles.count() == 2
    QTest.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    assert form.name.text() == "new profile" and form.kind.currentData() == "lightcone"
    QTest.mouseClick(view.active_button, Qt.MouseButton.LeftButton)
    assert view.profiles.item(2).text() == "new profile  (active)"
    opened.save()
    raw = json.loads(store.path.read_text(encoding="utf-8"))
    assert [p["name"] for p in raw["profiles"]] == ["local", "cloud", "new profile"]
    assert raw["active_profile"] == "new profile"
    assert secrets.find_api_key("cloud") == (KEY, "keyring"), "the key followed the rename"
    assert secrets.find_api_key("lightcone") is None

    again = Opened(qtbot, store)
    again.pick("cloud")
    assert again.form.key_source.text() == "Key: stored in the system keyring."
    QTest.mouseClick(again.form.remove_key, Qt.MouseButton.LeftButton)
    assert "will be removed" in again.form.key_source.text()
    assert secrets.find_api_key("cloud") is not None, "nothing changes before Save"
    again.save()
    assert secrets.find_api_key("cloud") is None

    secrets.set_api_key("new profile", KEY)
    third = Opened(qtbot, store)
    third.pick("new profile")
    QTest.mouseClick(third.view.delete_button, Qt.MouseButton.LeftButton)
    third.save()
    assert secrets.find_api_key("new profile") is None, "a deleted profile's key goes too"
    raw = json.loads(store.path.read_text(encoding="utf-8"))
    assert raw["active_profile"] == "local"
    assert KEY not in config_texts(home)


def test_key_sources_env_and_local(
    qtbot: Any, home: Path, store: SettingsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZAFON_API_KEY", KEY)
    opened = Opened(qtbot, store)
    opened.pick("lightcone")
    assert opened.form.key_source.text() == "Key: from the environment variable TZAFON_API_KEY."
    assert not opened.form.remove_key.isEnabled()  # nothing in the keyring to remove
    opened.pick("local")
    assert "needs no API key" in opened.form.key_source.text()
    assert not opened.form.api_key.isEnabled()
    opened.save()
    assert KEY not in config_texts(home)


def test_a_broken_settings_file_is_shown_and_replaced(
    qtbot: Any, home: Path, store: SettingsStore
) -> None:
    store.path.parent.mkdir(parents=True, exist_ok=True)
    bad = Settings().model_dump(mode="json")
    bad["profiles"][0]["image_quality"] = 500
    store.path.write_text(json.dumps(bad), encoding="utf-8")
    opened = Opened(qtbot, store, Settings())
    banner = opened.view.banner
    assert not banner.isHidden()
    assert "profile 'local': image_quality: Input should be less than or equal to 100" in (
        banner.text()
    )
    opened.save()
    assert SettingsStore(store.path).load().profile("local").image_quality == 80


def test_unknown_fields_in_the_file_survive_a_save(
    qtbot: Any, home: Path, store: SettingsStore
) -> None:
    store.path.parent.mkdir(parents=True, exist_ok=True)
    data = Settings(profiles=[Profile(name="local")], active_profile="local").model_dump(
        mode="json"
    )
    data["profiles"][0]["future_field"] = {"x": 1}
    store.path.write_text(json.dumps(data), encoding="utf-8")
    opened = Opened(qtbot, store)
    assert "future_field" in opened.view.banner.text()
    opened.form.max_steps.setValue(12)
    opened.save()
    raw = json.loads(store.path.read_text(encoding="utf-8"))
    assert raw["profiles"][0]["future_field"] == {"x": 1}
    assert raw["profiles"][0]["max_steps"] == 12


def test_two_profiles_swapping_names_keep_their_own_keys(
    qtbot: Any, home: Path, store: SettingsStore
) -> None:
    profiles = [Profile(name=n, kind="openai", base_url=f"https://{n}.example") for n in "ab"]
    store.save(Settings(active_profile="a", profiles=profiles))
    secrets.set_api_key("a", "tz-key-of-a-0001")
    secrets.set_api_key("b", "tz-key-of-b-0002")
    opened = Opened(qtbot, store)
    opened.pick("a")
    opened.type_into(opened.form.name, "b")
    assert "two profiles are named 'b'" in opened.error("name")
    opened.view.profiles.setCurrentRow(1)
    opened.type_into(opened.form.name, "a")
    assert opened.view.save_button.isEnabled(), opened.view.problems.text()
    opened.save()
    loaded = SettingsStore(store.path).load()
    assert loaded.profile("b").base_url == "https://a.example"
    assert loaded.active_profile == "b", "the active profile follows its rename"
    assert secrets.find_api_key("b") == ("tz-key-of-a-0001", "keyring")
    assert secrets.find_api_key("a") == ("tz-key-of-b-0002", "keyring")
