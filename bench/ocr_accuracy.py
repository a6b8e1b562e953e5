"""How well the engine's OCR reads the bench's screens, against the text actually on them.

The bench's windows show files of this repository (`scene.TEXT_WINDOWS`), the target app and
the dialogs of `engine_load.DIALOGS`, so every line the OCR reads can be matched to text that
was drawn: the least edit distance between the line (NFKC, as the engine compares text;
whitespace ignored: a monospace gap has no reliable width) and any stretch of any drawn line
(windows cut lines at their edges). A line that matches nothing well counts its characters'
worth of errors, like any other.

Scored twice on the same screens, each read without caches: the engine's recogniser (8-bit
convolutions, `resources/ocr/`) and RapidOCR's float one it was made from; the detector, the
crops and everything else are the same. The figure is a ratio: the 8-bit error rate must not
exceed the float one's (`engine_load` prints it, the report keeps both).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bench.scene import TEXT_WINDOWS

APP_TEXT = ["Target App", "Result: none", "OK", "Submit", "Address", "Name", "Notes", "Drag area"]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def drawn_lines(dialogs: Any) -> list[str]:
    """Every line of text the bench draws (files, dialogs, the target app)."""
    lines: list[str] = []
    for _geometry, path in TEXT_WINDOWS:
        lines += path.read_text(encoding="utf-8").splitlines()
    for _geometry, *texts in dialogs:
        lines += [*texts[:2], *re.split(r"\s{3,}", texts[2])]
    lines += APP_TEXT + [f"Row {n}" for n in range(10)]
    return [line for line in (squeeze(x) for x in lines) if line]


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def substring_distance(text: str, line: str) -> int:
    """The least edit distance between ``text`` and any stretch of ``line``."""
    previous = [0] * (len(line) + 1)
    for i, char in enumerate(text, 1):
        current = [i] + [0] * len(line)
        for j, other in enumerate(line, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
        previous = current
    return min(previous)


class Scorer:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.grams = [_trigrams(line) for line in lines]

    def errors(self, text: str) -> tuple[int, int]:
        """(errors, characters) of one read line."""
        read = squeeze(text)
        if not read:
            return 0, 0
        if len(read) < 3:
            candidates = range(len(self.lines))
        else:
            grams = _trigrams(read)
            overlap = [len(grams & theirs) for theirs in self.grams]
            candidates = sorted(range(len(self.lines)), key=lambda k: -overlap[k])[:6]
        return min(substring_distance(read, self.lines[k]) for k in candidates), len(read)


def score(screens: dict[str, Any], dialogs: Any) -> dict[str, Any]:
    """Character errors of the 8-bit and the float recogniser on ``screens`` (BGR pixels)."""
    from console_app.engine import ocr_models
    from console_app.engine.images import Screenshot
    from console_app.engine.ocr import OcrReader
    from console_app.engine.screen_text import PAD, pad_screenshot, unpad_lines

    scorer = Scorer(drawn_lines(dialogs))
    float_models = ocr_models.Models(recogniser=ocr_models.model_dir() / ocr_models.REC_SOURCE)
    float_models.warm()
    readers = {"int8": OcrReader(reuse=False), "float": OcrReader(reuse=False, models=float_models)}
    result: dict[str, Any] = {}
    for name, reader in readers.items():
        errors = characters = lines = exact = 0
        for pixels in screens.values():
            height, width = pixels.shape[:2]
            shot = Screenshot(width=width, height=height, digest="score", pixels=pixels)
            read = reader.read_pixels(pad_screenshot(shot).pixels)
            for line in unpad_lines(read, PAD, width, height):
                if line.box.y0 > height - 24 and line.box.x0 < 100:
                    continue  # the bench's clock
                wrong, count = scorer.errors(line.text)
                errors, characters, lines = errors + wrong, characters + count, lines + 1
                exact += wrong == 0
        reader.close()
        result[name] = {
            "errors": errors,
            "characters": characters,
            "lines": lines,
            "exact_lines": exact,
            "error_rate": errors / max(1, characters),
        }
    result["ratio"] = result["int8"]["error_rate"] / max(1e-9, result["float"]["error_rate"])
    return result
