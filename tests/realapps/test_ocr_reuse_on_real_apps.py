"""The engine's OCR caches on real applications: a screen read by a reader that reuses work
from the screens before it gives exactly what a reader without caches gives.

The screens are those a run sends: real windows (galculator, xterm, Mousepad, Chromium on a
loopback page) captured by the console's own capturer and JPEG encoder at 1280×720, changing
between shots the way a run changes them (keys typed, a digit entered, a page loaded, a
window raised over another). Both readers are the engine's `ScreenText` (OCR and the
single-glyph pass), so every cache the engine has is in play.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from console_app.capture.screen import ScreenCapturer
from console_app.engine.images import Screenshot, decode_image_url
from console_app.engine.ocr import OcrReader, OcrResult
from console_app.engine.screen_text import ScreenText
from tests.realapps.conftest import App, LoopbackSite, chromium_command, xdotool

PAGE = """<!doctype html><html><head><title>Reuse desk</title></head>
<body style="font-family: DejaVu Sans, sans-serif; font-size: 18px; margin: 24px">
<h2>Reuse desk</h2><p>Invoice 2041 due on 12 March, total 1,280.50 EUR</p>
<form><label>Customer <input name="customer" size="20"></label> <button>Send</button></form>
</body></html>"""


def _shot(capturer: ScreenCapturer) -> Screenshot:
    time.sleep(0.6)  # let the applications paint what the keys changed
    return decode_image_url(capturer.capture().data_url, param="image")


def _texts(result: OcrResult) -> str:
    return " ".join(line.text for line in result.lines)


def test_cached_and_uncached_reads_agree_on_real_application_screens(
    launch: Callable[..., App],
    loopback_site: Callable[[dict[str, str]], LoopbackSite],
    tmp_path: Path,
) -> None:
    site = loopback_site({"/": PAGE})
    shots: list[tuple[str, Screenshot]] = []
    with ScreenCapturer() as capturer:
        calc = launch(["galculator"], "^galculator$")
        shots.append(("galculator", _shot(capturer)))
        calc.keys("4", "2")
        shots.append(("galculator, 42 entered", _shot(capturer)))
        term = launch(
            ["xterm", "-T", "reuse-term", "-geometry", "70x12+620+380", "-fa", "DejaVu Sans Mono",
             "-fs", "11", "-e", "bash", "--norc", "--noprofile"],
            "^reuse-term$",
        )  # fmt: skip
        shots.append(("xterm over galculator", _shot(capturer)))
        term.activate()
        xdotool("type", "--delay", "20", "echo reuse-check-$((6*7))")
        shots.append(("a command typed", _shot(capturer)))
        term.keys("Return")
        shots.append(("its output", _shot(capturer)))
        note = tmp_path / "reuse-note.txt"
        note.write_text("Quarterly numbers\nRevenue 1,204\nCosts 877\n")
        editor = launch(["mousepad", str(note)], "reuse-note.txt - Mousepad$")
        shots.append(("Mousepad raised", _shot(capturer)))
        editor.keys("ctrl+End")
        xdotool("type", "--delay", "20", "Margin 327")
        shots.append(("a line typed in Mousepad", _shot(capturer)))
        launch(chromium_command(tmp_path / "chromium", site.url + "/"), "^Reuse desk")
        shots.append(("Chromium page", _shot(capturer)))
        xdotool("type", "--delay", "20", "x")  # whatever has the focus changes a little
        shots.append(("Chromium again", _shot(capturer)))

    cached = ScreenText(OcrReader())
    fresh = ScreenText(OcrReader(reuse=False))
    reused = 0
    try:
        for what, shot in shots:
            with_cache = cached.read(shot)
            without = fresh.read(shot)
            assert with_cache.lines == without.lines, what
            stats = cached.ocr.last_stats
            reused += stats["lines"] - stats["lines_recognised"]
        found = {what: _texts(cached.read(shot)) for what, shot in shots}
    finally:
        cached.ocr.close()
        fresh.ocr.close()
    # The screens are real and were read (not blank captures) …
    assert "reuse-check-42" in found["its output"]
    assert "Revenue" in found["Mousepad raised"]
    assert "Margin 327" in found["a line typed in Mousepad"]
    assert "Reuse desk" in found["Chromium page"]
    # … and the cached reader did reuse work between them.
    assert reused > 0
