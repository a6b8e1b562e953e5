"""The command language: every command, the separators, quoting, and every refusal."""

from __future__ import annotations

import pytest

from console_app.engine.commands import (
    LANGUAGE_HELP,
    CheckStep,
    CommandError,
    DragStep,
    FocusFieldStep,
    NavigateStep,
    PointerStep,
    PressStep,
    ScrollStep,
    TypeStep,
    WaitStep,
    needs_screen,
    parse_command,
    parse_task,
    split_commands,
    try_parse_task,
)


@pytest.mark.parametrize(
    ("command", "action", "target"),
    [
        ("click Submit order", "click", "Submit order"),
        ('click "Submit order"', "click", "Submit order"),
        ("Click   OK", "click", "OK"),
        ("left click OK", "click", "OK"),
        ("double click report.txt", "double_click", "report.txt"),
        ("double-click report.txt", "double_click", "report.txt"),
        ("doubleclick report.txt", "double_click", "report.txt"),
        ("triple click The first line", "triple_click", "The first line"),
        ("right click Desktop", "right_click", "Desktop"),
        ("right-click “Trash”", "right_click", "Trash"),
    ],
)
def test_pointer_commands(command: str, action: str, target: str) -> None:
    (step,) = parse_command(command)
    assert isinstance(step, PointerStep)
    assert (step.action, step.target, step.source) == (action, target, command)
    assert needs_screen(step)


def test_type_into_expands_to_a_field_click_then_typing() -> None:
    steps = parse_command('type "alice@example.com" into Email address')
    assert [type(s) for s in steps] == [FocusFieldStep, TypeStep]
    assert steps[0].target == "Email address"  # type: ignore[union-attr]
    assert steps[1].text == "alice@example.com"  # type: ignore[union-attr]
    assert needs_screen(steps[0]) and not needs_screen(steps[1])


def test_type_keeps_separators_and_escaped_quotes_inside_the_quotes() -> None:
    (step,) = parse_command(r'type "a; b then c \"q\" \\ d"')
    assert isinstance(step, TypeStep)
    assert step.text == 'a; b then c "q" \\ d'


@pytest.mark.parametrize(
    ("command", "keys"),
    [
        ("press enter", ["enter"]),
        ("press Return", ["enter"]),
        ("press ctrl+c", ["ctrl", "c"]),
        ("press Ctrl + Shift + T", ["ctrl", "shift", "t"]),
        ("press ctrl++", ["ctrl", "+"]),
        ("press esc", ["escape"]),
    ],
)
def test_press_canonicalises_keys(command: str, keys: list[str]) -> None:
    (step,) = parse_command(command)
    assert isinstance(step, PressStep)
    assert step.keys == keys


@pytest.mark.parametrize(
    ("command", "direction", "notches", "target"),
    [
        ("scroll down", "down", 3, None),
        ("scroll up 5", "up", 5, None),
        ("scroll down 3 on Results", "down", 3, "Results"),
        ('scroll left 2 notches on "Wide table"', "left", 2, "Wide table"),
        ("scroll right on Timeline", "right", 3, "Timeline"),
    ],
)
def test_scroll(command: str, direction: str, notches: int, target: str | None) -> None:
    (step,) = parse_command(command)
    assert isinstance(step, ScrollStep)
    assert (step.direction, step.notches, step.target) == (direction, notches, target)
    assert needs_screen(step) is (target is not None)


def test_drag_quoted_and_unquoted() -> None:
    (plain,) = parse_command("drag Apples to Basket")
    (quoted,) = parse_command('drag "Save to disk" to "Trash can"')
    assert isinstance(plain, DragStep) and isinstance(quoted, DragStep)
    assert (plain.start, plain.end) == ("Apples", "Basket")
    assert (quoted.start, quoted.end) == ("Save to disk", "Trash can")


def test_go_to_wait_and_check() -> None:
    (nav,) = parse_command("go to https://example.com/a?b=1")
    (nav2,) = parse_command("goto example.com")
    (wait_default,) = parse_command("wait")
    (wait_two,) = parse_command("wait 2.5 seconds")
    (check,) = parse_command('check "Order placed"')
    assert isinstance(nav, NavigateStep) and nav.url == "https://example.com/a?b=1"
    assert isinstance(nav2, NavigateStep) and nav2.url == "example.com"
    assert isinstance(wait_default, WaitStep) and wait_default.seconds == 1.0
    assert isinstance(wait_two, WaitStep) and wait_two.seconds == 2.5
    assert isinstance(check, CheckStep) and check.text == "Order placed"
    assert needs_screen(check) and not needs_screen(nav) and not needs_screen(wait_two)


def test_separators_newlines_semicolons_and_then() -> None:
    text = """
        1. click File
        - click "Save as" then type "report; final.txt" into File name
        # a comment line is skipped
        press enter; wait 2, then check "Saved"
    """
    assert split_commands(text) == [
        "click File",
        'click "Save as"',
        'type "report; final.txt" into File name',
        "press enter",
        "wait 2",
        'check "Saved"',
    ]
    steps = parse_task(text)
    assert [s.kind for s in steps] == [
        "pointer",
        "pointer",
        "focus_field",
        "type",
        "press",
        "wait",
        "check",
    ]


def test_then_inside_a_word_or_quotes_does_not_split() -> None:
    assert split_commands('click Authentication; click "now then later"') == [
        "click Authentication",
        'click "now then later"',
    ]


@pytest.mark.parametrize(
    ("task", "fragment"),
    [
        ("", "empty"),
        ("open the pod bay doors", "unknown command"),
        ("click", "needs the text to click"),
        ("type hello", "double quotes"),
        ('type "" into Name', "nothing to type"),
        ('type "x" onto Name', 'expected "into <field>"'),
        ("press", "needs a key"),
        ("press ctrl+nosuchkey", "unknown key 'nosuchkey'"),
        ("press ctrl+", "unknown key"),
        ("scroll down 500", "1 to 50 notches"),
        ("wait 61", "at most 60"),
        ("go to exa mple.com", "cannot contain spaces"),
        ("drag Apples", "drag <text> to <text>"),
        ('click "unterminated', "not closed"),
        ('click "A" extra', "unexpected"),
        ("click OK\nfly away", "command 2"),
    ],
)
def test_refusals_name_the_problem(task: str, fragment: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_task(task)
    assert fragment in str(caught.value)
    assert try_parse_task(task) is None


def test_too_many_steps_is_refused() -> None:
    assert len(parse_task("\n".join(["press enter"] * 1000))) == 1000
    with pytest.raises(CommandError, match="at most 1000 steps"):
        parse_task("\n".join(["press enter"] * 1001))


def test_help_lists_every_command() -> None:
    for word in ("click", "double click", "triple click", "right click", "type", "into", "press"):
        assert word in LANGUAGE_HELP
    for word in ("scroll", "drag", "go to", "wait", "check", "then", "not an AI model"):
        assert word in LANGUAGE_HELP
