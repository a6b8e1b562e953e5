"""Protocol models on realistic payloads of both dialects, and request bodies built in code."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from console_app.api.types import (
    ComputerCallItem,
    ComputerCallOutputItem,
    CreateParams,
    DeleteResult,
    ErrorEnvelope,
    FunctionCallItem,
    InputImage,
    InputItem,
    MessageItem,
    OutputItem,
    OutputText,
    ReasoningItem,
    Refusal,
    Response,
    StreamEvent,
    UnknownContent,
    UnknownItem,
)
from console_app.api.types.items import AcknowledgedSafetyCheck, screenshot_output, user_message
from console_app.api.types.request import ComputerTool
from tests.unit.api.seed_examples import REALISTIC, realistic

RESPONSES = sorted(p.name for p in REALISTIC.glob("*.json") if not p.name.startswith("request_"))
REQUESTS = sorted(p.name for p in REALISTIC.glob("request_*.json"))


@pytest.mark.parametrize("name", RESPONSES)
def test_realistic_responses_round_trip_losslessly(name: str) -> None:
    payload = realistic(name)
    response = Response.model_validate(payload)
    assert response.model_dump(mode="json", exclude_unset=True) == payload


@pytest.mark.parametrize("name", REQUESTS)
def test_realistic_request_bodies_go_out_as_given(name: str) -> None:
    body = realistic(name)
    assert CreateParams.model_validate(body).to_body() == body


def test_lightcone_dialect() -> None:
    response = Response.model_validate(realistic("lightcone_computer_call.json"))
    assert response.created_at == "2025-06-12T09:41:27Z"
    assert response.viewport is not None and (
        response.viewport.width,
        response.viewport.height,
    ) == (
        1280,
        720,
    )
    reasoning, call = response.items
    assert isinstance(reasoning, ReasoningItem)
    assert reasoning.text().startswith("The search box")
    assert isinstance(call, ComputerCallItem) and call.call_id == "call_01JXK3M8Q5"
    assert call.action["x"] == 640 and call.action["keys"] is None  # raw, as sent
    assert response.computer_calls() == [call]
    final = Response.model_validate(realistic("lightcone_message.json"))
    assert final.output_text() == "Alan Turing's article is open." and final.is_terminal


def test_openai_dialect() -> None:
    response = Response.model_validate(realistic("openai_computer_call.json"))
    assert response.created_at == 1741476542 and response.object == "response"
    assert response.previous_response_id == "resp_67ccd2a0f3d48190a7e6b3f0c93e1d2a"
    [call] = response.computer_calls()
    assert call.pending_safety_checks is not None
    assert call.pending_safety_checks[0].code == "malicious_instructions"
    assert response.usage is not None and response.usage.total_tokens == 2270


def test_unknown_items_and_blocks_are_kept_and_shown() -> None:
    response = Response.model_validate(realistic("openai_mixed.json"))
    search, shell, function, message = response.items
    assert isinstance(search, UnknownItem) and search.type == "web_search_call"
    assert isinstance(shell, UnknownItem) and shell.model_extra is not None
    assert shell.model_extra["action"]["type"] == "click"  # kept, but an unknown item
    assert response.computer_calls() == []
    assert isinstance(function, FunctionCallItem) and function.name == "lookup_ticket"
    assert isinstance(message, MessageItem) and isinstance(message.content, list)
    text, refusal, future = message.content
    assert isinstance(text, OutputText) and isinstance(refusal, Refusal)
    assert isinstance(future, UnknownContent) and future.type == "hologram"
    assert message.text() == (
        "Turing was born in 1912\nI will not log in with those credentials.\n"
        "a block type from the future"
    )
    assert response.status == "incomplete" and response.is_terminal


@pytest.mark.parametrize(
    "item",
    [
        {"type": ["a", "list"], "id": 1},
        {"type": {"a": "dict"}},
        {"type": 42, "id": {"nested": True}},
        {"type": None},
        {},
        {"type": "message", "content": [{"type": ["x"]}, {"type": 5, "text": 7}]},
    ],
)
def test_odd_types_never_crash_the_parser(item: dict[str, Any]) -> None:
    """Regression: a list or dict as ``type`` used to raise TypeError (unhashable) from the
    union's discriminator, escaping every ``except ValidationError``."""
    parsed = TypeAdapter(OutputItem).validate_python(item)
    dumped = parsed.model_dump(mode="json", exclude_unset=True)
    if isinstance(parsed, UnknownItem):
        assert parsed.type is None or isinstance(parsed.type, str)
        assert set(dumped) == set(item)
    else:
        assert isinstance(parsed, MessageItem) and parsed.content is not None
        assert all(isinstance(b, UnknownContent) for b in parsed.content)


