"""Screenshots of the console in each state, saved to tests/artifacts/ for a person to look at.

Each picture is the real window (1600×1000, offscreen) driven by the fake loop into the state.
Besides saving, every test checks what can be checked on pixels: the overlay's accent colour is
painted where the geometry says the target is, and the state's key widgets are visible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage

from console_app.agent.events import LoopState, Problem
from tests.gui.conftest import until
from tests.gui.fakes import Turn, proposal
from tests.gui.test_approval import click_image, key, start, waiting

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SIZE = (1600, 1000)
ACCENT = QColor(255, 64, 32)
EDITED = QColor(40, 220, 90)

REASONING = (
    "The order form is open. The Customer field is empty, so I will click into it and type the "
    "customer's name before saving."
)

# Targets on the fake screen (tests/gui/fakes.desktop_image at 1280×720).
CUSTOMER, EMAIL, QUANTITY, SAVE = (456, 166), (456, 222), (456, 278), (346, 359)
FIRST_STEP = {"type": "click", "x": CUSTOMER[0], "y": CUSTOMER[1]}

OVERLAY_CASES: dict[str, dict[str, Any]] = {
    "click": {"type": "click", "x": SAVE[0], "y": SAVE[1]},
    "double_click": {"type": "double_click", "x": EMAIL[0], "y": EMAIL[1]},
    "triple_click": {"type": "triple_click", "x": QUANTITY[0], "y": QUANTITY[1]},
    "right_click": {"type": "click", "x": 800, "y": 262, "button": "right"},
    "drag": {"type": "drag", "path": [{"x": 760, "y": 202}, {"x": 456, "y": 166}]},
    "scroll": {"type": "scroll", "x": 920, "y": 400, "scroll_y": 5},
    "type": {"type": "type", "text": "Ada Lovelace, 12 Analytical Engine Way"},
    "point_and_type": {
        "type": "point_and_type",
        "x": EMAIL[0],
        "y": EMAIL[1],
        "text": "ada@example.com",
    },
    "keypress": {"type": "keypress", "keys": ["ctrl", "shift", "s"]},
    "key_down": {"type": "key_down", "keys": ["shift"]},
    "navigate": {"type": "navigate", "url": "https://orders.example.com/new?customer=42"},
}


def save(console: Any, name: str) -> QImage:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image = console.window.grab().toImage()
    assert (image.width(), image.height()) == SIZE
    path = ARTIFACTS / f"console-{name}.png"
    assert image.save(str(path)), f"could not write {path}"
    return image


def close_to(color: QColor, want: QColor, tolerance: int = 40) -> bool:
    return all(
        abs(a - b) <= tolerance for a, b in zip(color.getRgb()[:3], want.getRgb()[:3], strict=True)
    )


def accent_near(
    console: Any, image: QImage, ix: float, iy: float, want: QColor = ACCENT, ring: int = 14
) -> int:
    """How many of 8 points on a ``ring``-px circle around an image point have the accent
    colour (the crosshair's ring and arms are drawn there, at any zoom)."""
    canvas = console.window.screenshot.canvas
    view = canvas.image_to_view(ix, iy)
    centre = canvas.mapTo(console.window, QPoint(round(view.x()), round(view.y())))
    hits = 0
    diagonal = round(ring * 0.7071)
    for dx, dy in (
        (ring, 0),
        (-ring, 0),
        (0, ring),
        (0, -ring),
        (diagonal, diagonal),
        (-diagonal, diagonal),
        (diagonal, -diagonal),
        (-diagonal, -diagonal),
    ):
        if close_to(image.pixelColor(centre.x() + dx, centre.y() + dy), want):
            hits += 1
    return hits


@pytest.fixture
def sized(console: Any) -> Any:
    console.window.resize(*SIZE)
    return console


def test_idle(sized, drive) -> None:
    image = save(sized, "idle")
    assert sized.window.start_button.isEnabled()
    assert not image.isNull()


@pytest.mark.parametrize("kind", list(OVERLAY_CASES))
def test_waiting_for_approval_with_each_overlay(sized, script, drive, kind: str) -> None:
    action = OVERLAY_CASES[kind]
    script.turns = [
        Turn([proposal(FIRST_STEP)], reasoning=REASONING),
        Turn([proposal(action)], reasoning=REASONING, message="I will fill in the order form."),
    ]

    async def scenario() -> None:
        start(sized, "Create an order for Ada Lovelace and save it")
        await waiting(sized)
        key(sized, Qt.Key.Key_Return)  # step 1, so the timeline has a row
        await until(lambda: sized.window.timeline_model.rowCount() == 1)
        await waiting(sized)
        image = save(sized, f"approval-{kind}")
        # Checked before the run stops: the layout (and so the zoom) changes afterwards.
        if "x" in action and kind != "scroll":
            assert accent_near(sized, image, action["x"] + 0.5, action["y"] + 0.5) >= 4
        if kind == "scroll":  # a ring at the wheel's position, the arrow pointing down
            assert accent_near(sized, image, action["x"] + 0.5, action["y"] + 0.5, ring=9) >= 3
        if kind == "drag":
            first = action["path"][0]
            assert accent_near(sized, image, first["x"] + 0.5, first["y"] + 0.5, ring=7) >= 3
        sized.controller.stop()
        await sized.controller.task

    drive(scenario())


def test_waiting_for_approval_of_a_non_executable_action(sized, script, drive) -> None:
    script.turns = [
        Turn([proposal(None, error="unknown action type 'teleport'")], reasoning=REASONING)
    ]

    async def scenario() -> None:
        start(sized, "Create an order")
        await waiting(sized)
        save(sized, "approval-invalid")
        assert not sized.window.approval.approve_button.isEnabled()
        sized.controller.stop()
        await sized.controller.task

    drive(scenario())


def test_waiting_for_approval_with_safety_checks(sized, script, drive) -> None:
    script.turns = [
        Turn(
            [
                proposal(
                    {"type": "click", "x": SAVE[0], "y": SAVE[1]},
                    checks=("sc_irreversible", "sc_payment"),
                )
            ],
            reasoning=REASONING,
        )
    ]

    async def scenario() -> None:
        start(sized, "Pay the invoice")
        await waiting(sized)
        sized.window.approval.check_boxes[0].setChecked(True)
        save(sized, "approval-safety-checks")
        assert not sized.window.approval.approve_button.isEnabled()
        sized.controller.stop()
        await sized.controller.task

    drive(scenario())


def test_edit_mode_with_a_moved_target(sized, script, drive) -> None:
    script.turns = [Turn([proposal({"type": "click", "x": 456, "y": 150})], reasoning=REASONING)]

    async def scenario() -> None:
        start(sized, "Create an order")
        await waiting(sized)
        key(sized, Qt.Key.Key_E)
        click_image(sized, CUSTOMER[0] + 0.5, CUSTOMER[1] + 0.5)
        image = save(sized, "approval-edit")
        assert accent_near(sized, image, CUSTOMER[0] + 0.5, CUSTOMER[1] + 0.5, EDITED) >= 4
        sized.controller.stop()
        await sized.controller.task

    drive(scenario())


def test_running_with_the_busy_indicator(sized, script, drive) -> None:
    script.turns = [
        Turn([proposal({"type": "click", "x": 1, "y": 1})], think_seconds=30, reasoning=REASONING)
    ]

    async def scenario() -> None:
        start(sized, "Create an order for Ada Lovelace and save it")
        await until(lambda: sized.controller.state == LoopState.THINKING)
        await until(lambda: sized.window.screenshot.canvas.image_size() is not None)
        import asyncio

        await asyncio.sleep(1.3)
        save(sized, "running")
        assert sized.window.run_controls.busy.isVisibleTo(sized.window)
        assert float(sized.window.run_controls.elapsed.text()[:-2]) >= 1.2
        sized.controller.stop()
        await sized.controller.task

    drive(scenario())


def test_error_in_the_message_bar(sized, script, drive) -> None:
    problem = Problem(
        "network",
        "Could not reach the API: the connection was refused (is the server running?)",
        "httpx.ConnectError: [Errno 111] Connection refused\n"
        "POST https://api.tzafon.ai/v1/responses (request id req_8f2a)",
    )
    script.turns = [Turn([proposal({"type": "click", "x": 1, "y": 1})], problem=problem)]

    async def scenario() -> None:
        start(sized, "Create an order")
        await until(lambda: sized.controller.problems.waiting)
        await until(lambda: sized.window.screenshot.canvas.image_size() is not None)
        sized.window.message_bar.details_button.click()
        save(sized, "error")
        assert sized.window.message_bar.retry_button.isVisibleTo(sized.window)
        sized.controller.stop()
        await sized.controller.task

    drive(scenario())


def test_finished_with_history_in_the_timeline(sized, script, drive) -> None:
    from console_app.agent.events import RunResult

    script.turns = [
        Turn([proposal(FIRST_STEP)], reasoning=REASONING),
        Turn([proposal({"type": "type", "text": "Ada Lovelace"})]),
        Turn([proposal({"type": "click", "x": 1200, "y": 700})]),
        Turn([proposal({"type": "click", "x": SAVE[0], "y": SAVE[1]})]),
    ]
    script.final = RunResult(
        "run_fake", "succeeded", "the model answered", "Order #1052 for Ada Lovelace was saved.", 4
    )

    async def scenario() -> None:
        start(sized, "Create an order for Ada Lovelace and save it")
        for decision in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Return,
            Qt.Key.Key_Escape,
            Qt.Key.Key_Return,
        ):
            await waiting(sized)
            key(sized, decision)
            await until(lambda: not sized.controller.approval.pending or True)
            await until(
                lambda: (
                    sized.controller.state != LoopState.AWAITING_APPROVAL
                    or not sized.controller.approval.pending
                )
            )
        await sized.controller.task
        model = sized.window.timeline_model
        await until(
            lambda: all(
                model.thumbnails.cached((model.step(r).run_id, r)) is not None
                for r in range(model.rowCount())
            ),
            what="thumbnails",
        )
        sized.window.timeline.selectRow(0)
        await until(lambda: sized.window.screenshot.canvas.image_size() is not None)
        save(sized, "finished-review")

    drive(scenario())
    assert sized.window.live.result.isVisibleTo(sized.window)
