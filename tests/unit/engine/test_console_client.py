"""The console's own client (``api/client.py``) against the engine: every endpoint, SSE, errors,
and each proposed action through the console's dialect normaliser."""

from __future__ import annotations

import pytest

from console_app.api.calls import proposals
from console_app.api.client import ResponsesClient
from console_app.api.errors import BadRequestError, ConflictError, NotFoundError
from console_app.api.types import ComputerTool, CreateParams
from console_app.api.types.items import screenshot_output, user_message
from console_app.core.actions import Click, Keypress, Terminate
from tests.unit.engine.helpers import RunningEngine, data_url, draw_screen, text_bounds


def client_for(engine: RunningEngine) -> ResponsesClient:
    return ResponsesClient(
        base_url=engine.base_url, api_key=engine.token, read_env=False, max_retries=0
    )


async def test_a_whole_supervised_loop_through_the_console_client(engine: RunningEngine) -> None:
    shot = data_url(draw_screen([("Save draft", (100, 100))], (640, 400)), "image/png")
    tools = [ComputerTool(display_width=1280, display_height=800, environment="desktop")]
    async with client_for(engine) as client:
        first = await client.create(
            CreateParams(
                model="tzafon.northstar-cua-fast",
                input=[user_message("click Save draft then press ctrl+s", shot)],
                tools=tools,
            )
        )
        (proposal,) = proposals(first)
        assert isinstance(proposal.action, Click)
        x0, y0, x1, y1 = text_bounds("Save draft", (100, 100))  # drawn at 640×400, shown 2×
        assert 2 * x0 <= proposal.action.x <= 2 * x1 and 2 * y0 <= proposal.action.y <= 2 * y1
        call_id = proposal.call_id
        assert call_id is not None
        second = await client.create(
            CreateParams(
                previous_response_id=first.id,
                input=[screenshot_output(call_id, shot)],
                tools=tools,
            )
        )
        (keys,) = proposals(second)
        assert isinstance(keys.action, Keypress) and keys.action.keys == ["ctrl", "s"]
        assert keys.call_id is not None
        third = await client.create(
            CreateParams(
                previous_response_id=second.id, input=[screenshot_output(keys.call_id, shot)]
            )
        )
        (end,) = proposals(third)
        assert isinstance(end.action, Terminate) and end.action.status == "success"
        assert "all 2 step(s)" in third.output_text()
        assert (await client.retrieve(first.id or "")).id == first.id


async def test_streaming_through_the_console_client(engine: RunningEngine) -> None:
    async with client_for(engine) as client:
        events = [event async for event in client.create_stream(CreateParams(input="press enter"))]
    assert events[0].type == "response.created"
    terminal = events[-1]
    assert terminal.type == "response.completed" and terminal.response is not None
    (proposal,) = proposals(terminal.response)
    assert isinstance(proposal.action, Keypress) and proposal.action.keys == ["enter"]


async def test_cancel_delete_and_errors_map_to_the_client_error_types(
    engine: RunningEngine,
) -> None:
    async with client_for(engine) as client:
        running = await client.create(
            CreateParams(input="wait", background=True, metadata={"engine_delay_ms": "10000"})
        )
        assert running.status == "in_progress" and running.id
        cancelled = await client.cancel(running.id)
        assert cancelled.status == "cancelled"
        with pytest.raises(ConflictError):
            await client.cancel(running.id)
        deleted = await client.delete(running.id)
        assert deleted.deleted is True and deleted.id == running.id
        with pytest.raises(NotFoundError):
            await client.retrieve(running.id)
        with pytest.raises(BadRequestError) as bad:
            await client.create(CreateParams(input="wait", previous_response_id=running.id))
        assert bad.value.code == "previous_response_not_found"
