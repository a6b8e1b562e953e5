"""The model box names the local engine honestly, and a run asks the engine for its own id."""

from __future__ import annotations

from PySide6.QtCore import Qt

from console_app.core.settings import Profile
from tests.gui.fakes import Turn, proposal
from tests.gui.test_approval import key, waiting


def test_the_local_profile_shows_local_engine_and_runs_with_its_id(console, script, drive) -> None:
    combo = console.window.model_combo
    assert console.window.profile_combo.currentText() == "local"
    assert [combo.itemText(i) for i in range(combo.count())] == ["local engine"]
    assert combo.currentText() == "local engine"
    assert "northstar" not in combo.currentText()
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})])]

    async def scenario() -> None:
        console.window.task_box.setPlainText("task")
        key(console, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await waiting(console)
        key(console, Qt.Key.Key_Return)
        await console.controller.task

    drive(scenario())
    assert script.loop.model == "local-engine"


def test_the_lightcone_profile_keeps_its_model_names(console) -> None:
    console.profiles._fill_models(Profile(name="lightcone", kind="lightcone"))
    combo = console.window.model_combo
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names[0] == "tzafon.northstar-cua-fast" and "local engine" not in names
