""" "Test connection" in the settings dialog, against a real local engine.

An OpenAI-compatible profile pointed at a running engine: the engine's token typed in the key
field (not saved) connects, a wrong key is refused (401), no key at all "needs an API key".
The local profile itself (no base URL) starts an engine of its own for the test and stops it.
The button is disabled while a test runs, and the key never appears in what is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console_app.api.local_engine import LocalEngine
from console_app.core.settings import Profile, Settings
from console_app.core.settings_store import SettingsStore
from console_app.ui.settings.settings_controller import SettingsController
from console_app.ui.settings.settings_view import SettingsDialog
from tests.gui.conftest import until


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    started = LocalEngine(data_dir=tmp_path_factory.mktemp("engine")).start()
    yield started
    started.stop()


def engine_children() -> set[int]:
    return {
        p.pid
        for p in psutil.Process().children(recursive=True)
        if "engine" in " ".join(p.cmdline())
    }


def test_connection_results_against_the_engine(
    qtbot: Any, drive: Any, home: Path, engine: LocalEngine
) -> None:
    settings = Settings(
        active_profile="local",
        profiles=[
            Profile(name="local"),
            Profile(name="bench", kind="openai", base_url=engine.base_url),
        ],
    )
    view = SettingsDialog()
    qtbot.addWidget(view)
    controller = SettingsController(view, settings, store=SettingsStore())
    form = view.form

    async def test_once(busy_text: str | None = None) -> str:
        QTest.mouseClick(form.test_button, Qt.MouseButton.LeftButton)
        task = controller.test_task
        assert task is not None
        if busy_text is not None:  # a slow test (an engine starting) shows it is running
            await until(lambda: form.test_result.text() == busy_text, what=busy_text)
            assert not form.test_button.isEnabled()
        report = await task
        assert form.test_button.isEnabled()
        assert engine.token not in form.test_result.text()
        assert form.test_result.text().startswith(report.message)
        return form.test_result.text()

    async def scenario() -> None:
        view.profiles.setCurrentRow(1)
        assert form.name.text() == "bench"
        QTest.keyClicks(form.api_key, engine.token)
        text = await test_once()
        assert text.startswith(f"Connected: {engine.base_url} answered in")
        assert "the API key was not refused" in text
        assert "2e7d32" in form.test_result.styleSheet()  # shown as success

        form.api_key.clear()
        QTest.keyClicks(form.api_key, "tz-not-the-engine-token")
        text = await test_once()
        assert text.startswith(f"{engine.base_url} refused the API key (401)")
        assert "c62828" in form.test_result.styleSheet()

        form.api_key.clear()
        form.api_key.textEdited.emit("")
        text = await test_once()
        assert text.startswith(f"{engine.base_url} needs an API key")

        # The local profile: an engine is started for the test, and stopped after it.
        before = engine_children()
        view.profiles.setCurrentRow(0)
        assert form.name.text() == "local"
        text = await test_once("Starting the local engine to test it…")
        assert text.startswith("Connected: http://127.0.0.1:")
        assert engine_children() == before, "the engine started for the test was stopped"

    drive(scenario(), timeout=90)
    assert not SettingsStore().exists(), "testing a connection saves nothing"
