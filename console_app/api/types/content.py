"""Content blocks inside messages, reasoning summaries and tool outputs.

The Lightcone dialect uses one loose block (``type`` + optional ``text`` / ``image_url``); the
OpenAI/vLLM dialect has a class per type. Both parse into these models; a block of a type we do
not know is kept as `UnknownContent`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Tag


def display_str(value: Any) -> str | None:
    """A display-only field of something we do not understand: any JSON value, shown as text.

    Why: an unknown item or block is kept and shown, never executed; a number where a string
    was expected must not make the whole response unreadable.
    """
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


DisplayStr = Annotated[str | None, BeforeValidator(display_str)]


class _Block(BaseModel):
    """A content block. ``type`` always counts as set, so a request body built from models
    carries it even when it was left at its default (``to_body`` dumps only what was set)."""

    model_config = ConfigDict(extra="allow")

    def model_post_init(self, context: Any, /) -> None:
        if getattr(self, "type", None) is not None:
            self.model_fields_set.add("type")


class InputText(_Block):
    type: Literal["input_text"] = "input_text"
    text: str = ""


class OutputText(_Block):
    type: Literal["output_text"] = "output_text"
    text: str = ""
    annotations: list[Any] | None = None


class SummaryText(_Block):
    type: Literal["summary_text"] = "summary_text"
    text: str = ""


class ReasoningText(_Block):
    type: Literal["reasoning_text"] = "reasoning_text"
    text: str = ""


class InputImage(_Block):
    """An image given to the model; ``image_url`` is usually a ``data:image/...;base64`` URL."""

    type: Literal["input_image"] = "input_image"
    image_url: str | None = None
    file_id: str | None = None
    detail: Literal["low", "high", "auto"] | None = None


class InputFile(_Block):
    type: Literal["input_file"] = "input_file"
    file_data: str | None = None
    file_id: str | None = None
    file_url: str | None = None
    filename: str | None = None


class Refusal(_Block):
    type: Literal["refusal"] = "refusal"
    refusal: str = ""


class UnknownContent(_Block):
    """A block of a type this version does not know: kept and shown as-is."""

    type: DisplayStr = None
    text: DisplayStr = None


KNOWN_CONTENT_TYPES = frozenset(
    {
        "input_text",
        "output_text",
        "summary_text",
        "reasoning_text",
        "input_image",
        "input_file",
        "refusal",
    }
)


def _content_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    # isinstance first: a list or dict as "type" is unhashable and must not crash the parser.
    return kind if isinstance(kind, str) and kind in KNOWN_CONTENT_TYPES else "unknown"


ContentBlock = Annotated[
    Annotated[InputText, Tag("input_text")]
    | Annotated[OutputText, Tag("output_text")]
    | Annotated[SummaryText, Tag("summary_text")]
    | Annotated[ReasoningText, Tag("reasoning_text")]
    | Annotated[InputImage, Tag("input_image")]
    | Annotated[InputFile, Tag("input_file")]
    | Annotated[Refusal, Tag("refusal")]
    | Annotated[UnknownContent, Tag("unknown")],
    Discriminator(_content_tag),
]


def block_text(block: Any) -> str:
    """The readable text of any block (empty for images and files)."""
    for attr in ("text", "refusal"):
        value = getattr(block, attr, None)
        if isinstance(value, str):
            return value
    return ""
