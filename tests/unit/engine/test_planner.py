"""The planner's turn logic, on screens whose OCR text is given (no model runs here).

Covers every command's action shape, coordinate scaling to the declared display, chaining,
feedback, replacement commands, the screenshot request, check, not-found and the ending.
"""

from __future__ import annotations

import numpy as np

from console_app.engine.grounding import SCROLL_UNIT_PX, Display, Screen
from console_app.engine.images import Screenshot
from console_app.engine.ocr import Box, OcrResult, TextLine
from console_app.engine.planner import PlanState, Turn, TurnOutput, plan_turn

SHOT_W, SHOT_H = 1000, 500


class CountingReader:
    def __init__(self, lines: list[TextLine]) -> None:
        self.lines = lines
        self.calls = 0

    def __call__(self, shot: Screenshot) -> OcrResult:
        self.calls += 1
        return OcrResult(lines=tuple(self.lines), width=shot.width, height=shot.height, seconds=0)


def line(text: str, x0: float, y0: float, x1: float, y1: float) -> TextLine:
    return TextLine(text=text, score=0.93, box=Box(x0, y0, x1, y1))


LINES = [
    line("Submit order", 100, 100, 200, 120),
    line("Cancel", 300, 100, 360, 120),
    line("Apples", 100, 300, 160, 320),
    line("Basket", 700, 300, 760, 320),
    line("Results", 500, 200, 570, 220),
]


def screen(lines: list[TextLine] | None = None) -> tuple[Screen, CountingReader]:
    reader = CountingReader(LINES if lines is None else lines)
    pixels = np.full((SHOT_H, SHOT_W, 3), 240, dtype=np.uint8)
    shot = Screenshot(width=SHOT_W, height=SHOT_H, digest="test", pixels=pixels)
    return Screen(shot, reader), reader


def turn(text: str = "", *, with_screen: bool = True, display: Display | None = None) -> Turn:
    return Turn(text, screen()[0] if with_screen else None, display or Display(SHOT_W, SHOT_H))


def run(task: str, *followups: str, display: Display | None = None) -> list[TurnOutput]:
    """The task, then one chained turn per follow-up text ("" = a plain computer_call_output)."""
    outputs = [plan_turn(None, turn(task, display=display))]
    for text in followups:
        outputs.append(plan_turn(outputs[-1].state, turn(text, display=display)))
    return outputs


def test_click_variants_hit_the_text_centre() -> None:
    for command, kind in [
        ("click Submit order", "click"),
        ("double click Cancel", "double_click"),
        ("triple click Apples", "triple_click"),
        ("right click Basket", "right_click"),
    ]:
        (out,) = run(command)
        assert out.action is not None and out.action["type"] == kind
        x, y = out.action["x"], out.action["y"]
        target = next(ln for ln in LINES if ln.text.lower() in command.lower())
        assert (x, y) == (round(target.box.center[0]), round(target.box.center[1]))
        assert (out.action.get("button") == "left") is (kind == "click")
        assert "OCR score 0.93" in "\n".join(out.notes)


def test_coordinates_are_scaled_to_the_declared_display() -> None:
    (out,) = run("click Submit order", display=Display(1920, 1080))
    assert out.action is not None
    assert (out.action["x"], out.action["y"]) == (round(150 * 1.92), round(110 * 2.16))
    assert "on the 1000×500 screenshot" in out.notes[-1]
    assert "on the 1920×1080 display" in out.notes[-1]


def test_non_screen_commands_make_the_right_actions_without_ocr() -> None:
    reader_screen, reader = screen()
    state = None
    expected = [
        {"type": "type", "text": "hello"},
        {"type": "keypress", "keys": ["ctrl", "shift", "t"]},
        {"type": "navigate", "url": "https://example.com"},
        {"type": "wait", "seconds": 2.0},
        {"type": "scroll", "x": 500, "y": 250, "scroll_x": 0, "scroll_y": 2 * SCROLL_UNIT_PX},
        {"type": "hscroll", "x": 500, "y": 250, "scroll_x": -SCROLL_UNIT_PX},
    ]
    task = (
        'type "hello"; press ctrl+shift+t; go to https://example.com; wait 2; '
        "scroll down 2; scroll left 1"
    )
    for index, action in enumerate(expected):
        out = plan_turn(
            state, Turn(task if index == 0 else "", reader_screen, Display(SHOT_W, SHOT_H))
        )
        assert out.action == action
        state = out.state
    assert reader.calls == 0  # none of these steps needed the screen read


