"""galculator and xcalc: buttons labelled with a single glyph are found and pressed.

The result is read without OCR: galculator copies its display to the clipboard (Ctrl+C);
xcalc's display is compared pixel for pixel with a second xcalc into which the expected
number was typed with the keyboard.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import mss
import numpy as np

from tests.realapps.conftest import App, _wait, run_task, wait_for_clipboard, xdotool


def _galculator(launch: Callable[..., App]) -> App:
    return launch(["galculator"], "^galculator$")


def _display_value(calc: App) -> str:
    """galculator's display, copied to the clipboard by the test (Edit → Copy, Ctrl+C)."""
    marker = "realapps-clipboard-marker"
    subprocess.run(
        ["xclip", "-selection", "clipboard"], input=marker, text=True, check=True, timeout=10
    )
    wait_for_clipboard(lambda text: text == marker)
    calc.keys("ctrl+c")
    return wait_for_clipboard(lambda text: text != marker).strip()


def test_galculator_glyph_buttons(launch: Callable[..., App], tmp_path: Path) -> None:
    calc = _galculator(launch)
    task = 'click 7; click ×; click 6; click −; click 0; click .; click 5; click =; check "41.5"'
    result = run_task(tmp_path / "console", task, max_steps=14)
    assert result.returncode == 0, result.explain()
    assert result.executed == ["click"] * 8, result.explain()
    assert float(_display_value(calc)) == 41.5


def test_galculator_parentheses_plus_and_clear(launch: Callable[..., App], tmp_path: Path) -> None:
    calc = _galculator(launch)
    task = "click 9; click C; click (; click 1; click +; click 2; click ); click ÷; click 4"
    task += "; click ="
    result = run_task(tmp_path / "console", task, max_steps=14)
    assert result.returncode == 0, result.explain()
    assert result.executed == ["click"] * 10, result.explain()
    assert float(_display_value(calc)) == 0.75


def test_galculator_absent_button_fails_and_nothing_is_clicked(
    launch: Callable[..., App], tmp_path: Path
) -> None:
    calc = _galculator(launch)
    result = run_task(tmp_path / "console", "click 4; click sin; click =", max_steps=6)
    assert result.returncode == 1, result.explain()
    # The first step pressed 4; the missing "sin" stopped the run before "=".
    assert result.executed == ["click"], result.explain()
    assert '"sin" is not on the screen' in (result.final.get("answer") or "")
    assert float(_display_value(calc)) == 4


def _lcd(window: str) -> np.ndarray:
    """The top of xcalc's client area (its display), grabbed from the screen."""
    geo = dict(
        line.split("=", 1)
        for line in xdotool("getwindowgeometry", "--shell", window).splitlines()
        if "=" in line
    )
    x, y, w = int(geo["X"]), int(geo["Y"]), int(geo["WIDTH"])
    with mss.MSS() as grabber:
        shot = grabber.grab({"left": x, "top": y, "width": w, "height": 62})
    return np.asarray(shot)[:, :, :3].copy()


def test_xcalc_glyph_buttons(launch: Callable[..., App], tmp_path: Path) -> None:
    calc = launch(["xcalc", "-geometry", "+40+40", "-title", "xcalc"], "^xcalc$")
    task = 'click 1; click 2; click +; click 3; click 0; click =; check "42"'
    result = run_task(tmp_path / "console", task, max_steps=10)
    assert result.returncode == 0, result.explain()
    assert result.executed == ["click"] * 6, result.explain()
    # A second xcalc, given the expected number by keyboard, must show the same display.
    reference = launch(["xcalc", "-geometry", "+700+40", "-title", "reference"], "^reference$")
    reference.keys("4", "2")
    _wait(
        lambda: np.array_equal(_lcd(calc.window), _lcd(reference.window)),
        what="the same display as the reference showing 42",
        timeout=10,
    )


def test_xcalc_look_alike_is_refused(launch: Callable[..., App], tmp_path: Path) -> None:
    calc = launch(["xcalc", "-geometry", "+40+40", "-title", "xcalc"], "^xcalc$")
    before = _lcd(calc.window)
    result = run_task(tmp_path / "console", "click 47", max_steps=4)
    assert result.returncode == 1, result.explain()
    assert result.executed == [], result.explain()
    assert "not on the screen" in (result.final.get("answer") or "")
    assert np.array_equal(_lcd(calc.window), before)
