"""The ``openai`` package as an independent oracle: its own types say whether a body or a
response is valid OpenAI Responses API wire format. Nothing here comes from console_app."""

from __future__ import annotations

from typing import Any

from openai.types.responses import Response, ResponseInputItem, Tool
from openai.types.responses.response_computer_tool_call import ResponseComputerToolCall
from openai.types.responses.response_create_params import ResponseCreateParamsBase
from pydantic import BaseModel, TypeAdapter

_INPUT_ITEM: TypeAdapter[Any] = TypeAdapter(ResponseInputItem)
_TOOL: TypeAdapter[Any] = TypeAdapter(Tool)


def no_extras(model: BaseModel, where: str) -> None:
    """Every field sent is one the oracle declares (the openai models allow extras, so a
    misspelt field would otherwise pass)."""
    extra = model.model_extra or {}
    assert not extra, f"{where}: fields the openai types do not declare: {sorted(extra)}"
    for name in model.model_fields_set:
        value = getattr(model, name)
        values = value if isinstance(value, list) else [value]
        for index, child in enumerate(values):
            if isinstance(child, BaseModel):
                no_extras(child, f"{where}.{name}[{index}]")


def check_request(body: dict[str, Any]) -> None:
    """A create body the console built: known top-level parameters, valid tools and items."""
    unknown = set(body) - set(ResponseCreateParamsBase.__annotations__)
    assert not unknown, f"parameters openai does not know: {sorted(unknown)}"
    for index, tool in enumerate(body.get("tools") or []):
        no_extras(_TOOL.validate_python(tool), f"tools[{index}]")
    items = body["input"]
    if isinstance(items, str):
        return
    for index, item in enumerate(items):
        no_extras(_INPUT_ITEM.validate_python(item), f"input[{index}]")


def check_response(raw: dict[str, Any], *, recorded: bool = False) -> Response:
    """A response body: parses with openai's `Response`; every computer call strictly too.

    ``recorded``: a payload recorded before the API added required usage details
    (``input_tokens_details.cache_write_tokens``) is checked without its ``usage``."""
    response = Response.model_validate({**raw, "usage": None} if recorded else raw)
    for index, item in enumerate(raw.get("output") or []):
        if item.get("type") == "computer_call":
            no_extras(ResponseComputerToolCall.model_validate(item), f"output[{index}]")
    return response
