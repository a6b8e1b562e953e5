"""``stream=true`` over real HTTP: event order and framing, cancel mid-stream, replay."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

from console_app.api.sse import SSEDecoder
from tests.unit.engine.helpers import RunningEngine, data_url, draw_screen, user_turn


def read_events(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    decoder = SSEDecoder()
    events: list[tuple[str, dict[str, Any]]] = []
    for line in response.iter_lines():
        event = decoder.feed(line)
        if event is not None:
            assert event.data != "[DONE]"
            payload = json.loads(event.data)
            assert payload["type"] == event.event
            events.append((event.event, payload))
    return events


def stream(engine: RunningEngine, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    with (
        engine.client() as client,
        client.stream("POST", "/v1/responses", json={**body, "stream": True}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return read_events(response)


def test_event_sequence_and_final_response(engine: RunningEngine) -> None:
    shot = data_url(draw_screen([("Checkout", (50, 50))], (640, 360)))
    events = stream(engine, {"input": user_turn("click Checkout then press enter", shot)})
    names = [name for name, _ in events]
    assert names[:2] == ["response.created", "response.in_progress"]
    assert names[-1] == "response.completed"
    numbers = [payload["sequence_number"] for _, payload in events]
    assert numbers == list(range(len(events)))
    assert events[0][1]["response"]["status"] == "in_progress"
    # reasoning text arrives as deltas that add up to the final summary
    deltas = "".join(p["delta"] for n, p in events if n == "response.reasoning_summary_text.delta")
    final = events[-1][1]["response"]
    assert final["status"] == "completed"
    assert deltas == final["output"][0]["summary"][0]["text"]
    added = [p["item"]["type"] for n, p in events if n == "response.output_item.added"]
    done = [p["item"] for n, p in events if n == "response.output_item.done"]
    assert added == ["reasoning", "computer_call"]
    assert done == final["output"]
    assert done[1]["action"]["type"] == "click"
    with engine.client() as client:
        assert client.get(f"/v1/responses/{final['id']}").json() == final


def test_message_text_is_streamed_as_output_text_deltas(engine: RunningEngine) -> None:
    events = stream(engine, {"input": "fly to the moon"})
    deltas = "".join(p["delta"] for n, p in events if n == "response.output_text.delta")
    done_text = next(p["text"] for n, p in events if n == "response.output_text.done")
    assert deltas == done_text and "unknown command" in deltas
    final = events[-1][1]["response"]
    assert final["output"][-1]["action"]["status"] == "failure"


def test_cancel_while_streaming_ends_the_stream_with_response_cancelled(
    engine: RunningEngine,
) -> None:
    collected: list[tuple[str, dict[str, Any]]] = []

    def reader() -> None:
        collected.extend(
            stream(engine, {"input": "press enter", "metadata": {"engine_delay_ms": "20000"}})
        )

    thread = threading.Thread(target=reader)
    thread.start()
    deadline = time.monotonic() + 10
    while not engine.service.jobs and time.monotonic() < deadline:
        time.sleep(0.01)
    (response_id,) = list(engine.service.jobs)
    with engine.client() as client:
        cancelled = client.post(f"/v1/responses/{response_id}/cancel")
    thread.join(10)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert [name for name, _ in collected] == [
        "response.created",
        "response.in_progress",
        "response.cancelled",
    ]
    assert collected[-1][1]["response"]["status"] == "cancelled"


def test_retrieve_with_stream_replays_after_starting_after(engine: RunningEngine) -> None:
    events = stream(engine, {"input": "press enter"})
    response_id = events[-1][1]["response"]["id"]
    with (
        engine.client() as client,
        client.stream(
            "GET", f"/v1/responses/{response_id}", params={"stream": "true", "starting_after": 3}
        ) as replay,
    ):
        replayed = read_events(replay)
    assert [p["sequence_number"] for _, p in replayed] == list(range(4, len(events)))
    assert [p for _, p in replayed] == [p for _, p in events[4:]]


def test_a_planner_failure_is_a_failed_response_not_a_500(
    engine: RunningEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("planner bug")

    monkeypatch.setattr("console_app.engine.service.plan_turn", broken)
    events = stream(engine, {"input": "press enter"})
    assert [name for name, _ in events][-1] == "response.failed"
    failed = events[-1][1]["response"]
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "planner_error"
    with engine.client() as client:
        plain = client.post("/v1/responses", json={"input": "press enter"})
        assert plain.status_code == 200 and plain.json()["status"] == "failed"
        assert client.get(f"/v1/responses/{failed['id']}").json()["status"] == "failed"
