"""The response object, the delete result and the error envelope.

``created_at`` is an int (OpenAI/vLLM) or a string (Lightcone seeds); ``status`` includes
``cancelled``. Every field is optional because the Lightcone schema declares them so; the
client checks what it needs (an ``id``) and raises `APIResponseValidationError` otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from console_app.api.types.items import (
    ComputerCallItem,
    MessageItem,
    OutputItem,
    ReasoningItem,
)

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "incomplete"})


class Usage(BaseModel):
    model_config = ConfigDict(extra="allow")
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None


class Viewport(BaseModel):
    model_config = ConfigDict(extra="allow")
    width: int | None = None
    height: int | None = None
    environment: str | None = None


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    message: str | None = None
    type: str | None = None
    code: str | int | None = None
    param: str | None = None


class ErrorEnvelope(BaseModel):
    """``{"error": {"message", "type", "code"}}`` — the shape of every non-2xx body."""

    model_config = ConfigDict(extra="allow")
    error: ErrorBody | None = None


class Response(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    object: str | None = None
    created_at: int | float | str | None = None
    model: str | None = None
    status: str | None = None
    output: list[OutputItem] | None = None
    usage: Usage | None = None
    viewport: Viewport | None = None
    error: ErrorBody | dict[str, Any] | str | None = None
    computer_id: str | None = None
    previous_response_id: str | None = None
    instructions: str | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    tools: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None

    @property
    def items(self) -> list[Any]:
        return list(self.output or [])

    @property
    def is_terminal(self) -> bool:
        return (self.status or "completed") in TERMINAL_STATUSES

    def computer_calls(self) -> list[ComputerCallItem]:
        return [item for item in self.items if isinstance(item, ComputerCallItem)]

    def messages(self) -> list[MessageItem]:
        return [item for item in self.items if isinstance(item, MessageItem)]

    def reasoning(self) -> list[ReasoningItem]:
        return [item for item in self.items if isinstance(item, ReasoningItem)]

    def output_text(self) -> str:
        """All assistant message text, joined — what the run shows as the model's answer."""
        return "\n".join(t for t in (m.text() for m in self.messages()) if t)

    def error_message(self) -> str | None:
        if self.error is None:
            return None
        if isinstance(self.error, str):
            return self.error
        if isinstance(self.error, ErrorBody):
            body = self.error
            if body.message or body.type or body.code is not None:
                return body.message or body.type or str(body.code)
            dumped = body.model_dump(mode="json", exclude_none=True)
            return json.dumps(dumped, sort_keys=True) if dumped else "error"
        message = self.error.get("message")
        return str(message) if message else str(self.error)


class DeleteResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    deleted: bool | None = None
    object: str | None = None
