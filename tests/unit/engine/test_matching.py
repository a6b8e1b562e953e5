"""The matching rules: look-alikes are never taken, and every refusal says why."""

from __future__ import annotations

import pytest

from console_app.engine.glyphs import ControlLine
from console_app.engine.grounding import describe_match, describe_miss
from console_app.engine.locate import Match, Miss, locate
from console_app.engine.matching import (
    compare_tokens,
    fold_confusions,
    key,
    normalize,
    osa_distance,
    protected,
)
from console_app.engine.ocr import Box, OcrResult, TextLine


def line(text: str, x0: float = 0, y0: float = 0, x1: float = 200, y1: float = 20) -> TextLine:
    return TextLine(text=text, score=0.99, box=Box(x0, y0, x1, y1))


def ocr(*lines: TextLine) -> OcrResult:
    return OcrResult(lines=lines, width=1280, height=720, seconds=0.0)


def miss(target: str, *texts: str, whole: bool = False) -> Miss:
    screen = ocr(*(line(t, 0, 30 * i, 200, 30 * i + 20) for i, t in enumerate(texts)))
    found = locate(target, screen, whole=whole)
    assert isinstance(found, Miss), f"{target!r} was taken: {found}"
    return found


def hit(target: str, *texts: str, whole: bool = False) -> Match:
    screen = ocr(*(line(t, 0, 30 * i, 200, 30 * i + 20) for i, t in enumerate(texts)))
    found = locate(target, screen, whole=whole)
    assert isinstance(found, Match), f"{target!r} not found: {describe_miss(found)}"
    return found


# -- numbers -------------------------------------------------------------------------------


def test_a_different_number_is_never_taken_and_the_miss_says_why() -> None:
    found = miss("Part 047 bearing", "Part 007 bearing", "Part 017 housing")
    assert found.best_text == "part 007 bearing"
    assert found.reason == "the number differs: 047 asked, 007 on the screen"
    text = describe_miss(found)
    assert text == (
        '"Part 047 bearing" is not on the screen; closest: "part 007 bearing" '
        "(not taken: the number differs: 047 asked, 007 on the screen)"
    )


@pytest.mark.parametrize(
    ("target", "screen"),
    [
        ("Invoice 1234", "Invoice 1243"),
        ("Room 12", "Room 121"),
        ("Order #5581", "Order #5518"),
        ("v2.1 notes", "v2.7 notes"),
        ("Step 3 of 9", "Step 8 of 9"),
    ],
)
def test_numbers_must_be_equal(target: str, screen: str) -> None:
    found = miss(target, screen)
    assert found.reason is not None
    assert "number" in found.reason or "only part of" in found.reason, found.reason


def test_a_number_is_never_found_inside_a_longer_number() -> None:
    found = miss("234", "$ echo 1234")
    assert found.reason == '"234" is only part of "1234"'
    assert isinstance(locate("1234", ocr(line("x1234"))), Miss)
    assert isinstance(locate("1234", ocr(line("12345"))), Miss)
    assert isinstance(locate("1234", ocr(line("1234.5"))), Miss)


def test_check_1234_does_not_pass_on_234() -> None:
    found = miss("1234", "$ 234", "user@host:~$ echo 234", whole=True)
    assert found.best_text is not None and "234" in found.best_text


def test_a_whole_number_inside_a_line_is_found() -> None:
    found = hit("1234", "Total: 1234 items", whole=True)
    assert found.kind == "substring" and found.matched_text == "1234"
    assert hit("1234", "(1234)").kind == "exact"


def test_ocr_confusions_inside_numbers_are_forgiven_and_documented_ones_only() -> None:
    assert fold_confusions("1o3") == "103"
    assert fold_confusions("report_l37.txt") == "report_137.txt"
    assert fold_confusions("l0") == "10"
    assert fold_confusions("47l") == "47l"  # a text cursor after 47, not 471
    assert fold_confusions("47|") == "47|"
    assert fold_confusions("blood") == "blood"  # no digit: letters stay letters
    assert hit("Room 103", "Room 1O3").kind == "exact"
    assert isinstance(locate("Room 103", ocr(line("Room 1O8"))), Miss)  # 3 ≠ 8, ever
    assert hit("room 47", "Meeting notes, room 47|", whole=True).matched_text == "room 47"


# -- identifiers ---------------------------------------------------------------------------


def test_a_different_file_name_is_never_taken() -> None:
    found = miss("report_137.txt", "report_103.txt", "report_173.txt")
    assert found.reason is not None and "number" in found.reason
    found = miss("config.yaml", "config.yml")
    assert found.reason == (
        'an identifier must match exactly: "config.yaml" asked, "config.yml" on the screen'
    )


def test_a_match_never_cuts_an_identifier() -> None:
    found = miss("report_1.txt", "report_1.txt.bak")
    assert found.reason is not None and "cut" in found.reason
    assert hit("report_1.txt", "Open report_1.txt?").matched_text == "report_1.txt"


def test_protected_tokens() -> None:
    assert protected("047")
    assert protected("report_137.txt")
    assert protected("user@example.org")
    assert protected("a/b")
    assert not protected("Submit")
    assert not protected("Name:")
    assert not protected("(Cancel)")


# -- letters: what fuzzy may forgive -------------------------------------------------------


