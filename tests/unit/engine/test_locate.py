"""Text location over OCR lines: exact, substring (word boxes or proportional), fuzzy, miss."""

from __future__ import annotations

from console_app.engine.locate import FUZZY_THRESHOLD, Match, Miss, locate
from console_app.engine.ocr import Box, OcrResult, TextLine, Word


def line(text: str, x0: float, y0: float, x1: float, y1: float, score: float = 0.99) -> TextLine:
    return TextLine(text=text, score=score, box=Box(x0, y0, x1, y1))


def ocr(*lines: TextLine) -> OcrResult:
    return OcrResult(lines=lines, width=1000, height=800, seconds=0.0)


def test_exact_match_is_case_and_space_insensitive_and_ignores_edge_punctuation() -> None:
    screen = ocr(line("Submit order", 10, 10, 110, 30), line("Name:", 10, 50, 60, 70))
    found = locate("submit   ORDER", screen)
    assert isinstance(found, Match) and found.kind == "exact"
    assert found.box == Box(10, 10, 110, 30)
    label = locate("Name", screen)
    assert isinstance(label, Match) and label.kind == "exact" and label.line.text == "Name:"


def test_exact_match_survives_a_dropped_space() -> None:
    found = locate("Submit order", ocr(line("Submitorder", 10, 10, 110, 30)))
    assert isinstance(found, Match) and found.kind == "exact"


def test_exact_beats_substring_and_ties_go_to_reading_order() -> None:
    screen = ocr(
        line("Result 10", 10, 100, 80, 120),
        line("Result 1", 500, 40, 570, 60),
        line("Result 1", 10, 40, 80, 60),
    )
    found = locate("Result 1", screen)
    assert isinstance(found, Match)
    assert found.kind == "exact" and found.candidates == 2
    assert found.box.x0 == 10 and found.box.y0 == 40  # top-left first


def test_substring_uses_word_boxes_when_given() -> None:
    words = (
        Word("Submit", 0.99, Box(18, 68, 62, 85)),
        Word("order", 0.99, Box(67, 68, 99, 85)),
    )
    screen = ocr(TextLine("Submit order", 0.97, Box(14, 67, 100, 87), words))
    found = locate("order", screen)
    assert isinstance(found, Match) and found.kind == "substring"
    assert found.box == Box(67, 68, 99, 85)


def test_substring_without_word_boxes_is_proportional() -> None:
    screen = ocr(line("File Edit View", 0, 0, 140, 20))  # 14 characters, 10 px each
    found = locate("Edit", screen)
    assert isinstance(found, Match) and found.kind == "substring"
    assert (found.box.x0, found.box.x1) == (50, 90)


def test_whole_word_substring_beats_a_partial_one() -> None:
    screen = ocr(
        line("Cancellation policy", 0, 0, 190, 20), line("Press Cancel now", 0, 40, 160, 60)
    )
    found = locate("Cancel", screen)
    assert isinstance(found, Match) and found.line.text == "Press Cancel now"


def test_short_targets_match_whole_words_only() -> None:
    assert isinstance(locate("OK", ocr(line("Bookmarks", 0, 0, 90, 20))), Miss)
    found = locate("OK", ocr(line("Bookmarks", 0, 0, 90, 20), line("Press OK", 0, 30, 80, 50)))
    assert isinstance(found, Match) and found.line.text == "Press OK"


def test_fuzzy_match_above_the_threshold() -> None:
    found = locate("Sbumit order", ocr(line("Submit order", 10, 10, 110, 30)))
    assert isinstance(found, Match) and found.kind == "fuzzy"
    assert FUZZY_THRESHOLD <= found.similarity < 1.0


def test_fuzzy_window_inside_a_long_line() -> None:
    found = locate(
        "Delivery adress", ocr(line("Please enter your delivery address here", 0, 0, 390, 20))
    )
    assert isinstance(found, Match) and found.kind == "fuzzy"
    assert found.matched_text == "delivery address"


def test_below_the_threshold_is_a_miss_with_the_closest_text() -> None:
    missing = locate(
        "Checkout", ocr(line("Submit order", 10, 10, 110, 30), line("Cancel", 0, 40, 60, 60))
    )
    assert isinstance(missing, Miss)
    assert missing.best_similarity < FUZZY_THRESHOLD
    assert missing.best_text is not None


def test_empty_screen_and_empty_target_are_misses() -> None:
    assert isinstance(locate("Anything", ocr()), Miss)
    assert isinstance(locate("  ", ocr(line("Text", 0, 0, 10, 10))), Miss)
