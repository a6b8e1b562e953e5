"""The engine's "model": walk a parsed plan one action per turn, grounded on each screenshot.

Conversation state (`PlanState`) is stored with every response, so a turn chained with
``previous_response_id`` continues exactly where that response left off:

* **First turn** (no previous response): the user text of ``input`` is the task, in the
  command language (``instructions`` and system/developer messages are stored and echoed but
  never executed — clients put general prompts there). A task that does not parse ends at once
  with a message explaining the language and ``terminate`` / ``failure``.
* **Chained turn without user text** (the usual ``computer_call_output`` with a screenshot):
  the step whose call was answered counts as done; the next one is grounded on the new
  screenshot. If the previous call only asked for a screenshot, the same step is grounded now.
* **Chained turn with user text** (e.g. a reviewer's "that was wrong, …"): if the text is
  itself a task in the language, it **replaces** the answered step and everything after it;
  if it says the step was skipped (the word "skip"/"skipped", as the console's skip message
  does) the step counts as done; otherwise it is acknowledged in the reasoning and the **same**
  step is grounded again on the new screenshot (it is not counted as done).
* A ``check`` that passes moves on to the next step in the same turn.
* After the last step: a ``message`` and ``terminate`` / ``success``. A step whose text is not
  on the screen: a ``message`` saying what was missing and ``terminate`` / ``failure``.
* A step that needs the screen when the turn has no screenshot: a ``wait`` call asking for one.
* After the task ended, new commands start a new plan; anything else repeats the ending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from console_app.engine.commands import (
    LANGUAGE_HELP,
    CommandError,
    Step,
    needs_screen,
    parse_task,
    try_parse_task,
)
from console_app.engine.grounding import Act, Display, Failed, Passed, Screen, ground

SCREENSHOT_REQUEST: dict[str, Any] = {"type": "wait", "seconds": 1.0}
_SKIPPED = re.compile(r"\bskip(?:ped)?\b", re.IGNORECASE)


class PlanState(BaseModel):
    """What the engine remembers between turns (stored as JSON with each response)."""

    model_config = ConfigDict(extra="ignore")
    steps: list[Step] = Field(default_factory=list)
    index: int = 0
    pending: int | None = None  # the step whose call this response issued
    awaiting_screenshot: bool = False  # that call was a wait asking for a screenshot
    finished: Literal["success", "failure"] | None = None
    final_message: str | None = None


@dataclass
class Turn:
    """What one request brings: its user text and its latest screenshot (with OCR)."""

    text: str
    screen: Screen | None
    display: Display


@dataclass
class TurnOutput:
    """The planner's answer: notes for the reasoning item, then a call and/or a message."""

    notes: list[str] = field(default_factory=list)
    action: dict[str, Any] | None = None
    message: str | None = None
    state: PlanState = field(default_factory=PlanState)


def _terminate(out: TurnOutput, status: Literal["success", "failure"], message: str) -> TurnOutput:
    out.message = message
    out.action = {"type": "terminate", "status": status, "result": message}
    out.state = out.state.model_copy(
        update={"finished": status, "final_message": message, "pending": None}
    )
    return out


def start(text: str) -> PlanState | str:
    """Parse a new task: its state, or the explanation of why it is not in the language."""
    try:
        return PlanState(steps=parse_task(text))
    except CommandError as exc:
        return f"I cannot follow this task: {exc}.\n\n{LANGUAGE_HELP}"


def plan_turn(previous: PlanState | None, turn: Turn) -> TurnOutput:
    """One turn. Pure: the same state, text and screenshot give the same answer."""
    out = TurnOutput()
    if previous is None:
        started = start(turn.text)
        if isinstance(started, str):
            out.notes.append("The task is not in the command language.")
            return _terminate(out, "failure", started)
        out.state = started
        out.notes.append(f"Task parsed into {len(started.steps)} step(s).")
    else:
        resumed = _resume(previous, turn.text, out)
        if resumed is None:
            return out
        out.state = resumed
    return _walk(out, turn)


def _resume(previous: PlanState, text: str, out: TurnOutput) -> PlanState | None:
    text = text.strip()
    new_steps = try_parse_task(text) if text else None
    if previous.finished is not None:
        if new_steps is not None:
            out.notes.append(
                f"The previous task had ended; starting the {len(new_steps)} new step(s)."
            )
            return PlanState(steps=new_steps)
        out.state = previous
        ended = previous.final_message or "The task has ended."
        out.notes.append(
            "The task had already ended; nothing left to do. Send new commands to continue."
        )
        _terminate(out, previous.finished, ended)
        return None
    answered = previous.pending if previous.pending is not None else previous.index
    if new_steps is not None:
        dropped = len(previous.steps) - answered
        out.notes.append(
            f"New commands received: they replace the remaining {dropped} step(s) "
            f"with {len(new_steps)} new one(s)."
        )
        steps = [*previous.steps[:answered], *new_steps]
        return PlanState(steps=steps, index=answered)
    if text and _SKIPPED.search(text):
        out.notes.append(f'Feedback received: "{text}". The step was skipped; moving on.')
        return previous.model_copy(update={"index": answered + 1, "pending": None})
    if text:
        out.notes.append(
            f'Feedback received: "{text}". It is not a command, so the same step is planned '
            "again on the new screenshot."
        )
        return previous.model_copy(update={"index": answered, "pending": None})
    if previous.pending is None or previous.awaiting_screenshot:
        return previous.model_copy(update={"index": answered, "pending": None})
    return previous.model_copy(update={"index": answered + 1, "pending": None})


def _walk(out: TurnOutput, turn: Turn) -> TurnOutput:
    state = out.state
    total = len(state.steps)
    index = state.index
    while index < total:
        step = state.steps[index]
        label = f"Step {index + 1}/{total} — {step.source}"
        if needs_screen(step) and turn.screen is None:
            out.notes.append(
                f"{label}: needs a screenshot and this turn has none; asking for one with a "
                "short wait (answer it with a computer_call_output carrying the screen)."
            )
            out.action = dict(SCREENSHOT_REQUEST)
            out.state = state.model_copy(
                update={"index": index, "pending": index, "awaiting_screenshot": True}
            )
            return out
        outcome = ground(step, turn.screen, turn.display, label)
        out.notes.append(outcome.note)
        if isinstance(outcome, Passed):
            index += 1
            continue
        if isinstance(outcome, Failed):
            out.state = state.model_copy(update={"index": index})
            return _terminate(out, "failure", outcome.message)
        assert isinstance(outcome, Act)
        out.action = outcome.action
        out.state = state.model_copy(
            update={"index": index, "pending": index, "awaiting_screenshot": False}
        )
        return out
    out.state = state.model_copy(update={"index": total})
    done = f"Done: all {total} step(s) of the task were carried out."
    out.notes.append(done)
    return _terminate(out, "success", done)
