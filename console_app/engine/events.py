"""Server-sent events for ``stream=true``, OpenAI-style, without a ``[DONE]`` sentinel.

The sequence for one response::

    response.created, response.in_progress                      (the in-progress snapshot)
    per output item:
      response.output_item.added                                (item with empty text)
      reasoning: response.reasoning_summary_part.added,
                 response.reasoning_summary_text.delta …, .done,
                 response.reasoning_summary_part.done
      message:   response.content_part.added,
                 response.output_text.delta …, response.output_text.done,
                 response.content_part.done
      response.output_item.done                                 (the final item)
    response.completed | response.failed | response.cancelled  (the full response)

Events are derived from the stored response, so the same function serves a live stream and
a replay (``GET /v1/responses/{id}?stream=true&starting_after=N``) with identical
``sequence_number`` values.
"""

from __future__ import annotations

import json
import re
from typing import Any

from console_app.api.types import Response

_TERMINAL = {
    "completed": "response.completed",
    "failed": "response.failed",
    "cancelled": "response.cancelled",
    "incomplete": "response.incomplete",
}


def encode(event: dict[str, Any]) -> bytes:
    """One event in SSE framing: ``event:`` line, ``data:`` line, blank line."""
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event['type']}\ndata: {data}\n\n".encode()


def _dump(response: Response) -> dict[str, Any]:
    return response.model_dump(mode="json", exclude_none=True)


def opening_events(snapshot: Response) -> list[dict[str, Any]]:
    body = _dump(snapshot)
    return [
        {"type": "response.created", "sequence_number": 0, "response": body},
        {"type": "response.in_progress", "sequence_number": 1, "response": body},
    ]


def _chunks(text: str) -> list[str]:
    """Split text into word-sized deltas (each keeps its trailing space)."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def closing_events(final: Response) -> list[dict[str, Any]]:
    """Everything after the opening events, numbered from 2."""
    events: list[dict[str, Any]] = []
    body = _dump(final)
    for index, item in enumerate(body.get("output") or []):
        events.extend(_item_events(index, item))
    terminal = _TERMINAL.get(final.status or "completed", "response.completed")
    events.append({"type": terminal, "response": body})
    for number, event in enumerate(events, start=2):
        event["sequence_number"] = number
    return events


def _item_events(index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    kind = item.get("type")
    item_id = item.get("id")
    base = {"output_index": index, "item_id": item_id}
    events: list[dict[str, Any]] = []
    if kind == "reasoning":
        added = {**item, "summary": [], "status": "in_progress"}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
        for part_index, part in enumerate(item.get("summary") or []):
            text = str(part.get("text") or "")
            where = {**base, "summary_index": part_index}
            events.append(
                {
                    "type": "response.reasoning_summary_part.added",
                    **where,
                    "part": {"type": "summary_text", "text": ""},
                }
            )
            events.extend(
                {"type": "response.reasoning_summary_text.delta", **where, "delta": delta}
                for delta in _chunks(text)
            )
            events.append({"type": "response.reasoning_summary_text.done", **where, "text": text})
            events.append({"type": "response.reasoning_summary_part.done", **where, "part": part})
    elif kind == "message":
        added = {**item, "content": [], "status": "in_progress"}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
        for part_index, part in enumerate(item.get("content") or []):
            text = str(part.get("text") or "")
            where = {**base, "content_index": part_index}
            empty = {"type": "output_text", "text": "", "annotations": []}
            events.append({"type": "response.content_part.added", **where, "part": empty})
            events.extend(
                {"type": "response.output_text.delta", **where, "delta": delta}
                for delta in _chunks(text)
            )
            events.append({"type": "response.output_text.done", **where, "text": text})
            events.append({"type": "response.content_part.done", **where, "part": part})
    else:
        added = {**item, "status": "in_progress"}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events
