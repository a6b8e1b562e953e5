"""Real recorded payloads from public sources (``tests/fixtures/recorded/README.md``): the
console reads each one into the actions it asked for, and the ``openai`` package agrees that
what OpenAI's types declare is valid."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from openai.types.responses import ResponseOutputItem
from pydantic import TypeAdapter

from console_app.api.calls import normalize_calls, proposals
from console_app.api.sse import iter_events
from console_app.api.types import Response
from console_app.api.types.items import ComputerCallItem
from console_app.core.actions import action_to_dict
from tests.conformance.openai_oracle import check_response, no_extras

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "recorded"
OUTPUT_ITEM: TypeAdapter[Any] = TypeAdapter(ResponseOutputItem)


def load(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def actions_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = proposals(Response.model_validate(body))
    assert all(p.action is not None for p in found), [p.error for p in found]
    return [action_to_dict(p.action) for p in found if p.action is not None]


def test_every_fixture_is_named_in_the_readme() -> None:
    readme = (RECORDED / "README.md").read_text(encoding="utf-8")
    for path in RECORDED.iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in readme, path.name


def test_recorded_clicks_from_dotnet_extensions_and_fsoperator() -> None:
    dotnet = load("dotnet-extensions-click.json")
    assert actions_of(dotnet) == [{"type": "click", "button": "left", "x": 156, "y": 50}]
    check_response(dotnet, recorded=True)
    fs = load("fsoperator-click.json")
    assert actions_of(fs) == [{"type": "click", "button": "left", "x": 170, "y": 345}]
    check_response(fs, recorded=True)
    message = load("fsoperator-message.json")
    parsed = Response.model_validate(message)
    assert proposals(parsed) == [] and parsed.output_text().startswith("The image is")
    check_response(message, recorded=True)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 97):  # odd chunk sizes: events split anywhere
        yield data[start : start + 97]


async def test_recorded_stream_from_dotnet_extensions() -> None:
    data = (RECORDED / "dotnet-extensions-screenshot-stream.sse").read_bytes()
    events = [event async for event in iter_events(_chunks(data))]
    assert [e.event for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.output_item.done",
        "response.completed",
    ]
    final = json.loads(events[-1].data)["response"]
    assert actions_of(final) == [{"type": "screenshot"}]
    # The recorded tool echo ("computer-use-preview-2025-03-11") and tool_choice null are not
    # what OpenAI's response type declares; the console reads the response anyway, and every
    # output item is valid by the oracle.
    for item in final["output"]:
        no_extras(OUTPUT_ITEM.validate_python(item), "output")


def test_documented_azure_payloads() -> None:
    first = load("azure-docs-screenshot.json")
    assert actions_of(first) == [{"type": "screenshot"}]
    for item in first["output"]:
        no_extras(OUTPUT_ITEM.validate_python(item), "output")
    output = load("azure-docs-safety-check-output.json")
    for item in output:
        no_extras(OUTPUT_ITEM.validate_python(item), "output")
    (proposal,) = proposals(Response.model_validate({"id": "r", "output": output}))
    assert action_to_dict(proposal.action) == {
        "type": "click",
        "button": "left",
        "x": 135,
        "y": 193,
    }  # type: ignore[arg-type]
    (check,) = proposal.pending_safety_checks
    assert (check.id, check.code) == ("cu_sc_67cb...", "malicious_instructions")


def test_openai_agents_batches_and_held_keys() -> None:
    calls = load("openai-agents-computer-calls.json")
    for item in calls.values():
        no_extras(OUTPUT_ITEM.validate_python(item), item["id"])

    def read(test: str) -> list[dict[str, Any]]:
        found = normalize_calls(ComputerCallItem.model_validate(calls[test]))
        assert all(p.call_id == calls[test]["call_id"] for p in found)
        assert [p.raw for p in found] == (
            calls[test]["actions"] if "actions" in calls[test] else [calls[test]["action"]]
        )
        return [action_to_dict(p.action) for p in found if p.action is not None]

    assert read("test_get_screenshot_executes_batched_actions_in_order") == [
        {"type": "click", "button": "left", "x": 11, "y": 12},
        {"type": "type", "text": "hello"},
    ]
    assert read("test_get_screenshot_reuses_terminal_batched_screenshot") == [
        {"type": "screenshot"}
    ]
    assert read("test_get_screenshot_preserves_modifier_keys_for_sync_driver") == [
        {"type": "click", "button": "left", "x": 4, "y": 8, "keys": ["shift", "ctrl"]}
    ]
    assert read("test_get_screenshot_preserves_modifier_keys_for_async_driver") == [
        {"type": "scroll", "x": 7, "y": 9, "scroll_x": 3, "scroll_y": -2, "keys": ["alt"]}
    ]
    assert read("test_get_screenshot_preserves_modifier_keys_for_kwargs_driver") == [
        {"type": "move", "x": 10, "y": 12, "keys": ["meta"]}
    ]
    assert read("test_get_screenshot_preserves_modifier_keys_for_batched_actions") == [
        {"type": "click", "button": "left", "x": 11, "y": 12, "keys": ["ctrl"]}
    ]
