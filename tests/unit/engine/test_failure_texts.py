"""Every failure text the engine can produce is one grammatical sentence of a known shape."""

from __future__ import annotations

import re

import numpy as np
import pytest

from console_app.engine.commands import parse_task
from console_app.engine.grounding import Display, Failed, Screen, ground
from console_app.engine.images import Screenshot
from console_app.engine.ocr import Box, OcrResult, TextLine
from console_app.engine.planner import Turn, plan_turn

LINES = (
    TextLine("Part 007 bearing", 0.99, Box(10, 10, 170, 30)),
    TextLine("report_103.txt", 0.99, Box(10, 50, 150, 70)),
    TextLine("$ echo 1234", 0.99, Box(10, 90, 130, 110)),
    TextLine("Unsaved changes", 0.99, Box(10, 130, 170, 150)),
    TextLine("Sbumit order", 0.99, Box(10, 170, 130, 190)),
    TextLine("+/-", 0.99, Box(10, 210, 40, 230)),
)
SHOT = Screenshot(640, 480, "failure-texts", np.full((480, 640, 3), 255, np.uint8))

SENTENCE = re.compile(
    r'^(?:Stopped instead of guessing|The check failed): "[^"]+" is not on the screen'
    r'(?:; closest: "[^"]+" \(not taken: [^()]+(?:\([^()]*\)[^()]*)*\))?'
    r"\. \(Step \d+/\d+ — [^\n]+\)$"
)

TASKS = [
    'click "Part 047 bearing"',
    'double click "report_137.txt"',
    'check "234"',
    'check "Saved"',
    'check "Submit order"',
    "click =",
    "click -",
    "right click Nowhere",
    'type "x" into "Customer number"',
    "drag Part 007 bearing to Archive",
    "scroll down 2 on Results",
]


@pytest.mark.parametrize("task", TASKS)
def test_failure_messages_are_sentences(task: str) -> None:
    screen = Screen(SHOT, lambda _shot: OcrResult(LINES, 640, 480, 0.0))
    out = plan_turn(None, Turn(task, screen, Display(640, 480)))
    assert out.action is not None and out.action["type"] == "terminate"
    assert out.action["status"] == "failure"
    message = out.message or ""
    assert SENTENCE.match(message), message
    assert "could not find" not in message and ".." not in message
    assert message[0].isupper()
    assert out.action["result"] == message


def test_the_issue_example_reads_as_a_sentence() -> None:
    (step,) = parse_task("click =")
    screen = Screen(SHOT, lambda _shot: OcrResult((), 640, 480, 0.0))
    outcome = ground(step, screen, Display(640, 480), "Step 2/3 — click =")
    assert isinstance(outcome, Failed)
    assert outcome.message == (
        'Stopped instead of guessing: "=" is not on the screen. (Step 2/3 — click =)'
    )
    assert outcome.note == (
        'Step 2/3 — click =: "=" is not on the screen. Stopping instead of guessing.'
    )


def test_a_refusal_names_the_closest_text_and_why() -> None:
    (step,) = parse_task('click "Part 047 bearing"')
    screen = Screen(SHOT, lambda _shot: OcrResult(LINES, 640, 480, 0.0))
    outcome = ground(step, screen, Display(640, 480), "Step 1/1 — click")
    assert isinstance(outcome, Failed)
    assert outcome.message == (
        'Stopped instead of guessing: "Part 047 bearing" is not on the screen; closest: '
        '"part 007 bearing" (not taken: the number differs: 047 asked, 007 on the screen). '
        "(Step 1/1 — click)"
    )
