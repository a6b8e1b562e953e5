"""The official SDK (``tzafon`` 2.31.0 and 2.44.1) as an independent client of the local engine.

The engine runs as a real process started by the console's launcher (``api/local_engine.py``:
token in the environment, ready file, ``/health``). Each SDK version creates responses from a
string and from an array with real PNG and JPEG screenshots, chains with
``previous_response_id``, retrieves, cancels (an in-progress background response, then the
409 case), deletes (2.31.0 has ``delete``; 2.44.1 has none, so the test deletes over HTTP) and
sees 404 afterwards. ``created_at`` is an integer: 2.44.1 declares ``int``; 2.31.0 declares
``str`` but builds its models without validation, so it reads the integer as is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from console_app.api.local_engine import LocalEngine
from tests.conformance.conftest import SdkRunner
from tests.unit.engine.helpers import data_url, draw_screen, text_bounds

LABELS = [("Submit order", (60, 80)), ("Cancel", (420, 80))]
TOOLS = [
    {"type": "computer_use", "display_width": 1280, "display_height": 720, "environment": "desktop"}
]
MODEL = "tzafon.northstar-cua-fast"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    running = LocalEngine(data_dir=tmp_path_factory.mktemp("sdk-engine")).start(timeout=60)
    try:
        yield running
    finally:
        running.stop()


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert result["ok"], result
    value: dict[str, Any] = result["result"]
    return value


def call_of(response: dict[str, Any]) -> dict[str, Any]:
    (call,) = [item for item in response["output"] if item.get("type") == "computer_call"]
    return call


def inside_scaled(action: dict[str, Any], label: str, at: tuple[int, int]) -> bool:
    """Whether the action hits ``label`` drawn on an 800×600 screen shown as 1280×720."""
    x0, y0, x1, y1 = text_bounds(label, at)
    sx, sy = 1280 / 800, 720 / 600
    return x0 * sx <= action["x"] <= x1 * sx and y0 * sy <= action["y"] <= y1 * sy


def test_sdk_against_the_local_engine(
    run_sdk: SdkRunner, sdk_version: str, engine: LocalEngine
) -> None:
    png = data_url(draw_screen(LABELS, (800, 600)), "image/png")
    jpeg = data_url(draw_screen(LABELS, (800, 600), fmt="JPEG"), "image/jpeg")
    slow = {"background": True, "metadata": {"engine_delay_ms": "30000"}}
    results = run_sdk(
        engine.base_url,
        engine.token,
        [
            # 0: string input
            {
                "op": "create",
                "kwargs": {"model": MODEL, "input": 'type "hi" then press enter', "tools": TOOLS},
            },
            # 1: array input with a PNG screenshot
            {
                "op": "create",
                "kwargs": {
                    "model": MODEL,
                    "input": [
                        {
                            "role": "user",
                            "content": [
                                {
                                    "type": "input_text",
                                    "text": "click Submit order then click Cancel",
                                },
                                {"type": "input_image", "image_url": png},
                            ],
                        }
                    ],
                    "tools": TOOLS,
                },
            },
            # 2: chained turn answering the call with a JPEG screenshot
            {
                "op": "create",
                "kwargs": {
                    "model": MODEL,
                    "previous_response_id": "$1.id",
                    "input": [
                        {
                            "type": "computer_call_output",
                            "call_id": "$1.output.1.call_id",
                            "output": {"type": "input_image", "image_url": jpeg},
                        }
                    ],
                    "tools": TOOLS,
                },
            },
            # 3: retrieve
            {"op": "retrieve", "id": "$1.id"},
            # 4-7: a background response cancelled while in progress, then the 409 case
            {"op": "create", "kwargs": {"model": MODEL, "input": "wait", "extra_body": slow}},
            {"op": "cancel", "id": "$4.id"},
            {"op": "cancel", "id": "$4.id"},
            {"op": "retrieve", "id": "$4.id"},
            # 8-9: delete, then retrieve
            {"op": "delete", "id": "$0.id"},
            {"op": "retrieve", "id": "$0.id"},
        ],
    )
    string_turn, array_turn, chained, retrieved, background, cancelled, again, after_cancel = (
        r for r in results[:8]
    )
    first = ok(string_turn)
    assert first["id"].startswith("resp_") and first["object"] == "response"
    assert isinstance(first["created_at"], int)
    assert first["model"] == "local-engine" and first["status"] == "completed"  # MODEL: an alias
    assert first["viewport"] == {"width": 1280, "height": 720, "environment": "desktop"}
    assert call_of(first)["action"] == {"type": "type", "text": "hi"}

    second = ok(array_turn)
    click = call_of(second)["action"]
    assert click["type"] == "click" and inside_scaled(click, "Submit order", (60, 80))
    third = ok(chained)
    assert inside_scaled(call_of(third)["action"], "Cancel", (420, 80))
    assert ok(retrieved)["id"] == second["id"]
    assert ok(retrieved)["output"] == second["output"]

    assert ok(background)["status"] == "in_progress"
    assert ok(cancelled)["status"] == "cancelled"
    assert again["ok"] is False and again["status"] == 409 and again["error"] == "ConflictError"
    assert again["body"]["error"]["code"] == "response_not_cancellable"
    assert ok(after_cancel)["status"] == "cancelled"

    deleted, gone = results[8], results[9]
    if sdk_version == "2.31.0":
        assert ok(deleted) == {"id": first["id"], "deleted": True, "object": "response"}
    else:
        assert deleted["error"] == "AttributeError"  # this SDK version has no delete
        response = httpx.delete(
            f"{engine.base_url}/v1/responses/{first['id']}",
            headers={"Authorization": f"Bearer {engine.token}"},
        )
        assert response.json() == {"id": first["id"], "deleted": True, "object": "response"}
        (gone,) = run_sdk(engine.base_url, engine.token, [{"op": "retrieve", "id": first["id"]}])
    assert gone["ok"] is False and gone["status"] == 404 and gone["error"] == "NotFoundError"


def test_sdk_sees_engine_errors_as_typed_exceptions(
    run_sdk: SdkRunner, engine: LocalEngine
) -> None:
    results = run_sdk(
        engine.base_url,
        engine.token,
        [
            {"op": "create", "kwargs": {"model": "tzafon.sm-1", "input": "wait"}},
            {"op": "create", "kwargs": {"previous_response_id": "resp_missing", "input": "wait"}},
            {
                "op": "create",
                "kwargs": {
                    "input": [
                        {
                            "role": "user",
                            "content": [
                                {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}
                            ],
                        }
                    ]
                },
            },
        ],
    )
    for result, code in zip(
        results, ["model_not_found", "previous_response_not_found", "invalid_image"], strict=True
    ):
        assert result["ok"] is False and result["status"] == 400, result
        assert result["error"] == "BadRequestError"
        assert result["body"]["error"]["code"] == code
    (unauthorised,) = run_sdk(engine.base_url, "wrong-token", [{"op": "retrieve", "id": "resp_x"}])
    assert unauthorised["status"] == 401 and unauthorised["error"] == "AuthenticationError"
