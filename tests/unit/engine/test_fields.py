"""Which point focuses the field a label or placeholder names (drawn screens, no OCR)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from console_app.engine.fields import field_point
from console_app.engine.ocr import Box
from tests.unit.engine.helpers import FONT_PATH

BACKGROUND = (239, 239, 239)
BORDER = (150, 150, 150)
FIELD = (255, 255, 255)


def canvas(size: tuple[int, int] = (600, 160)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", size, BACKGROUND)
    return image, ImageDraw.Draw(image)


def field(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    draw.rectangle(box, fill=FIELD, outline=BORDER)


def text(draw: ImageDraw.ImageDraw, at: tuple[int, int], words: str) -> Box:
    font = ImageFont.truetype(FONT_PATH, 18)
    draw.text(at, words, fill=(30, 30, 30), font=font)
    x0, y0, x1, y1 = font.getbbox(words)
    # OCR boxes carry a few pixels of padding around the glyphs
    return Box(at[0] + x0 - 3, at[1] + y0 - 3, at[0] + x1 + 3, at[1] + y1 + 3)


def bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def inside(x: float, y: float, box: tuple[int, int, int, int]) -> bool:
    return box[0] < x < box[2] and box[1] < y < box[3]


def test_field_to_the_right_of_its_label() -> None:
    image, draw = canvas()
    label = text(draw, (10, 12), "Full name")
    target = (200, 6, 590, 36)  # a wide gap between label and field, as in Qt grid layouts
    field(draw, target)
    point = field_point(bgr(image), label)
    assert point.rule == "right"
    assert inside(point.x, point.y, target)


def test_field_below_its_label() -> None:
    image, draw = canvas()
    label = text(draw, (10, 10), "Delivery notes")
    target = (8, 40, 590, 68)
    field(draw, target)
    point = field_point(bgr(image), label)
    assert point.rule == "below"
    assert inside(point.x, point.y, target)


def test_placeholder_inside_its_field_is_clicked_itself() -> None:
    image, draw = canvas()
    target = (8, 20, 590, 50)
    field(draw, target)
    placeholder = text(draw, (13, 25), "Search products")
    point = field_point(bgr(image), placeholder)
    assert point.rule == "placeholder"
    assert inside(point.x, point.y, target)
    assert (point.x, point.y) == placeholder.center


def test_no_field_anywhere_falls_back_to_the_text() -> None:
    image, draw = canvas()
    label = text(draw, (10, 10), "Lonely label")
    point = field_point(bgr(image), label)
    assert point.rule == "text"
    assert (point.x, point.y) == label.center


def test_jpeg_noise_does_not_move_the_answer() -> None:
    import io

    image, draw = canvas()
    label = text(draw, (10, 12), "Email")
    target = (120, 6, 590, 36)
    field(draw, target)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    noisy = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    point = field_point(bgr(noisy), label)
    assert point.rule == "right"
    assert inside(point.x, point.y, target)


def test_a_label_next_to_a_window_edge_is_not_a_placeholder() -> None:
    # Regression: a label 10 px right of a dark window edge was taken for a placeholder (the
    # edge looked like a field's left border), so typing went to the label, not the field.
    image, draw = canvas()
    draw.rectangle((0, 0, 9, 159), fill=(0, 0, 0))
    label = text(draw, (14, 12), "Name")
    target = (120, 6, 590, 36)
    field(draw, target)
    point = field_point(bgr(image), label)
    assert point.rule == "right"
    assert inside(point.x, point.y, target)


def test_a_placeholder_whose_ocr_box_covers_the_border_is_still_a_placeholder() -> None:
    image, draw = canvas()
    target = (20, 20, 590, 50)
    field(draw, target)
    placeholder = text(draw, (24, 25), "Name")
    padded = Box(placeholder.x0 - 4, placeholder.y0 - 2, placeholder.x1, placeholder.y1 + 4)
    assert padded.x0 < target[0]  # the box starts left of the field's border
    point = field_point(bgr(image), padded)
    assert point.rule == "placeholder"
    assert inside(point.x, point.y, target)


def test_a_white_field_on_a_near_white_window_is_found_by_its_borders() -> None:
    # Qt's default look: window #f4f4f4, field interior #ffffff — closer than the colour
    # tolerance, so only the field's border lines tell it apart.
    image = Image.new("RGB", (600, 160), (244, 244, 244))
    draw = ImageDraw.Draw(image)
    label = text(draw, (10, 12), "Name")
    target = (90, 6, 590, 36)
    draw.rectangle(target, fill=(255, 255, 255), outline=(190, 190, 190))
    point = field_point(bgr(image), label)
    assert point.rule == "right"
    assert inside(point.x, point.y, target)


def test_a_label_stacked_between_two_fields_names_the_field_below() -> None:
    # Lines run just above (the previous field's bottom) and just below (its own field's top)
    # the label: that alone must not make it a placeholder.
    image, draw = canvas((600, 200))
    field(draw, (8, 10, 590, 40))
    label = text(draw, (10, 44), "Notes")
    target = (8, 68, 590, 120)
    field(draw, target)
    point = field_point(bgr(image), label)
    assert point.rule == "below"
    assert inside(point.x, point.y, target)


def test_a_light_field_whose_border_the_label_box_reaches_then_a_button() -> None:
    """A browser form: white page, white field 1 px right of the label's padded OCR box, then
    a grey button. The field, not the button, is clicked."""
    image = Image.new("RGB", (600, 80), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    label = text(draw, (10, 25), "Customer")
    target = (int(label.x1) - 1, 22, int(label.x1) + 178, 46)
    draw.rectangle(target, fill=(255, 255, 255), outline=(118, 118, 118))
    button = (target[2] + 6, 22, target[2] + 96, 46)
    draw.rectangle(button, fill=(233, 233, 237), outline=(118, 118, 118))
    point = field_point(bgr(image), label)
    assert point.rule == "right"
    assert inside(point.x, point.y, target), point
    assert not inside(point.x, point.y, button)
