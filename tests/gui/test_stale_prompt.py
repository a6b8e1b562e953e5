"""The stale-screen prompt: both crops shown, one keystroke per answer, closing is the safe one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from console_app.agent.screen_truth import StaleScreen
from console_app.core.actions import Click
from console_app.ui.console.stale_prompt import StalePrompt
from tests.gui.conftest import until
from tests.gui.fakes import make_shot


def host_prompt(qtbot: Any) -> StalePrompt:
    """The prompt as the console makes it: a dialog of the (visible) main window, so closing
    it does not end the application."""
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    prompt = StalePrompt(host)
    prompt.host = host  # type: ignore[attr-defined]  # keeps the window alive with the dialog
    return prompt


def stale_screen() -> StaleScreen:
    before = make_shot()
    after = make_shot()
    # the "after" screen: a red block where the target was
    import numpy as np

    from console_app.capture.encode import encode

    image = np.full((720, 1280, 3), 235, dtype=np.uint8)
    image[150:250, 350:450] = (0, 0, 230)  # BGR red
    after.data = encode(image, "png", 80)
    return StaleScreen(Click(x=400, y=200), before, after, ((400.5, 200.5),), 0.62)


@pytest.mark.parametrize(
    ("key", "expected"),
    [(Qt.Key.Key_R, "run"), (Qt.Key.Key_S, "stop"), (Qt.Key.Key_Return, "resend"),
     (Qt.Key.Key_Escape, "resend")],
)  # fmt: skip
def test_each_answer_is_one_keystroke(qtbot: Any, drive: Any, key: Any, expected: str) -> None:
    prompt = host_prompt(qtbot)

    async def scenario() -> str:
        asking = asyncio.ensure_future(prompt.ask(stale_screen()))
        await until(prompt.isVisible)
        qtbot.keyClick(prompt, key)
        return await asking

    assert drive(scenario()) == expected
    assert not prompt.isVisible()


def test_both_crops_are_shown_with_the_target_marked(qtbot: Any, drive: Any) -> None:
    prompt = host_prompt(qtbot)
    stale = stale_screen()

    async def scenario() -> str:
        asking = asyncio.ensure_future(prompt.ask(stale))
        await until(prompt.isVisible)
        before = prompt.before.pixmap().toImage()
        after = prompt.after.pixmap().toImage()
        assert not before.isNull() and not after.isNull()
        assert before.size() == after.size()
        centre = before.width() // 2 - 20, before.height() // 2 - 20
        # the new screen shows the red block under the target, the old one does not
        now, then = QColor(after.pixel(*centre)), QColor(before.pixel(*centre))
        assert now.red() > 200 and now.green() < 60
        assert then.red() < 200 or then.green() > 60
        assert "62%" in prompt.heading.text() and "click" in prompt.heading.text()
        prompt.close()  # closing the window is the safe answer
        return await asking

    assert drive(scenario()) == "resend"