def test_scroll_on_text_and_drag() -> None:
    (scroll,) = run("scroll up 4 on Results")
    assert scroll.action == {"type": "scroll", "x": 535, "y": 210, "scroll_x": 0, "scroll_y": -400}
    (drag,) = run("drag Apples to Basket")
    assert drag.action == {"type": "drag", "x": 130, "y": 310, "end_x": 730, "end_y": 310}


def test_chain_advances_and_ends_with_message_and_terminate_success() -> None:
    first, second, last = run("click Submit order then press enter", "", "")
    assert first.action is not None and first.action["type"] == "click"
    assert second.action == {"type": "keypress", "keys": ["enter"]}
    assert last.message is not None and "all 2 step(s)" in last.message
    assert last.action == {"type": "terminate", "status": "success", "result": last.message}
    assert last.state.finished == "success"


def test_missing_text_fails_without_guessing() -> None:
    (out,) = run("click Checkout")
    assert out.action is not None
    assert out.action["type"] == "terminate" and out.action["status"] == "failure"
    assert out.message is not None
    assert '"Checkout" is not on the screen' in out.message
    assert "instead of guessing" in out.message
    assert out.state.finished == "failure"


def test_drag_names_the_missing_end() -> None:
    (out,) = run("drag Apples to Fridge")
    assert out.message is not None and '"Fridge" is not on the screen' in out.message


def test_unknown_command_explains_the_language() -> None:
    (out,) = run("please book me a flight")
    assert out.action is not None and out.action["status"] == "failure"
    assert out.message is not None
    assert "unknown command" in out.message and "not an AI model" in out.message


def test_check_passes_through_to_the_next_step_or_fails() -> None:
    (passing,) = run('check "Submit order" then click Cancel')
    assert passing.action is not None and passing.action["type"] == "click"
    assert any("check passed" in note for note in passing.notes)
    (last_check,) = run('check "Basket"')
    assert last_check.action is not None and last_check.action["status"] == "success"
    (failing,) = run('check "Order placed"')
    assert failing.action is not None and failing.action["status"] == "failure"
    assert failing.message is not None and "The check failed" in failing.message


def test_no_screenshot_asks_for_one_then_grounds_the_same_step() -> None:
    first = plan_turn(None, turn("click Cancel", with_screen=False))
    assert first.action == {"type": "wait", "seconds": 1.0}
    assert first.state.awaiting_screenshot and first.state.pending == 0
    second = plan_turn(first.state, turn(""))
    assert second.action is not None and second.action["type"] == "click"
    assert (second.action["x"], second.action["y"]) == (330, 110)


def test_feedback_replans_the_same_step() -> None:
    first, again = run("click Cancel then press enter", "that was the wrong button, look again")
    assert again.action is not None and again.action["type"] == "click"
    assert again.state.pending == 0
    assert any("Feedback received" in note for note in again.notes)


def test_skipped_feedback_moves_on() -> None:
    _, after_skip = run(
        "click Cancel then press enter",
        "The human supervisor skipped the action (click at (330, 110)); continue with the task.",
    )
    assert after_skip.action == {"type": "keypress", "keys": ["enter"]}
    assert any("skipped; moving on" in note for note in after_skip.notes)


def test_feedback_in_the_language_replaces_the_rest_of_the_plan() -> None:
    first, replaced, after = run(
        "click Cancel then press enter then press tab", "click Submit order; press escape", ""
    )
    assert replaced.action is not None and replaced.action["type"] == "click"
    assert (replaced.action["x"], replaced.action["y"]) == (150, 110)
    assert after.action == {"type": "keypress", "keys": ["escape"]}
    assert [s.source for s in after.state.steps] == [
        "click Submit order",
        "press escape",
    ]


def test_after_the_end_new_commands_start_a_new_plan_and_anything_else_repeats_it() -> None:
    outputs = run("press enter", "", "hello?", "press tab")
    done, repeat, restarted = outputs[1], outputs[2], outputs[3]
    assert done.state.finished == "success"
    assert repeat.action is not None and repeat.action["status"] == "success"
    assert restarted.action == {"type": "keypress", "keys": ["tab"]}


def test_state_round_trips_through_json() -> None:
    (out,) = run('type "x" into Submit order then scroll down on Results')
    restored = PlanState.model_validate_json(out.state.model_dump_json())
    assert restored == out.state
    follow = plan_turn(restored, turn(""))
    assert follow.action == {"type": "type", "text": "x"}
