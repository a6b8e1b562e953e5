"""The body of ``POST /v1/responses`` (create), covering both dialects' parameters.

The console builds these; the local engine validates them. Unknown parameters are allowed (and
passed through), because OpenAI-compatible servers accept many the seeds only list.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from console_app.api.types.items import InputItem


class _Tool(BaseModel):
    """A tool definition; ``type`` always counts as set so ``to_body`` sends it."""

    model_config = ConfigDict(extra="allow")

    def model_post_init(self, context: Any, /) -> None:
        self.model_fields_set.add("type")


class ComputerTool(_Tool):
    """``computer_use`` (Lightcone), ``computer_use_preview`` or ``computer`` (OpenAI) tool.

    Lightcone makes the display size optional (inferred from the screenshot, else 1024×768);
    OpenAI's preview tool requires it; OpenAI's GA ``computer`` tool has no such fields.
    """

    type: Literal["computer_use", "computer_use_preview", "computer"] = "computer_use"
    display_width: int | None = Field(default=None, gt=0, le=16384)
    display_height: int | None = Field(default=None, gt=0, le=16384)
    environment: str | None = None


COMPUTER_TOOL_TYPES = frozenset({"computer_use", "computer_use_preview", "computer"})


class FunctionTool(_Tool):
    type: Literal["function"] = "function"
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class OtherTool(_Tool):
    type: str


def _tool_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    # isinstance first: a list or dict as "type" is unhashable and must not crash the parser.
    if isinstance(kind, str) and kind in COMPUTER_TOOL_TYPES:
        return "computer"
    return "function" if kind == "function" else "other"


Tool = Annotated[
    Annotated[ComputerTool, Tag("computer")]
    | Annotated[FunctionTool, Tag("function")]
    | Annotated[OtherTool, Tag("other")],
    Discriminator(_tool_tag),
]


class CreateParams(BaseModel):
    model_config = ConfigDict(extra="allow")

    input: str | list[InputItem] | None = None
    model: str | None = None
    instructions: str | None = None
    previous_response_id: str | None = None
    tools: list[Tool] | None = None
    max_output_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    stream: bool | None = None
    background: bool | None = None
    metadata: dict[str, str] | None = None
    store: bool | None = None
    truncation: Literal["auto", "disabled"] | None = None

    def to_body(self) -> dict[str, Any]:
        """The JSON body: what the caller set, nothing added; ``None`` fields are left out.

        Why ``exclude_unset``: a body parsed from the caller's dicts goes out exactly as given
        (the official SDK sends the same bytes for the same parameters — the conformance tests
        compare them), and defaults a server may not know (``"type": "message"`` on an easy
        input message, which the Lightcone schema lacks) are never invented. Models built in
        code still carry their ``type`` (it always counts as set).
        """
        return self.model_dump(mode="json", exclude_none=True, exclude_unset=True)

    def computer_tool(self) -> ComputerTool | None:
        for tool in self.tools or []:
            if isinstance(tool, ComputerTool):
                return tool
        return None
