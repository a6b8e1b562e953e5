"""Building the requests of a run, and reading the model's answer into one `ModelTurn`.

Kept apart from the loop so the wire details (which item answers a call, how feedback is
phrased, how upload size is counted) are in one small place with its own tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from console_app.api.calls import UNFINISHED_STATUSES, proposals
from console_app.api.types import ComputerTool, CreateParams, Response
from console_app.api.types.items import (
    AcknowledgedSafetyCheck,
    screenshot_output,
    user_message,
)
from console_app.core.dialect import WireNames
from console_app.core.proposal import ProposedAction

IMAGE_PLACEHOLDER = "\x00image\x00"


@dataclass(frozen=True)
class RequestSettings:
    model: str
    environment: str = "desktop"
    tool_type: Literal["computer_use", "computer_use_preview", "computer"] = "computer_use"
    screenshot_output: Literal["input_image", "computer_screenshot"] = "input_image"
    instructions: str | None = None
    send_display: bool = True
    """The GA ``computer`` tool has no display size or environment fields."""
    image_detail: Literal["low", "high", "auto"] | None = None
    """``detail`` of screenshots sent as ``input_image`` (OpenAI's schema requires it)."""

    @classmethod
    def for_wire(cls, model: str, names: WireNames) -> RequestSettings:
        """The request settings of a dialect (``core/dialect.py``)."""
        return cls(
            model=model,
            environment=names.environment,
            tool_type=names.tool_type,
            screenshot_output=names.screenshot_output,
            send_display=names.send_display,
            image_detail="auto" if names.api == "openai" else None,
        )


@dataclass
class CallAnswer:
    """How the loop answers one ``computer_call`` on the next turn."""

    proposal: ProposedAction
    acknowledged: tuple[str, ...] = ()
    feedback: str | None = None  # a user message for the model (rejection, refusal, …)


@dataclass(frozen=True)
class ModelTurn:
    response: Response
    reasoning: str
    message: str
    proposals: tuple[ProposedAction, ...]

    @property
    def response_id(self) -> str:
        return self.response.id or ""


def read_turn(response: Response, max_batch: int | None = None) -> ModelTurn:
    """The model's answer; the calls of a response that did not complete are not executable,
    and neither is any call of a turn with more than ``max_batch`` of them (the profile's
    ``policy.limits.max_batch_actions``): an over-long batch is refused whole."""
    reasoning = "\n".join(t for t in (item.text() for item in response.reasoning()) if t)
    found = proposals(response)
    if max_batch is not None and len(found) > max_batch:
        reason = (
            f"the model proposed {len(found)} actions in one turn and the profile allows at "
            f"most {max_batch} (policy limits: max_batch_actions), so none of them runs"
        )
        found = [
            p
            if p.action is None
            else p.model_copy(update={"action": None, "error": reason, "error_field": "batch"})
            for p in found
        ]
    status = (response.status or "").strip().lower()
    if status in UNFINISHED_STATUSES:
        reason = f"the response is {status}, so its actions are not run"
        found = [
            p
            if p.action is None
            else p.model_copy(update={"action": None, "error": reason, "error_field": "status"})
            for p in found
        ]
    return ModelTurn(
        response=response,
        reasoning=reasoning,
        message=response.output_text(),
        proposals=tuple(found),
    )


def first_request(
    settings: RequestSettings, task: str, image_url: str, viewport: tuple[int, int]
) -> CreateParams:
    message = user_message(task, image_url, detail=settings.image_detail)
    return _params(settings, [message], None, viewport)


def follow_up_request(
    settings: RequestSettings,
    previous_response_id: str,
    answers: list[CallAnswer],
    image_url: str,
    viewport: tuple[int, int],
) -> CreateParams:
    """Answer every call of the previous turn with the new screen, then add feedback.

    A call without ``call_id`` cannot be answered by id; the screen then goes as a user image.
    """
    items: list[Any] = []
    needs_plain_image = not answers
    # A batched call (``actions: [...]``) has one answer per action but gets one output.
    by_call: dict[str, list[AcknowledgedSafetyCheck]] = {}
    for answer in answers:
        call_id = answer.proposal.call_id
        if not call_id:
            needs_plain_image = True
            continue
        checks = {c.id: c for c in answer.proposal.pending_safety_checks}
        acknowledged = by_call.setdefault(call_id, [])
        acknowledged.extend(
            AcknowledgedSafetyCheck(id=cid, code=checks[cid].code, message=checks[cid].message)
            for cid in answer.acknowledged
            if cid in checks and all(a.id != cid for a in acknowledged)
        )
    for call_id, acknowledged in by_call.items():
        items.append(
            screenshot_output(
                call_id, image_url, dialect=settings.screenshot_output, acknowledged=acknowledged
            )
        )
    feedback = [a.feedback for a in answers if a.feedback]
    if needs_plain_image:
        items.append(
            user_message(
                "\n".join(feedback) or "Here is the current screen.",
                image_url,
                detail=settings.image_detail,
            )
        )
    elif feedback:
        items.append(user_message("\n".join(feedback)))
    return _params(settings, items, previous_response_id, viewport)


def _params(
    settings: RequestSettings,
    items: list[Any],
    previous_response_id: str | None,
    viewport: tuple[int, int],
) -> CreateParams:
    if settings.send_display:
        tool = ComputerTool(
            type=settings.tool_type,
            display_width=viewport[0],
            display_height=viewport[1],
            environment=settings.environment,
        )
    else:
        tool = ComputerTool(type=settings.tool_type)
    return CreateParams(
        model=settings.model,
        input=items,
        previous_response_id=previous_response_id,
        instructions=settings.instructions,
        tools=[tool],
    )


def upload_size(params: CreateParams, image_url: str) -> int:
    """Bytes of the JSON body, counted without serialising the image twice (it is plain
    base64, so its JSON form is its own length)."""
    body = params.to_body()
    occurrences = _replace_images(body, image_url)
    return len(json.dumps(body).encode()) + occurrences * (len(image_url) - len(IMAGE_PLACEHOLDER))


def _replace_images(value: Any, image_url: str) -> int:
    count = 0
    if isinstance(value, dict):
        for key, item in value.items():
            if item == image_url:
                value[key] = IMAGE_PLACEHOLDER
                count += 1
            else:
                count += _replace_images(item, image_url)
    elif isinstance(value, list):
        for item in value:
            count += _replace_images(item, image_url)
    return count


def feedback_for(kind: str, summary: str, detail: str = "") -> str:
    """The sentence the model reads when its action did not run as proposed."""
    texts = {
        "rejected": f"The human supervisor rejected the action ({summary}).",
        "skipped": f"The human supervisor skipped the action ({summary}); continue with the task.",
        "blocked": f"The console's policy blocked the action ({summary}): {detail}",
        "invalid": f"The console could not understand the action: {detail}",
        "refused": f"The console refused to execute the action ({summary}): {detail}",
        "failed": f"Executing the action ({summary}) failed: {detail}",
        "stale": f"The action ({summary}) was not executed because {detail}; "
        "the attached screenshot shows the screen as it is now.",
    }
    return texts[kind]


__all__ = [
    "CallAnswer",
    "ModelTurn",
    "RequestSettings",
    "feedback_for",
    "first_request",
    "follow_up_request",
    "read_turn",
    "upload_size",
]
