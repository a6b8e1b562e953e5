"""Content blocks inside messages, reasoning summaries and tool outputs.

The Lightcone dialect uses one loose block (``type`` + optional ``text`` / ``image_url``); the
OpenAI/vLLM dialect has a class per type. Both parse into these models; a block of a type we do
not know is kept as `UnknownContent`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Tag


class _Block(BaseModel):
    model_config = ConfigDict(extra="allow")


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

    type: str | None = None
    text: str | None = None


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
    return kind if kind in KNOWN_CONTENT_TYPES else "unknown"


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
