"""What a person sees is what the engine reads: text at every edge, single-glyph buttons.

These run the real OCR (RapidOCR) on rendered images, so they prove the padding and the glyph
pass against the recogniser itself, not against a stub.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from console_app.engine import glyphs
from console_app.engine.glyphs import (
    ControlLine,
    GlyphReader,
    Label,
    accepted,
    clean_label,
    find_buttons,
    label_text,
    merge_glyphs,
    read_labels,
)
from console_app.engine.images import Screenshot
from console_app.engine.locate import Match, locate
from console_app.engine.ocr import Box, OcrReader, TextLine, Word
from console_app.engine.screen_text import PAD, ScreenText, pad_screenshot, unpad_lines

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
W, H = 1280, 720
EDGE_WORDS = {
    "TopLeft": "tl",
    "TopMiddle": "tm",
    "TopRight": "tr",
    "LeftMiddle": "ml",
    "RightMiddle": "mr",
    "BotLeft": "bl",
    "BottomMiddle": "bm",
    "BotRight": "br",
}


def shot_of(image: Image.Image) -> Screenshot:
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    digest = hashlib.sha256(pixels.tobytes()).hexdigest()
    return Screenshot(image.width, image.height, digest, pixels)


@pytest.fixture(scope="module")
def screen_text() -> ScreenText:
    return ScreenText(OcrReader())


def edge_screen(background: tuple[int, int, int], ink: tuple[int, int, int]) -> Image.Image:
    """Words touching each corner and the middle of each edge (0 px margin)."""
    font = ImageFont.truetype(FONT, 13)
    image = Image.new("RGB", (W, H), background)
    draw = ImageDraw.Draw(image)
    for word, (row, col) in EDGE_WORDS.items():
        left, top, right, bottom = draw.textbbox((0, 0), word, font=font)
        w, h = right - left, bottom - top
        x = {"l": 0, "m": (W - w) // 2, "r": W - w}[col]
        y = {"t": 0, "m": (H - h) // 2, "b": H - h}[row]
        draw.text((x - left, y - top), word, font=font, fill=ink)
    return image


@pytest.mark.parametrize(
    ("background", "ink"), [((255, 255, 255), (0, 0, 0)), ((40, 40, 40), (230, 230, 230))]
)
def test_text_at_every_corner_and_edge_is_found(
    screen_text: ScreenText, background: tuple[int, int, int], ink: tuple[int, int, int]
) -> None:
    shot = shot_of(edge_screen(background, ink))
    result = screen_text.read(shot)
    for word, (row, col) in EDGE_WORDS.items():
        found = locate(word, result, whole=True)
        assert isinstance(found, Match), f"{word} not found: {[ln.text for ln in result.lines]}"
        x, y = found.box.center
        assert {"l": x < 120, "m": 560 < x < 720, "r": x > W - 120}[col], (word, x)
        assert {"t": y < 20, "m": 340 < y < 380, "b": y > H - 20}[row], (word, y)
        box = found.box
        assert 0 <= box.x0 <= box.x1 <= W and 0 <= box.y0 <= box.y1 <= H


def test_padding_keeps_coordinates_of_the_screenshot() -> None:
    pixels = np.full((10, 20, 3), 200, np.uint8)
    shot = Screenshot(20, 10, "d", pixels)
    padded = pad_screenshot(shot)
    assert (padded.width, padded.height) == (20 + 2 * PAD, 10 + 2 * PAD)
    assert padded.digest != shot.digest
    assert int(padded.pixels[0, 0, 0]) == 200  # the border colour, not black
    line = TextLine(
        "x",
        0.9,
        Box(PAD - 3, PAD + 1, PAD + 5, PAD + 9),
        (Word("x", 0.9, Box(PAD, PAD, PAD + 5, PAD + 9)),),
    )
    margin_only = TextLine("y", 0.9, Box(1, 1, PAD - 1, PAD - 1))
    (back,) = unpad_lines([line, margin_only], PAD, 20, 10)
    assert back.box == Box(0, 1, 5, 9)  # shifted and clipped to the screenshot
    assert back.words[0].box == Box(0, 0, 5, 9)


GLYPHS = [["7", "8", "9", "÷"], ["4", "5", "6", "×"], ["1", "2", "3", "-"], ["0", ".", "=", "+"]]


def keypad() -> tuple[Image.Image, dict[str, Box]]:
    """An xcalc-like keypad: 40×26 bordered buttons, one glyph each, on a plain window."""
    font = ImageFont.truetype(FONT, 15)
    image = Image.new("RGB", (W, H), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    draw.text((420, 160), "Pocket calculator", font=font, fill=(0, 0, 0))
    buttons: dict[str, Box] = {}
    for r, row in enumerate(GLYPHS):
        for c, glyph in enumerate(row):
            x0, y0 = 420 + c * 44, 200 + r * 30
            draw.rectangle((x0, y0, x0 + 40, y0 + 26), fill=(255, 255, 255), outline=(0, 0, 0))
            left, top, right, bottom = draw.textbbox((0, 0), glyph, font=font)
            gx = x0 + (40 - (right - left)) // 2 - left
            gy = y0 + (26 - (bottom - top)) // 2 - top
            draw.text((gx, gy), glyph, font=font, fill=(0, 0, 0))
            buttons[glyph] = Box(x0, y0, x0 + 40, y0 + 26)
    return image, buttons


def test_every_single_glyph_button_is_found_in_its_button(screen_text: ScreenText) -> None:
    image, buttons = keypad()
    shot = shot_of(image)
    found_buttons = find_buttons(shot.pixels)
    assert len(found_buttons) >= len(buttons)
    result = screen_text.read(shot)
    for glyph, button in buttons.items():
        found = locate(glyph, result)
        assert isinstance(found, Match), f"{glyph!r}: {[ln.text for ln in result.lines]}"
        x, y = found.box.center
        assert button.x0 < x < button.x1 and button.y0 < y < button.y1, (glyph, x, y)
        assert isinstance(found.line, ControlLine) and found.line.button is not None
    # Another spelling of the same key finds the same button.
    star = locate("*", result)
    assert isinstance(star, Match) and star.box.center == locate("×", result).box.center  # type: ignore[union-attr]
    # The long label is left to the text detector and stays plain text.
    title = locate("Pocket calculator", result, whole=True)
    assert isinstance(title, Match) and not isinstance(title.line, ControlLine)


def test_clean_label() -> None:
    assert clean_label("（") == "("
    assert clean_label("十") == "+"
    assert clean_label("·") == "."
    assert clean_label(" ／ ") == "/"


class _ScriptedReader(GlyphReader):
    """Answers by crop width: the button crops are wide, the close crops narrow."""

    def __init__(self, answers: dict[int, tuple[str, float]]) -> None:
        super().__init__(OcrReader())
        self.answers = answers
        self.batches: list[int] = []

    def read(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        self.batches.append(len(crops))
        return [self.answers[crop.shape[1]] for crop in crops]


def test_an_unaccepted_reading_gets_a_second_look_from_the_close_crop() -> None:
    wide, narrow = np.zeros((48, 90, 3), np.uint8), np.zeros((48, 40, 3), np.uint8)
    box = Box(0, 0, 40, 26)
    labels = [
        Label(box, box, wide, close=narrow),  # "。" for a zero: looked at again
        Label(box, box, wide[:, :80], close=narrow[:, :30]),  # a confident "7": kept
    ]
    reader = _ScriptedReader({90: ("。", 0.7), 40: ("0", 0.95), 80: ("7", 0.99), 30: ("1", 0.99)})
    assert read_labels(reader, labels) == [("0", 0.95), ("7", 0.99)]
    assert reader.batches == [2, 1]  # one batch, then the second look alone
    assert label_text("o") == "0" and label_text("O") == "0" and label_text("（") == "("
    assert not accepted("。", 0.9) and not accepted("o", 0.4) and accepted("=", 0.35)


def test_an_icon_read_as_a_digit_is_dropped_a_real_digit_kept() -> None:
    crop = np.zeros((48, 48, 3), np.uint8)
    icon = Label(Box(129, 50, 154, 76), Box(135, 56, 149, 70), crop)  # circled "i": square ink
    digit = Label(Box(190, 380, 247, 412), Box(213, 386, 222, 403), crop)  # a "1": tall ink
    times = Label(Box(300, 380, 340, 406), Box(314, 387, 324, 397), crop)  # "×" read as "x"
    lines = merge_glyphs([], [icon, digit, times], [("1", 0.96), ("1", 0.97), ("x", 0.9)])
    assert [(ln.text, ln.box) for ln in lines] == [("1", digit.ink), ("x", times.ink)]


def _buttons_traced_on(
    pixels: np.ndarray, edges: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> list[Box]:
    monkeypatch.setattr(glyphs, "outline_edges", lambda _pixels: edges)
    try:
        return find_buttons(pixels)
    finally:
        monkeypatch.undo()


def test_pruning_the_edge_map_finds_exactly_the_same_buttons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The contour search runs on an edge map without the pieces too small to be a button:
    on a keypad beside a window full of small code text, nested boxes, a frame touching the
    keys and noise, the buttons found are exactly those found on the whole edge map."""
    image, _ = keypad()
    draw = ImageDraw.Draw(image)
    mono = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 11)
    for n in range(40):  # a code editor: thousands of glyph edges
        draw.text(
            (700, 20 + n * 14),
            f"    value_{n} = compute(items[{n}], key='k{n}')  # ok",
            font=mono,
            fill=(20, 20, 20),
        )
    draw.rectangle((410, 190, 600, 330), outline=(90, 90, 90))  # a frame around the keys
    for x in range(60, 400, 70):  # boxes in boxes, a box with a stroke touching its border
        draw.rectangle((x, 420, x + 50, 460), outline=(0, 0, 0))
        draw.rectangle((x + 8, 428, x + 30, 450), outline=(0, 0, 0))
        draw.line((x + 50, 440, x + 64, 440), fill=(0, 0, 0))
    rng = np.random.default_rng(3)
    pixels = np.asarray(image)[:, :, ::-1].copy()
    noise = rng.integers(0, 2, pixels.shape[:2]) * rng.integers(0, 120, pixels.shape[:2])
    pixels[560:700, 40:600] = np.clip(200 - noise[560:700, 40:600, None], 0, 255).astype(np.uint8)
    pixels = np.ascontiguousarray(pixels)
    pruned = glyphs.outline_edges(pixels)
    whole = glyphs.outline_edges(pixels, prune=False)
    assert np.count_nonzero(pruned) < np.count_nonzero(whole) / 2  # text strokes are gone
    expected = _buttons_traced_on(pixels, whole, monkeypatch)
    assert len(expected) >= len(GLYPHS) * 4
    assert find_buttons(pixels) == expected
