"""The engine over real HTTP: shapes, chaining, retrieve/cancel/delete, auth and every 4xx."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.unit.engine.helpers import (
    RunningEngine,
    call_output,
    computer_call,
    data_url,
    draw_screen,
    message_text,
    reasoning_text,
    text_bounds,
    tool,
    user_turn,
)

SCREEN_LABELS = [("Submit order", (60, 80)), ("Cancel", (420, 80)), ("Results", (60, 400))]


@pytest.fixture(scope="module")
def screen_png() -> bytes:
    return draw_screen(SCREEN_LABELS, (800, 600))


def post(engine: RunningEngine, body: Any, **kwargs: Any) -> httpx.Response:
    with engine.client() as client:
        return client.post("/v1/responses", json=body, **kwargs)


def created(engine: RunningEngine, body: dict[str, Any]) -> dict[str, Any]:
    response = post(engine, body)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["message"] and error["type"] and error["code"]
    return error


# ---------------------------------------------------------------------- auth


def test_every_path_but_the_openapi_document_needs_the_token(engine: RunningEngine) -> None:
    with httpx.Client(base_url=engine.base_url) as anonymous:
        assert error_of(anonymous.get("/health"), 401)["code"] == "invalid_api_key"
        assert anonymous.post("/v1/responses", json={"input": "wait"}).status_code == 401
        wrong = anonymous.get("/health", headers={"Authorization": "Bearer not-the-token"})
        assert error_of(wrong, 401)["type"] == "authentication_error"
        assert anonymous.get("/v1/responses/resp_x").status_code == 401
        document = anonymous.get("/openapi.json")
        assert document.status_code == 200 and document.json()["openapi"].startswith("3.")
    with engine.client() as client:
        health = client.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert health.headers["x-request-id"].startswith("req_")


def test_keep_alive_requests_are_not_delayed_by_nagle(engine: RunningEngine) -> None:
    """A regression guard: with Nagle on, every keep-alive request waited ~40 ms (delayed ACK)."""
    with engine.client() as client:
        client.get("/health")
        timings = []
        for _ in range(21):
            started = time.perf_counter()
            assert client.get("/health").status_code == 200
            timings.append(time.perf_counter() - started)
    assert sorted(timings)[10] < 0.025, timings


# ---------------------------------------------------------------------- create


def test_string_input_gives_a_lightcone_shaped_response(engine: RunningEngine) -> None:
    body = created(engine, {"model": "tzafon.northstar-cua-fast", "input": 'type "hello"'})
    assert body["id"].startswith("resp_")
    assert body["object"] == "response"
    assert isinstance(body["created_at"], int) and abs(body["created_at"] - time.time()) < 60
    assert body["model"] == "local-engine"  # the Lightcone name is an alias; the id is its own
    assert body["status"] == "completed"
    assert [item["type"] for item in body["output"]] == ["reasoning", "computer_call"]
    call = computer_call(body)
    assert call["action"] == {"type": "type", "text": "hello"}
    assert call["call_id"].startswith("call_") and call["id"]
    assert body["viewport"] == {"width": 1024, "height": 768}  # no size, no image: seed default
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0


def test_model_aliases_and_unknown_models(engine: RunningEngine) -> None:
    for alias in ("local-engine", "local", "tzafon.northstar-cua-fast"):
        assert created(engine, {"model": alias, "input": "wait"})["model"] == "local-engine"
    assert created(engine, {"input": "wait"})["model"] == "local-engine"
    error = error_of(post(engine, {"model": "gpt-4o", "input": "wait"}), 400)
    assert error["code"] == "model_not_found" and error["param"] == "model"
    assert "'local-engine'" in error["message"]
    assert "'tzafon.northstar-cua-fast'" in error["message"]  # the accepted alias is named


def test_screenshot_in_array_input_grounds_the_click(
    engine: RunningEngine, screen_png: bytes
) -> None:
    body = created(engine, {"input": user_turn("click Cancel", data_url(screen_png))})
    assert body["viewport"] == {"width": 800, "height": 600}  # inferred from the screenshot
    action = computer_call(body)["action"]
    x0, y0, x1, y1 = text_bounds("Cancel", (420, 80))
    assert action["type"] == "click" and x0 <= action["x"] <= x1 and y0 <= action["y"] <= y1
    assert "OCR score" in reasoning_text(body)


def test_jpeg_screenshot_with_a_declared_display_is_scaled(engine: RunningEngine) -> None:
    jpeg = draw_screen(SCREEN_LABELS, (800, 600), fmt="JPEG")
    body = created(
        engine,
        {
            "input": user_turn("click Submit order", data_url(jpeg, "image/jpeg")),
            "tools": tool(1600, 1200),
        },
    )
    assert body["viewport"]["width"] == 1600 and body["viewport"]["height"] == 1200
    action = computer_call(body)["action"]
    x0, y0, x1, y1 = text_bounds("Submit order", (60, 80))
    assert 2 * x0 <= action["x"] <= 2 * x1 and 2 * y0 <= action["y"] <= 2 * y1


def test_chaining_with_previous_response_id_both_output_dialects(
    engine: RunningEngine, screen_png: bytes
) -> None:
    shot = data_url(screen_png)
    first = created(engine, {"input": "click Submit order then click Cancel then press enter"})
    assert computer_call(first)["action"] == {"type": "wait", "seconds": 1.0}  # asks for a screen
    second = created(
        engine,
        {
            "previous_response_id": first["id"],
            "input": [call_output(computer_call(first)["call_id"], shot)],
        },
    )
    assert computer_call(second)["action"]["type"] == "click"
    assert second["previous_response_id"] == first["id"]
    third = created(
        engine,
        {
            "previous_response_id": second["id"],
            "input": [
                call_output(computer_call(second)["call_id"], shot, kind="computer_screenshot")
            ],
        },
    )
    x0, _, x1, _ = text_bounds("Cancel", (420, 80))
    assert x0 <= computer_call(third)["action"]["x"] <= x1
    fourth = created(
        engine, {"previous_response_id": third["id"], "input": [call_output("x", shot)]}
    )
    assert computer_call(fourth)["action"] == {"type": "keypress", "keys": ["enter"]}
    final = created(
        engine, {"previous_response_id": fourth["id"], "input": [call_output("y", shot)]}
    )
    assert [i["type"] for i in final["output"]] == ["reasoning", "message", "computer_call"]
    assert computer_call(final)["action"]["status"] == "success"
    assert "all 3 step(s)" in message_text(final)


def test_a_call_output_without_previous_response_id_continues_by_call_id(
    engine: RunningEngine,
) -> None:
    first = created(engine, {"input": "press tab then press enter"})
    follow = created(
        engine, {"input": [call_output(computer_call(first)["call_id"], data_url(draw_screen([])))]}
    )
    assert computer_call(follow)["action"] == {"type": "keypress", "keys": ["enter"]}
    assert follow["previous_response_id"] == first["id"]


def test_not_found_text_is_a_failure_message_not_a_guess(
    engine: RunningEngine, screen_png: bytes
) -> None:
    body = created(engine, {"input": user_turn("click Checkout", data_url(screen_png))})
    assert body["status"] == "completed"
    action = computer_call(body)["action"]
    assert action["type"] == "terminate" and action["status"] == "failure"
    assert '"Checkout" is not on the screen' in message_text(body)


def test_instructions_are_echoed_never_executed(engine: RunningEngine) -> None:
    body = created(engine, {"instructions": "click Everything", "input": "press enter"})
    assert body["instructions"] == "click Everything"
    assert computer_call(body)["action"] == {"type": "keypress", "keys": ["enter"]}


# ---------------------------------------------------------------------- retrieve / delete / cancel


def test_retrieve_delete_then_404(engine: RunningEngine) -> None:
    body = created(engine, {"input": "press enter"})
    with engine.client() as client:
        assert client.get(f"/v1/responses/{body['id']}").json() == body
        deleted = client.delete(f"/v1/responses/{body['id']}")
        assert deleted.status_code == 200
        assert deleted.json() == {"id": body["id"], "deleted": True, "object": "response"}
        assert (
            error_of(client.get(f"/v1/responses/{body['id']}"), 404)["code"] == "response_not_found"
        )
        assert client.delete(f"/v1/responses/{body['id']}").status_code == 404
        chained = client.post(
            "/v1/responses", json={"previous_response_id": body["id"], "input": ""}
        )
        assert error_of(chained, 400)["code"] == "previous_response_not_found"


def test_background_then_poll(engine: RunningEngine) -> None:
    started = created(engine, {"input": "press enter", "background": True})
    assert started["status"] == "in_progress" and started["output"] == []
    with engine.client() as client:
        for _ in range(100):
            current = client.get(f"/v1/responses/{started['id']}").json()
            if current["status"] != "in_progress":
                break
            time.sleep(0.02)
    assert current["status"] == "completed"
    assert computer_call(current)["action"] == {"type": "keypress", "keys": ["enter"]}


def test_cancel_in_progress_then_409(engine: RunningEngine) -> None:
    started = created(
        engine,
        {"input": "press enter", "background": True, "metadata": {"engine_delay_ms": "10000"}},
    )
    with engine.client() as client:
        cancelled = client.post(f"/v1/responses/{started['id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert client.get(f"/v1/responses/{started['id']}").json()["status"] == "cancelled"
        again = client.post(f"/v1/responses/{started['id']}/cancel")
        assert error_of(again, 409)["code"] == "response_not_cancellable"
        done = created(engine, {"input": "press enter"})
        assert error_of(client.post(f"/v1/responses/{done['id']}/cancel"), 409)
        assert client.post("/v1/responses/resp_nope/cancel").status_code == 404
        chained = client.post(
            "/v1/responses", json={"previous_response_id": started["id"], "input": ""}
        )
        assert error_of(chained, 400)["code"] == "previous_response_not_completed"


def test_delete_of_an_in_progress_response(engine: RunningEngine) -> None:
    started = created(
        engine, {"input": "wait", "background": True, "metadata": {"engine_delay_ms": "10000"}}
    )
    with engine.client() as client:
        assert client.delete(f"/v1/responses/{started['id']}").json()["deleted"] is True
        assert client.get(f"/v1/responses/{started['id']}").status_code == 404
    assert started["id"] not in engine.service.jobs


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (b"[1, 2]", "invalid_json"),
        (b'"just a string"', "invalid_json"),
        (b"\xff\xfe\x00", "invalid_json"),
        (b'{"input": 5}', "invalid_type"),
        (b'{"temperature": "hot"}', "invalid_type"),
        (b'{"tools": [{"type": "computer_use", "display_width": -3}]}', "invalid_type"),
        (b'{"metadata": {"engine_delay_ms": "soon"}}', "invalid_metadata"),
        (b'{"input": "wait", "metadata": {"engine_delay_ms": "60001"}}', "invalid_metadata"),
        (b'{"temperature": NaN}', "invalid_json"),
        (b'{"input": "wait", "tools": [{"type": "x", "v": Infinity}]}', "invalid_json"),
        (b'{"input": "wait", "max_output_tokens": ' + b"9" * 5000 + b"}", "invalid_json"),
        (b'{"input": "click \\ud800"}', "invalid_json"),
        (
            b'{"input": "wait", "tools": [{"type": "x", "deep": ' + b"[" * 80 + b"]" * 80 + b"}]}",
            "invalid_json",
        ),
        (b'{"input": "wait", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "invalid_json"),
        (
            b'{"input": [{"type": "computer_call_output", '
            b'"output": {"type": "input_image", "file_id": "f"}}]}',
            "invalid_image",
        ),
        (b'{"tools": [{"type": "computer_use", "display_width": 800}]}', "invalid_display_size"),
    ],
)
def test_bad_bodies_are_400_json(engine: RunningEngine, content: bytes, code: str) -> None:
    with engine.client() as client:
        response = client.post(
            "/v1/responses", content=content, headers={"content-type": "application/json"}
        )
    assert error_of(response, 400)["code"] == code


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("data:image/png;base64,AAAAAAAA", "invalid_image"),
        ("data:image/png;base64,@@@not-base64", "invalid_image"),
        ("data:text/plain;base64,aGVsbG8=", "invalid_image"),
        ("data:image/png,rawbytes", "invalid_image"),
        ("https://example.com/shot.png", "unsupported_image_url"),
    ],
)
def test_undecodable_or_remote_images_are_400(engine: RunningEngine, url: str, code: str) -> None:
    error = error_of(post(engine, {"input": user_turn("click OK", url)}), 400)
    assert error["code"] == code
    assert error["param"] == "input[0].content[1].image_url"
    bad_output = post(engine, {"input": [call_output("call_1", url)]})
    assert error_of(bad_output, 400)["param"] == "input[0].output.image_url"


def test_truncated_png_is_400(engine: RunningEngine, screen_png: bytes) -> None:
    error = error_of(
        post(engine, {"input": user_turn("click OK", data_url(screen_png[:400]))}), 400
    )
    assert error["code"] == "invalid_image"


def test_bodies_over_20_mb_are_413(engine: RunningEngine) -> None:
    big = b'{"input": "' + b"a" * (21 * 1024 * 1024) + b'"}'
    with engine.client() as client:
        declared = client.post(
            "/v1/responses", content=big, headers={"content-type": "application/json"}
        )
        assert error_of(declared, 413)["code"] == "request_too_large"

        def chunks() -> Any:
            for start in range(0, len(big), 1 << 20):
                yield big[start : start + (1 << 20)]

        streamed = client.post(
            "/v1/responses", content=chunks(), headers={"content-type": "application/json"}
        )
        assert error_of(streamed, 413)["code"] == "request_too_large"
        assert client.get("/health").status_code == 200


def test_unknown_paths_and_methods_are_json(engine: RunningEngine) -> None:
    with engine.client() as client:
        assert error_of(client.get("/v1/nothing"), 404)["code"] == "not_found"
        assert error_of(client.put("/v1/responses"), 405)["code"] == "method_not_allowed"
        assert error_of(client.get("/v1/responses/resp_missing"), 404)["type"] == "not_found_error"
        bad_query = client.get("/v1/responses/resp_missing", params={"stream": "true"})
        assert bad_query.status_code == 404
