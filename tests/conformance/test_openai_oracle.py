"""The ``openai`` package (a test dependency) as an independent oracle.

* Every request the console builds in OpenAI mode (``--api openai``: the preview tool and the
  GA ``computer`` tool; first turn, follow-up with ``computer_screenshot`` and acknowledged
  safety checks) validates against the package's request types, with no undeclared field.
* The local engine, asked in OpenAI's dialect by the real ``openai`` client, answers with
  responses that parse with the package's response types — a click, a follow-up chained on
  ``previous_response_id`` with a ``computer_screenshot``, a batched ``actions`` answer for the
  GA tool, and the run's end as a message — and the console's own parser reads the same
  responses into the same actions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from pydantic import ValidationError

from console_app.agent.turns import CallAnswer, RequestSettings, first_request, follow_up_request
from console_app.api.calls import proposals
from console_app.api.local_engine import LocalEngine
from console_app.api.types import Response as ConsoleResponse
from console_app.core.actions import Click, action_to_dict
from console_app.core.dialect import wire_names
from console_app.core.proposal import ProposedAction, SafetyCheck
from tests.conformance.openai_oracle import check_request, check_response
from tests.unit.engine.helpers import data_url, draw_screen

LABELS = [("Submit order", (60, 80)), ("Cancel", (420, 80))]
PREVIEW_TOOL = {
    "type": "computer_use_preview",
    "display_width": 1280,
    "display_height": 720,
    "environment": "linux",
}


@pytest.mark.parametrize(
    ("model", "environment"),
    [
        ("computer-use-preview", "desktop"),
        ("computer-use-preview", "browser"),
        ("gpt-5.4", "desktop"),
    ],
)
def test_requests_built_in_openai_mode_validate(model: str, environment: str) -> None:
    settings = RequestSettings.for_wire(model, wire_names("openai", model, environment))
    url = data_url(draw_screen(LABELS, (320, 200)), "image/png")
    check_request(first_request(settings, "click Submit", url, (1280, 720)).to_body())
    check = SafetyCheck(id="cu_sc_1", code="malicious_instructions", message="Check it.")
    answers = [
        CallAnswer(
            ProposedAction(
                call_id="call_1", action=Click(x=1, y=2), pending_safety_checks=(check,)
            ),
            acknowledged=("cu_sc_1",),
            feedback="The human supervisor rejected the action (click at (1, 2)).",
        )
    ]
    body = follow_up_request(settings, "resp_1", answers, url, (1280, 720)).to_body()
    check_request(body)
    output = body["input"][0]
    assert output["output"]["type"] == "computer_screenshot"
    assert output["acknowledged_safety_checks"][0]["id"] == "cu_sc_1"


def test_a_misspelt_field_is_caught_by_the_oracle() -> None:
    """The oracle is not a rubber stamp."""
    with pytest.raises(AssertionError, match="display_widht"):
        check_request({"model": "m", "input": "x", "tools": [{**PREVIEW_TOOL, "display_widht": 1}]})
    with pytest.raises(ValidationError, match="output"):
        check_request({"model": "m", "input": [{"type": "computer_call_output", "call_id": "c"}]})


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    running = LocalEngine(data_dir=tmp_path_factory.mktemp("openai-engine")).start(timeout=60)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def client(engine: LocalEngine) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=engine.base_url + "/v1", api_key=engine.token, max_retries=0) as c:
        yield c


def create(client: openai.OpenAI, **kwargs: Any) -> dict[str, Any]:
    """Create with the real client; return the raw JSON after checking it with the oracle."""
    raw = client.responses.with_raw_response.create(**kwargs)
    body: dict[str, Any] = raw.http_response.json()
    parsed = raw.parse()  # the client's own parsing of the same body
    assert parsed.id == body["id"]
    check_response(body)
    return body


def console_actions(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = proposals(ConsoleResponse.model_validate(body))
    assert all(p.action is not None for p in found), [p.error for p in found]
    return [action_to_dict(p.action) for p in found if p.action is not None]


def test_the_openai_client_drives_the_engine_with_the_preview_tool(client: openai.OpenAI) -> None:
    screen = data_url(draw_screen(LABELS, (800, 600)), "image/png")
    first = create(
        client,
        model="computer-use-preview",
        tools=[PREVIEW_TOOL],
        truncation="auto",
        input=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "input_text",
                        "text": 'click "Submit order" then right click "Cancel"',
                    },
                    {"type": "input_image", "image_url": screen, "detail": "auto"},
                ],
            }
        ],
    )
    assert first["model"] == "computer-use-preview"
    (call,) = [i for i in first["output"] if i["type"] == "computer_call"]
    assert call["action"]["type"] == "click" and call["action"]["button"] == "left"
    assert "actions" not in call
    assert console_actions(first)[0]["type"] == "click"

    second = create(
        client,
        model="computer-use-preview",
        tools=[PREVIEW_TOOL],
        truncation="auto",
        previous_response_id=first["id"],
        input=[
            {
                "type": "computer_call_output",
                "call_id": call["call_id"],
                "output": {"type": "computer_screenshot", "image_url": screen},
            }
        ],
    )
    (call2,) = [i for i in second["output"] if i["type"] == "computer_call"]
    assert call2["action"]["type"] == "click" and call2["action"]["button"] == "right"
    assert console_actions(second) == [
        {"type": "right_click", "x": call2["action"]["x"], "y": call2["action"]["y"]}
    ]

    third = create(
        client,
        model="computer-use-preview",
        tools=[PREVIEW_TOOL],
        previous_response_id=second["id"],
        input=[
            {
                "type": "computer_call_output",
                "call_id": call2["call_id"],
                "output": {"type": "computer_screenshot", "image_url": screen},
            }
        ],
    )
    # OpenAI ends a run with a message and no call
    assert [i["type"] for i in third["output"]] == ["reasoning", "message"]
    assert third["output"][-1]["content"][0]["text"]


def test_the_ga_computer_tool_gets_batched_actions(client: openai.OpenAI) -> None:
    first = create(
        client,
        model="local",
        tools=[{"type": "computer"}],
        input="go to https://example.com",
    )
    (call,) = [i for i in first["output"] if i["type"] == "computer_call"]
    assert "action" not in call
    assert call["actions"] == [
        {"type": "keypress", "keys": ["ctrl", "l"]},
        {"type": "type", "text": "https://example.com"},
        {"type": "keypress", "keys": ["enter"]},
    ]
    found = proposals(ConsoleResponse.model_validate(first))
    assert [(p.batch_index, p.batch_size, p.call_id) for p in found] == [
        (0, 3, call["call_id"]),
        (1, 3, call["call_id"]),
        (2, 3, call["call_id"]),
    ]


def test_a_lightcone_request_is_answered_as_before(
    client: openai.OpenAI, engine: LocalEngine
) -> None:
    import httpx

    reply = httpx.post(
        engine.base_url + "/v1/responses",
        headers={"authorization": f"Bearer {engine.token}"},
        json={
            "model": "tzafon.northstar-cua-fast",
            "input": "press enter",
            "tools": [{"type": "computer_use", "display_width": 1024, "display_height": 768}],
        },
        timeout=30,
    ).json()
    (call,) = [i for i in reply["output"] if i["type"] == "computer_call"]
    assert call["action"]["type"] in ("key", "keypress") and "actions" not in call
    assert "parallel_tool_calls" not in reply


def test_other_openai_models_are_still_refused(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="serves only"):
        client.responses.create(model="gpt-5.4", tools=[{"type": "computer"}], input="press enter")