def test_a_lightcone_call_output_with_a_generic_content_block_parses() -> None:
    """Seed 000 declares ``computer_call_output.output`` a generic content block."""
    item = {
        "type": "computer_call_output",
        "call_id": "c",
        "role": "user",
        "output": {"type": "input_text", "text": "the page did not change"},
        "content": [{"type": "input_image", "image_url": "data:image/png;base64,AAAA"}],
    }
    parsed = TypeAdapter(InputItem).validate_python(item)
    assert isinstance(parsed, ComputerCallOutputItem)
    assert parsed.output is not None and parsed.output.text == "the page did not change"
    assert parsed.model_dump(mode="json", exclude_unset=True) == item


def test_bodies_built_in_code_carry_their_types_and_nothing_invented() -> None:
    ack = AcknowledgedSafetyCheck(id="sc_1", code="malicious_instructions")
    params = CreateParams(
        model="tzafon.northstar-cua-fast",
        input=[
            user_message("Open the settings", "data:image/jpeg;base64,AAAA"),
            screenshot_output("call_1", "data:image/jpeg;base64,BBBB", acknowledged=[ack]),
            screenshot_output(
                "call_2", "data:image/png;base64,CCCC", dialect="computer_screenshot"
            ),
        ],
        tools=[ComputerTool(display_width=1280, display_height=720)],
        instructions=None,
    )
    assert params.to_body() == {
        "model": "tzafon.northstar-cua-fast",
        "input": [
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Open the settings"},
                    {"type": "input_image", "image_url": "data:image/jpeg;base64,AAAA"},
                ],
            },
            {
                "type": "computer_call_output",
                "call_id": "call_1",
                "output": {"type": "input_image", "image_url": "data:image/jpeg;base64,BBBB"},
                "acknowledged_safety_checks": [{"id": "sc_1", "code": "malicious_instructions"}],
            },
            {
                "type": "computer_call_output",
                "call_id": "call_2",
                "output": {
                    "type": "computer_screenshot",
                    "image_url": "data:image/png;base64,CCCC",
                },
            },
        ],
        "tools": [{"type": "computer_use", "display_width": 1280, "display_height": 720}],
    }


def test_user_message_images_and_text() -> None:
    message = user_message("look", "data:a", "data:b")
    assert message.text() == "look"
    assert [i.image_url for i in message.images()] == ["data:a", "data:b"]
    assert isinstance(user_message("", "data:a").content[0], InputImage)  # type: ignore[index]


@pytest.mark.parametrize(
    "body",
    [
        {"tools": [{"type": "computer_use", "display_width": 0}]},
        {"tools": [{"type": "function"}]},  # a function tool needs a name
        {"temperature": 3},
        {"top_p": -0.1},
        {"max_output_tokens": 0},
        {"truncation": "sometimes"},
        {"input": 5},
        {"metadata": {"k": 1}},
    ],
)
def test_invalid_create_params_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CreateParams.model_validate(body)


def test_other_shapes() -> None:
    assert DeleteResult.model_validate({"id": "r", "deleted": True, "object": "x"}).deleted
    envelope = ErrorEnvelope.model_validate(
        {"error": {"message": "m", "type": "t", "code": 5, "param": "p", "extra": 1}}
    )
    assert envelope.error is not None and envelope.error.code == 5
    event = StreamEvent.model_validate({"type": "response.output_text.delta", "delta": "x"})
    assert not event.is_terminal and event.delta == "x"
    assert StreamEvent(type="response.cancelled").is_terminal
