"""Pydantic v2 models for every request and response shape in the seeds (both dialects).

Parsing is tolerant: unknown fields are kept (``extra="allow"``) and unknown output item types
become `UnknownItem` so they can be shown — but never executed. Shared by the client and the
local engine, so both sides agree on one definition of the protocol.
"""

from console_app.api.types.content import (
    ContentBlock,
    InputFile,
    InputImage,
    InputText,
    OutputText,
    Refusal,
    SummaryText,
    UnknownContent,
)
from console_app.api.types.events import StreamEvent
from console_app.api.types.items import (
    ComputerCallItem,
    ComputerCallOutputItem,
    FunctionCallItem,
    FunctionCallOutputItem,
    InputItem,
    MessageItem,
    OutputItem,
    ReasoningItem,
    ScreenshotOutput,
    UnknownItem,
)
from console_app.api.types.request import (
    ComputerTool,
    CreateParams,
    FunctionTool,
    Tool,
)
from console_app.api.types.response import (
    DeleteResult,
    ErrorBody,
    ErrorEnvelope,
    Response,
    Usage,
    Viewport,
)

__all__ = [
    "ComputerCallItem",
    "ComputerCallOutputItem",
    "ComputerTool",
    "ContentBlock",
    "CreateParams",
    "DeleteResult",
    "ErrorBody",
    "ErrorEnvelope",
    "FunctionCallItem",
    "FunctionCallOutputItem",
    "FunctionTool",
    "InputFile",
    "InputImage",
    "InputItem",
    "InputText",
    "MessageItem",
    "OutputItem",
    "OutputText",
    "ReasoningItem",
    "Refusal",
    "Response",
    "ScreenshotOutput",
    "StreamEvent",
    "SummaryText",
    "Tool",
    "UnknownContent",
    "UnknownItem",
    "Usage",
    "Viewport",
]
