"""Server-sent events of ``stream=true``.

The SDK defines no event names; servers send OpenAI-style ones. One loose model carries any of
them (``type`` plus whatever fields it has); the client turns the terminal ones into a
`Response` and treats anything it does not know as informational.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from console_app.api.types.items import OutputItem
from console_app.api.types.response import ErrorBody, Response

TERMINAL_EVENT_TYPES = frozenset(
    {"response.completed", "response.failed", "response.incomplete", "response.cancelled", "error"}
)


class StreamEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    sequence_number: int | None = None
    response: Response | None = None
    item: OutputItem | None = None
    output_index: int | None = None
    content_index: int | None = None
    item_id: str | None = None
    delta: str | None = None
    text: str | None = None
    error: ErrorBody | None = None
    message: str | None = None
    code: Any = None

    @property
    def is_terminal(self) -> bool:
        return self.type in TERMINAL_EVENT_TYPES
