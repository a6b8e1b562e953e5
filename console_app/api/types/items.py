"""Conversation items: what goes into ``input`` and what comes back in ``output``.

Output items are a tagged union on ``type`` with a fallback: an item whose type is unknown
(``web_search_call``, something a future server adds) parses as `UnknownItem`, is shown, and is
never executed. A ``computer_call`` keeps its ``action`` as the raw dict the server sent; turning
it into a typed `console_app.core.actions.Action` is ``api/normalize.py``'s job, so a malformed
action never prevents the rest of the response from being read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Tag

from console_app.api.types.content import (
    ContentBlock,
    DisplayStr,
    InputImage,
    InputText,
    block_text,
)


class _Item(BaseModel):
    """An item. ``type`` always counts as set (see ``_Block``), so ``to_body`` sends it."""

    model_config = ConfigDict(extra="allow")

    def model_post_init(self, context: Any, /) -> None:
        if getattr(self, "type", None) is not None:
            self.model_fields_set.add("type")


class MessageItem(_Item):
    """A message; ``content`` is a string or a list of blocks (both dialects).

    ``type`` is sent only when the caller set it: ``{"role", "content"}`` (an "easy input
    message") is what both dialects accept, and the Lightcone schema has no ``"message"`` input
    type at all.
    """

    def model_post_init(self, context: Any, /) -> None:
        pass

    type: Literal["message"] = "message"
    id: str | None = None
    role: str | None = None
    status: str | None = None
    content: str | list[ContentBlock] | None = None

    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(t for t in (block_text(b) for b in self.content) if t)

    def images(self) -> list[InputImage]:
        if not isinstance(self.content, list):
            return []
        return [b for b in self.content if isinstance(b, InputImage)]


class ReasoningItem(_Item):
    type: Literal["reasoning"] = "reasoning"
    id: str | None = None
    status: str | None = None
    summary: list[ContentBlock] | None = None
    content: list[ContentBlock] | None = None
    encrypted_content: str | None = None

    def text(self) -> str:
        blocks = [*(self.summary or []), *(self.content or [])]
        return "\n".join(t for t in (block_text(b) for b in blocks) if t)


class PendingSafetyCheck(_Item):
    id: str | None = None
    code: str | None = None
    message: str | None = None


class ComputerCallItem(_Item):
    """A ``computer_call``: one ``action``, or (OpenAI's GA ``computer`` tool) an ordered
    ``actions`` list answered by one ``computer_call_output`` after the whole batch."""

    type: Literal["computer_call"] = "computer_call"
    id: str | None = None
    call_id: str | None = None
    status: str | None = None
    action: Any = None
    actions: Any = None
    pending_safety_checks: list[PendingSafetyCheck] | None = None


class ScreenshotOutput(_Item):
    """The image in a ``computer_call_output``: ``computer_screenshot`` (002) or ``input_image``.

    The Lightcone schema (seed 000) declares this field a generic content block (``input_text``,
    ``output_text``, ``summary_text`` or ``input_image``), so any ``type`` string is accepted
    when reading; the console itself only sends the two image types.
    """

    type: str = "computer_screenshot"
    image_url: str | None = None
    file_id: str | None = None
    text: str | None = None


class AcknowledgedSafetyCheck(_Item):
    id: str
    code: str | None = None
    message: str | None = None


class ComputerCallOutputItem(_Item):
    type: Literal["computer_call_output"] = "computer_call_output"
    id: str | None = None
    call_id: str | None = None
    output: ScreenshotOutput | None = None
    acknowledged_safety_checks: list[AcknowledgedSafetyCheck] | None = None
    status: str | None = None


class FunctionCallItem(_Item):
    type: Literal["function_call"] = "function_call"
    id: str | None = None
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None
    status: str | None = None


class FunctionCallOutputItem(_Item):
    type: Literal["function_call_output"] = "function_call_output"
    id: str | None = None
    call_id: str | None = None
    output: str | list[ContentBlock] | None = None


class UnknownItem(_Item):
    """An item of a type this version does not know: kept, shown, never executed.

    Its ``type`` and ``id`` are display-only, so any JSON value is accepted (shown as text).
    """

    type: DisplayStr = None
    id: DisplayStr = None


KNOWN_ITEM_TYPES = frozenset(
    {
        "message",
        "reasoning",
        "computer_call",
        "computer_call_output",
        "function_call",
        "function_call_output",
    }
)


def _item_tag(value: Any) -> str:
    if isinstance(value, dict):
        kind = value.get("type")
        if kind is None and "role" in value:
            kind = "message"  # EasyInputMessage: {"role": ..., "content": ...} without a type
    else:
        kind = getattr(value, "type", None)
    # isinstance first: a list or dict as "type" is unhashable and must not crash the parser.
    return kind if isinstance(kind, str) and kind in KNOWN_ITEM_TYPES else "unknown"


_ItemUnion = (
    Annotated[MessageItem, Tag("message")]
    | Annotated[ReasoningItem, Tag("reasoning")]
    | Annotated[ComputerCallItem, Tag("computer_call")]
    | Annotated[ComputerCallOutputItem, Tag("computer_call_output")]
    | Annotated[FunctionCallItem, Tag("function_call")]
    | Annotated[FunctionCallOutputItem, Tag("function_call_output")]
    | Annotated[UnknownItem, Tag("unknown")]
)

OutputItem = Annotated[_ItemUnion, Discriminator(_item_tag)]
"""Any item in a response's ``output``."""

InputItem = Annotated[_ItemUnion, Discriminator(_item_tag)]
"""Any item in a request's ``input`` array (same union: clients may echo output items back)."""


def user_message(
    text: str, *images: str, detail: Literal["low", "high", "auto"] | None = None
) -> MessageItem:
    """A user message with text and any number of image URLs (the CUA loop's first turn).

    ``detail`` is sent only when given (OpenAI's schema requires it on ``input_image``; the
    Lightcone one does not have to see it)."""
    blocks: list[Any] = [InputText(text=text)] if text else []
    extra = {"detail": detail} if detail else {}
    blocks.extend(InputImage(image_url=url, **extra) for url in images)
    return MessageItem(role="user", content=blocks)


def screenshot_output(
    call_id: str,
    image_url: str,
    *,
    dialect: Literal["computer_screenshot", "input_image"] = "input_image",
    acknowledged: list[AcknowledgedSafetyCheck] | None = None,
) -> ComputerCallOutputItem:
    """The ``computer_call_output`` that answers a call with the screen after it ran."""
    return ComputerCallOutputItem(
        call_id=call_id,
        output=ScreenshotOutput(type=dialect, image_url=image_url),
        acknowledged_safety_checks=acknowledged or None,
    )


__all__ = [
    "AcknowledgedSafetyCheck",
    "ComputerCallItem",
    "ComputerCallOutputItem",
    "FunctionCallItem",
    "FunctionCallOutputItem",
    "InputItem",
    "MessageItem",
    "OutputItem",
    "PendingSafetyCheck",
    "ReasoningItem",
    "ScreenshotOutput",
    "UnknownItem",
    "screenshot_output",
    "user_message",
]