def test_fuzzy_forgives_letter_noise_only() -> None:
    found = hit("Submit order", "Sbumit order")
    assert found.kind == "fuzzy"
    assert hit("Delivery address", "Please enter your delivery adress here").kind == "fuzzy"
    assert hit("Preferences", "Preferenccs").kind == "fuzzy"


def test_a_different_word_is_not_noise() -> None:
    found = miss("Save", "Saved")
    assert found.reason is not None
    found = miss("Cancel", "Cancelled")
    assert found.reason is not None
    assert miss("Open", "Opal").reason is not None  # 4 letters: only 1 edit, this is 2
    assert miss("Run", "Ran").reason == (
        'short words must match exactly: "run" asked, "ran" on the screen'
    )


def test_check_never_takes_a_fuzzy_or_partial_hit() -> None:
    found = miss("Submit order", "Sbumit order", whole=True)
    assert found.reason == "a check needs the exact text, and this only looks like it"
    partial = miss("Saved", "Unsaved changes", whole=True)
    assert partial.reason == '"saved" is only part of "unsaved"'
    assert hit("Saved", "File Saved.", whole=True).kind == "substring"
    assert hit("submitted: ada lovelace", "Submitted: Ada  Lovelace", whole=True).kind == "exact"


def test_spacing_case_and_surrounding_punctuation_aside() -> None:
    assert hit("Part 047 bearing", "PART 047BEARING").kind == "exact"
    assert hit('"Hello, world!"', "hello, world", whole=True).kind == "exact"
    found = hit("Edit", "FileEditView")  # OCR dropped the spaces; capitals show the words
    assert found.kind == "substring" and found.matched_text == "edit"
    assert isinstance(locate("dit", ocr(line("FileEditView"))), Miss)


def test_compare_tokens_reasons() -> None:
    assert compare_tokens(["submit"], ["sbumit"]).ok
    assert not compare_tokens(["part", "047"], ["part", "007"]).ok
    verdict = compare_tokens(["a", "b"], ["a"])
    assert not verdict.ok and verdict.reason == "it has 1 word(s), not 2"
    assert osa_distance("submit", "sbumit") == 1
    assert osa_distance("kitten", "sitting") == 3


# -- single glyphs -------------------------------------------------------------------------


def test_a_lone_symbol_is_a_whole_label_not_part_of_one() -> None:
    assert isinstance(locate("+", ocr(line("+/-"))), Miss)
    assert isinstance(locate("-", ocr(line("+/-"), line("x-y", 0, 30, 90, 50))), Miss)
    assert hit("+", "+/-", "+").matched_text == "+"
    assert hit("=", "7 8 9 =").matched_text == "="


def test_same_key_spellings() -> None:
    assert hit("×", "*").kind == "exact"
    assert hit("*", "×").kind == "exact"
    assert hit("÷", "/").kind == "exact"
    assert hit("⌫", "<-").kind == "exact"
    assert hit("−", "-").kind == "exact"
    assert key("<-") == "←" and normalize("−") == "-"
    assert isinstance(locate("+", ocr(line("×"))), Miss)


# -- ambiguity -----------------------------------------------------------------------------


def test_equal_matches_take_a_button_label_then_reading_order_and_list_the_others() -> None:
    display = line("0", 900, 80, 920, 100)
    key0 = ControlLine("0", 0.99, Box(760, 450, 780, 470), button=Box(750, 445, 790, 475))
    other = line("0", 100, 500, 120, 520)
    found = locate("0", ocr(display, other, key0))
    assert isinstance(found, Match) and found.line is key0
    assert found.candidates == 1  # the button label is strictly better

    a = line("OK", 500, 40, 540, 60)
    b = line("OK", 10, 40, 50, 60)
    c = line("OK", 10, 300, 50, 320)
    found = locate("OK", ocr(a, c, b))
    assert isinstance(found, Match) and found.line is b and found.candidates == 3
    text = describe_match(found)
    assert "3 equally good matches" in text
    assert '"OK" at (520, 50)' in text and '"OK" at (30, 310)' in text


def test_exact_beats_substring_beats_fuzzy() -> None:
    found = hit("Open", "Open file", "Opem", "Open")
    assert found.kind == "exact" and found.line.text == "Open"
    found = hit("Open", "Open file", "Opem")
    assert found.kind == "substring"


def test_a_lone_x_on_a_button_stands_for_times_only_as_a_fallback() -> None:
    x_key = ControlLine("x", 0.9, Box(700, 420, 720, 440), button=Box(690, 415, 730, 445))
    factorial = ControlLine("x!", 0.99, Box(760, 270, 780, 290), button=Box(750, 265, 790, 295))
    plain_x = line("x", 10, 10, 20, 30)
    found = locate("×", ocr(factorial, plain_x, x_key))
    assert isinstance(found, Match) and found.line is x_key
    assert isinstance(locate("×", ocr(factorial, plain_x)), Miss)  # "x!" and plain text: no
    star = ControlLine("*", 0.5, Box(700, 460, 720, 480), button=Box(690, 455, 730, 485))
    found = locate("×", ocr(x_key, star))
    assert isinstance(found, Match) and found.line is star  # the real symbol wins
    assert isinstance(locate("x", ocr(star)), Miss)  # the letter never takes the symbol
