"""Every JSON example in the seed documents parses into the protocol models, losslessly."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from console_app.api.calls import normalize_call, proposals
from console_app.api.types import (
    ComputerCallItem,
    ComputerTool,
    ContentBlock,
    InputText,
    MessageItem,
    OutputText,
    ReasoningItem,
    Response,
    Tool,
)
from tests.unit.api.seed_examples import (
    ExampleFixture,
    all_seed_examples,
    load_manifest,
    seed_texts,
)

MANIFEST = load_manifest()


def test_every_json_example_in_the_seeds_is_a_fixture_verbatim() -> None:
    found = {(e.seed, e.offset, e.text) for e in all_seed_examples()}
    fixtures = {(f.seed, f.offset, f.text) for f in MANIFEST}
    assert found == fixtures
    assert len(fixtures) == 7
    texts = seed_texts()
    for fixture in MANIFEST:  # byte for byte where the manifest says it is
        seed = texts[fixture.seed]
        assert seed[fixture.offset : fixture.offset + len(fixture.text)] == fixture.text


def test_the_finder_skips_enum_lists_and_code() -> None:
    """Type signatures such as ``Literal["low", "high"]`` and Python code are not examples."""
    text = 'detail: Literal["low", "high"] x = {"a": 1} tools=[{"t": 1}, ] {"b": [1, 2]}'
    from tests.unit.api.seed_examples import find_json_examples

    found = [e.text for e in find_json_examples(text, "s")]
    assert found == ['{"a": 1}', '{"t": 1}', '{"b": [1, 2]}']


def _parse(fixture: ExampleFixture) -> Any:
    if fixture.kind == "response":
        return Response.model_validate(fixture.json())
    if fixture.kind == "content_block":
        return TypeAdapter(ContentBlock).validate_python(fixture.json())
    assert fixture.kind == "tools"
    return TypeAdapter(list[Tool]).validate_python(fixture.json())


def _dump(parsed: Any) -> Any:
    if isinstance(parsed, list):
        return [_dump(p) for p in parsed]
    return parsed.model_dump(mode="json", exclude_unset=True)


@pytest.mark.parametrize("fixture", MANIFEST, ids=lambda f: f.file)
def test_seed_example_parses_and_round_trips(fixture: ExampleFixture) -> None:
    parsed = _parse(fixture)
    # Tolerant and lossless: every field, known or not, comes back out unchanged.
    assert _dump(parsed) == fixture.json()


def test_lightcone_response_example() -> None:
    [first, second] = [f for f in MANIFEST if f.seed.startswith("001")]
    assert first.json() == second.json()
    response = Response.model_validate(first.json())
    assert (response.id, response.object, response.created_at) == ("id", "object", "created_at")
    assert response.computer_id == "computer_id" and response.status == "status"
    assert response.usage is not None and response.usage.total_tokens == 0
    assert response.viewport is not None and response.viewport.environment == "environment"
    [item] = response.items
    assert isinstance(item, ReasoningItem)
    assert item.summary is not None and isinstance(item.summary[0], InputText)
    assert item.text() == "text\ntext"
    # The example's item is a reasoning item that happens to carry an action: never proposed.
    assert item.model_extra is not None and item.model_extra["action"]["type"] == "click"
    assert proposals(response) == []
    assert not response.is_terminal  # "status": "status" is not a final status


def test_the_lightcone_placeholder_action_is_not_executable_as_a_call() -> None:
    """Relabel the example's item as a computer_call: its placeholder action (``button":
    "button"``, ``keys: ["string"]``) must be shown as invalid, not clicked at (0, 0)."""
    item = next(f for f in MANIFEST if f.seed.startswith("001")).json()["output"][0]
    call = ComputerCallItem.model_validate({**item, "type": "computer_call"})
    proposal = normalize_call(call)
    assert not proposal.executable
    assert proposal.error_field == "button"
    assert proposal.call_id == "call_id" and proposal.raw == item["action"]


def test_openai_response_example() -> None:
    [first, second] = [f for f in MANIFEST if f.seed.startswith("002")]
    assert first.json() == second.json()
    response = Response.model_validate(first.json())
    assert (response.created_at, response.object, response.status) == (0, "response", "completed")
    assert response.is_terminal
    assert response.model_dump(mode="json", exclude_unset=True)["error"] == {"foo": "bar"}
    assert response.error_message() == '{"foo": "bar"}'
    assert response.tools == [{"foo": "bar"}]
    [message] = response.items
    assert isinstance(message, MessageItem) and message.role == "assistant"
    assert isinstance(message.content, list)
    [block] = message.content
    assert isinstance(block, OutputText) and block.annotations is not None
    assert block.model_extra is not None and block.model_extra["logprobs"][0]["token"] == "token"
    assert response.output_text() == "text"


def test_seed_004_request_fragments() -> None:
    block = next(f for f in MANIFEST if f.kind == "content_block")
    assert _parse(block) == InputText(text="Click the search button")
    for tools in (f for f in MANIFEST if f.kind == "tools"):
        [tool] = _parse(tools)
        assert tool == ComputerTool(
            type="computer_use", display_width=1280, display_height=720, environment="browser"
        )
