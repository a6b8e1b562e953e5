"""The planner on real screens: a Qt form rendered offscreen, read by the real OCR, over HTTP.

The test draws a window with labelled buttons, line edits (label on the left, label above,
placeholder only) and two lists, grabs it at 1024×768, 1280×720 and 1920×1080, and sends each
grab to a running engine (the console's launcher starts ``console-app engine``) as a data
URL. Every command of the language is planned on it, and each returned coordinate must fall
inside the widget (or list item) it names, scaled to the declared display size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QBuffer, QIODevice, QPoint, QRect
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QWidget,
)

from console_app.api.local_engine import LocalEngine
from tests.unit.engine.helpers import call_output, computer_call, data_url, message_text, user_turn

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SIZES = [(1024, 768), (1280, 720), (1920, 1080)]


@dataclass
class RenderedScreen:
    width: int
    height: int
    png: bytes
    jpeg: bytes
    rects: dict[str, QRect]


def _build_form() -> tuple[QWidget, dict[str, QWidget], dict[str, tuple[QListWidget, int]]]:
    window = QWidget()
    grid = QGridLayout(window)
    widgets: dict[str, QWidget] = {}

    def add(name: str, widget: QWidget, *cell: int) -> None:
        grid.addWidget(widget, *cell)
        widgets[name] = widget

    add("label_name", QLabel("Full name"), 0, 0)
    add("name", QLineEdit(), 0, 1, 1, 3)
    add("label_email", QLabel("Email address"), 1, 0)
    add("email", QLineEdit(), 1, 1, 1, 3)
    search = QLineEdit()
    search.setPlaceholderText("Search products")
    add("search", search, 2, 0, 1, 4)
    add("label_notes", QLabel("Delivery notes"), 3, 0)
    add("notes", QLineEdit(), 4, 0, 1, 4)
    add("submit", QPushButton("Submit order"), 5, 0)
    add("cancel", QPushButton("Cancel"), 5, 1)
    add("save", QPushButton("Save draft"), 5, 2)
    add("help", QPushButton("Help"), 5, 3)
    fruits = QListWidget()
    fruits.addItems(["Apples", "Bananas", "Cherries"])
    add("fruits", fruits, 6, 0, 1, 2)
    basket = QListWidget()
    basket.addItems(["Basket"])
    add("basket", basket, 6, 2, 1, 2)
    items = {"Apples": (fruits, 0), "Bananas": (fruits, 1), "Basket": (basket, 0)}
    return window, widgets, items


def _encode(pixmap: Any, fmt: str) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert pixmap.save(buffer, fmt, 85 if fmt == "JPEG" else -1)
    return bytes(buffer.data().data())


@pytest.fixture(scope="module")
def screens(qapp: QApplication) -> dict[tuple[int, int], RenderedScreen]:
    window, widgets, items = _build_form()
    rendered: dict[tuple[int, int], RenderedScreen] = {}
    try:
        for width, height in SIZES:
            window.resize(width, height)
            window.show()
            qapp.processEvents()
            assert (window.width(), window.height()) == (width, height)
            pixmap = window.grab()
            rects = {
                name: QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
                for name, widget in widgets.items()
            }
            for text, (view, row) in items.items():
                item_rect = view.visualItemRect(view.item(row))
                origin = view.viewport().mapTo(window, item_rect.topLeft())
                rects[f"item:{text}"] = QRect(origin, item_rect.size())
            rendered[(width, height)] = RenderedScreen(
                width, height, _encode(pixmap, "PNG"), _encode(pixmap, "JPEG"), rects
            )
    finally:
        window.close()
        window.deleteLater()
    return rendered


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    running = LocalEngine(data_dir=tmp_path_factory.mktemp("planner-engine")).start(timeout=60)
    try:
        yield running
    finally:
        running.stop()


class Session:
    """Plans commands on one screenshot, declared at one display size."""

    def __init__(self, engine: LocalEngine, image: str, display: tuple[int, int]) -> None:
        self.client = httpx.Client(
            base_url=engine.base_url,
            headers={"Authorization": f"Bearer {engine.token}"},
            timeout=60,
        )
        self.image = image
        self.tools = [
            {"type": "computer_use", "display_width": display[0], "display_height": display[1]}
        ]

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post("/v1/responses", json={**body, "tools": self.tools})
        assert response.status_code == 200, response.text
        payload: dict[str, Any] = response.json()
        return payload

    def first(self, task: str) -> dict[str, Any]:
        return self.create({"input": user_turn(task, self.image)})

    def next(self, previous: dict[str, Any]) -> dict[str, Any]:
        call_id = computer_call(previous)["call_id"]
        return self.create(
            {"previous_response_id": previous["id"], "input": [call_output(call_id, self.image)]}
        )

    def action(self, task: str) -> dict[str, Any]:
        action: dict[str, Any] = computer_call(self.first(task))["action"]
        return action


def hits(rect: QRect, x: int, y: int, scale: tuple[float, float]) -> bool:
    """Whether display point (x, y) lies inside ``rect`` (screenshot pixels) once scaled."""
    return (
        rect.left() * scale[0] <= x <= (rect.right() + 1) * scale[0]
        and rect.top() * scale[1] <= y <= (rect.bottom() + 1) * scale[1]
    )


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_command_on_a_rendered_screen(
    screens: dict[tuple[int, int], RenderedScreen], engine: LocalEngine, size: tuple[int, int]
) -> None:
    screen = screens[size]
    session = Session(engine, data_url(screen.png), size)
    one = (1.0, 1.0)

    def assert_hit(action: dict[str, Any], name: str, x: str = "x", y: str = "y") -> None:
        assert hits(screen.rects[name], action[x], action[y], one), (
            name,
            action,
            screen.rects[name],
        )

    for task, kind, target in [
        ("click Submit order", "click", "submit"),
        ("click Help", "click", "help"),
        ("double click Apples", "double_click", "item:Apples"),
        ("triple click Bananas", "triple_click", "item:Bananas"),
        ("right click Basket", "right_click", "item:Basket"),
    ]:
        action = session.action(task)
        assert action["type"] == kind
        assert_hit(action, target)

    for label, field in [
        ("Full name", "name"),
        ("Email address", "email"),
        ("Search products", "search"),
        ("Delivery notes", "notes"),
    ]:
        focus = session.first(f'type "hello world" into {label}')
        click = computer_call(focus)["action"]
        assert click["type"] == "click", (label, focus)
        assert_hit(click, field)
        typing = computer_call(session.next(focus))["action"]
        assert typing == {"type": "type", "text": "hello world"}

    assert session.action('type "focused"') == {"type": "type", "text": "focused"}
    assert session.action("press ctrl+a") == {"type": "keypress", "keys": ["ctrl", "a"]}
    scroll = session.action("scroll down 2 on Cherries")
    assert scroll["type"] == "scroll" and scroll["scroll_y"] == 200
    assert_hit(scroll, "fruits")
    sideways = session.action("scroll right")
    assert sideways == {
        "type": "hscroll",
        "x": size[0] // 2,
        "y": size[1] // 2,
        "scroll_x": 300,
    }
    drag = session.action("drag Apples to Basket")
    assert drag["type"] == "drag"
    assert_hit(drag, "item:Apples")
    assert_hit(drag, "item:Basket", "end_x", "end_y")
    assert session.action("go to example.com") == {"type": "navigate", "url": "example.com"}
    assert session.action("wait 2") == {"type": "wait", "seconds": 2.0}

    passed = session.action('check "Save draft"')
    assert passed["type"] == "terminate" and passed["status"] == "success"
    failed = session.first('check "Order placed"')
    assert computer_call(failed)["action"]["status"] == "failure"
    assert '"Order placed" is not on the screen' in message_text(failed)
    missing = session.first("click Checkout")
    assert computer_call(missing)["action"] == {
        "type": "terminate",
        "status": "failure",
        "result": message_text(missing),
    }
    assert "instead of guessing" in message_text(missing)


def test_a_declared_size_other_than_the_screenshot_is_scaled(
    screens: dict[tuple[int, int], RenderedScreen], engine: LocalEngine
) -> None:
    screen = screens[(1280, 720)]
    session = Session(engine, data_url(screen.png), (1920, 1080))
    action = session.action("click Submit order")
    assert hits(screen.rects["submit"], action["x"], action["y"], (1.5, 1.5))
    field = session.action('type "x" into Email address')
    assert hits(screen.rects["email"], field["x"], field["y"], (1.5, 1.5))


def test_a_jpeg_screenshot_grounds_the_same_widgets(
    screens: dict[tuple[int, int], RenderedScreen], engine: LocalEngine
) -> None:
    screen = screens[(1920, 1080)]
    session = Session(engine, data_url(screen.jpeg, "image/jpeg"), (1920, 1080))
    for task, name in [("click Cancel", "cancel"), ('type "x" into Full name', "name")]:
        action = session.action(task)
        assert hits(screen.rects[name], action["x"], action["y"], (1.0, 1.0)), (task, action)
