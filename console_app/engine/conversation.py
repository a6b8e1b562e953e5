"""Read one create request: which model, what the user said, which screenshot, what size.

Both seed dialects are accepted: ``input`` as a string or as an array of items; screenshots
as ``input_image`` blocks in a user message or as the ``output`` of a ``computer_call_output``
(``input_image`` or ``computer_screenshot``). Every image in the request is checked (so a bad
one is a 400, never a 500), but only the *last* one — the screen the turn is grounded on — is
decoded; the others are probed (header only, see ``images.py``).

The display size is the computer tool's ``display_width`` × ``display_height`` when given,
else the screenshot's size, else the previous response's viewport, else 1024×768 (seed 004).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from console_app.api.types import (
    ComputerCallOutputItem,
    CreateParams,
    InputImage,
    MessageItem,
    Viewport,
)
from console_app.api.types.content import block_text
from console_app.engine.errors import bad_request
from console_app.engine.images import Screenshot, decode_image_url, probe_image_url
from console_app.engine.openai_dialect import is_openai_model

MODEL = "local-engine"
# Lightcone clients can point at the engine without changing their model name.
LIGHTCONE_ALIAS = "tzafon.northstar-cua-fast"
MODEL_ALIASES = frozenset({MODEL, "local", LIGHTCONE_ALIAS})
DEFAULT_DISPLAY = (1024, 768)
_TASK_ROLES = frozenset({None, "user"})
_IMAGE_TYPES = frozenset({"input_image", "computer_screenshot"})


@dataclass
class RequestInput:
    """The parts of a request the planner uses."""

    text: str = ""
    screenshot: Screenshot | None = None
    image_count: int = 0
    call_ids: list[str] = field(default_factory=list)


def check_model(model: str | None, *, openai: bool = False) -> str:
    """The model name to answer with (the engine's own, ``local-engine``, whichever alias was
    asked for); 400 for anything the engine does not serve.

    A request in OpenAI's dialect may name OpenAI's computer-use model
    (``computer-use-preview*``): the engine stands in for it and echoes the name."""
    if model is None or model in MODEL_ALIASES:
        return MODEL
    if openai and is_openai_model(model):
        return model
    raise bad_request(
        f"The local engine serves only the model {MODEL!r} (aliases: 'local', "
        f"{LIGHTCONE_ALIAS!r}), "
        f"not {model!r}. Switch the profile to Lightcone to use other models.",
        code="model_not_found",
        param="model",
    )


def read_input(params: CreateParams) -> RequestInput:
    """Collect user text, call ids and images; decode the last image (CPU work: in a thread)."""
    result = RequestInput()
    if isinstance(params.input, str):
        result.text = params.input
        return result
    texts: list[str] = []
    images: list[tuple[str, str]] = []
    for i, item in enumerate(params.input or []):
        if isinstance(item, MessageItem) and item.role in _TASK_ROLES:
            if isinstance(item.content, str):
                texts.append(item.content)
                continue
            for j, block in enumerate(item.content or []):
                if isinstance(block, InputImage):
                    images.append(
                        (
                            _image_url(block, f"input[{i}].content[{j}]"),
                            f"input[{i}].content[{j}].image_url",
                        )
                    )
                elif text := block_text(block):
                    texts.append(text)
        elif isinstance(item, ComputerCallOutputItem):
            if item.call_id:
                result.call_ids.append(item.call_id)
            output = item.output
            if output is not None and output.image_url:
                images.append((output.image_url, f"input[{i}].output.image_url"))
            elif output is not None and output.type in _IMAGE_TYPES:
                raise bad_request(
                    f"input[{i}].output: a screenshot needs an image_url "
                    "(file ids are not supported by the local engine)",
                    code="invalid_image",
                    param=f"input[{i}].output.image_url",
                )
    result.text = "\n".join(t for t in texts if t.strip())
    for url, param in images[:-1]:
        probe_image_url(url, param=param)
    if images:
        url, param = images[-1]
        result.screenshot = decode_image_url(url, param=param)
    result.image_count = len(images)
    return result


def _image_url(block: InputImage, where: str) -> str:
    if not block.image_url:
        raise bad_request(
            f"{where}: an input_image needs an image_url (file ids are not supported by the "
            "local engine)",
            code="invalid_image",
            param=f"{where}.image_url",
        )
    return block.image_url


def resolve_viewport(
    params: CreateParams, screenshot: Screenshot | None, previous: Viewport | None
) -> Viewport:
    tool = params.computer_tool()
    width = tool.display_width if tool else None
    height = tool.display_height if tool else None
    environment = tool.environment if tool and tool.environment else None
    if environment is None and previous is not None:
        environment = previous.environment
    if (width is None) != (height is None):
        raise bad_request(
            "Give both display_width and display_height, or neither (then the size is taken "
            "from the screenshot).",
            code="invalid_display_size",
            param="tools",
        )
    if width is not None and height is not None:
        return Viewport(width=width, height=height, environment=environment)
    if screenshot is not None:
        return Viewport(width=screenshot.width, height=screenshot.height, environment=environment)
    if previous is not None and previous.width and previous.height:
        return Viewport(width=previous.width, height=previous.height, environment=environment)
    return Viewport(width=DEFAULT_DISPLAY[0], height=DEFAULT_DISPLAY[1], environment=environment)
