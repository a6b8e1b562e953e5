"""Privacy in the window: "What the model sees" and the confinement shown to the supervisor."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from console_app.agent.events import PrivacyStatus
from console_app.ui.console.screenshot_controller import sent_facts
from tests.gui.conftest import until
from tests.gui.fakes import Turn, make_shot, proposal
from tests.gui.test_approval import key, start, waiting


def test_what_the_model_sees_shows_the_bare_sent_image(console, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 100, "y": 200})])]
    view = console.window.screenshot

    async def scenario() -> Any:
        start(console)
        await waiting(console)
        assert len(view.canvas.overlays()) == 1  # the proposal is drawn
        view.model_view_button.click()
        assert view.model_view_button.isChecked()
        assert view.canvas.overlays() == []  # nothing drawn on the image as sent
        assert view.caption.text().startswith("What the model sees — 1280×720 image/jpeg")
        # the canvas shows the very bytes of the capture the loop emitted
        size = view.canvas.image_size()
        assert (size.width(), size.height()) == (1280, 720)
        view.model_view_button.click()
        assert len(view.canvas.overlays()) == 1 and view.caption.text().startswith("Live")
        view.model_view_button.click()
        console.controller.on_event(PrivacyStatus("Confined to: 'Editor' (gedit)"))
        assert view.privacy_label.isVisibleTo(console.window)
        assert view.privacy_label.text() == "Confined to: 'Editor' (gedit)"
        key(console, Qt.Key.Key_Return)
        return await console.controller.task

    assert drive(scenario()).status == "succeeded"


def test_a_new_approval_request_brings_the_overlay_back(console, script, drive) -> None:
    script.turns = [
        Turn([proposal({"type": "click", "x": 10, "y": 20})]),
        Turn([proposal({"type": "click", "x": 30, "y": 40})]),
    ]
    view = console.window.screenshot

    async def scenario() -> Any:
        start(console)
        await waiting(console)
        view.model_view_button.click()
        key(console, Qt.Key.Key_Return)
        await until(lambda: len(script.loop.decisions) == 1)
        await waiting(console)
        await until(lambda: not view.model_view_button.isChecked(), what="model view off")
        assert len(view.canvas.overlays()) == 1
        key(console, Qt.Key.Key_Return)
        return await console.controller.task

    assert drive(scenario()).status == "succeeded"


def test_sent_facts_name_size_format_and_masking() -> None:
    shot = make_shot()
    assert sent_facts(shot).endswith("nothing masked")
    shot.masked = ((0, 0, 10, 10), (20, 20, 5, 5))  # type: ignore[attr-defined]
    assert "1280×720 image/jpeg" in sent_facts(shot) and "2 areas masked" in sent_facts(shot)
