"""The key table: every canonical key has a backend name pyautogui knows (no display)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from console_app.core.keys import MODIFIERS, NAMED_KEYS, UnknownKeyError, canonical_key
from console_app.executor.keymap import (
    PYAUTOGUI_KEYS,
    X11_KEYSYMS,
    all_canonical_keys,
    backend_key,
)


def pyautogui_key_names() -> set[str]:
    """pyautogui's ``KEY_NAMES``, read from its source: importing it needs a display."""
    spec = importlib.util.find_spec("pyautogui")
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "KEY_NAMES" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    raise AssertionError("KEY_NAMES not found in pyautogui")


def test_every_canonical_key_has_a_pyautogui_name() -> None:
    names = pyautogui_key_names()
    canonical = all_canonical_keys()
    assert set(MODIFIERS) <= set(canonical) and set(NAMED_KEYS) <= set(canonical)
    missing = [key for key in canonical if key not in PYAUTOGUI_KEYS]
    assert missing == []
    unknown_to_pyautogui = [
        PYAUTOGUI_KEYS[key] for key in canonical if PYAUTOGUI_KEYS[key] not in names
    ]
    assert unknown_to_pyautogui == []


def test_every_named_key_has_an_x11_keysym() -> None:
    assert set(X11_KEYSYMS) == set(MODIFIERS) | set(NAMED_KEYS)


@pytest.mark.parametrize(
    ("spellings", "expected"),
    [
        (["ctrl", "control", "CTRL", "Control_L", "ControlLeft", "ctl"], "ctrl"),
        (["cmd", "command", "meta", "super", "win", "Super_L", "MetaLeft"], "win"),
        (["alt", "option", "AltGr"], "alt"),
        (["shift", "Shift_R", "ShiftLeft"], "shift"),
        (["enter", "return", "Return", "KP_Enter"], "enter"),
        (["esc", "escape", "Escape"], "esc"),
        (["ArrowDown", "down", "DOWN"], "down"),
        (["ArrowUp", "up"], "up"),
        (["PageDown", "pgdn", "Page_Down", "next"], "pagedown"),
        (["PageUp", "pgup", "Prior"], "pageup"),
        (["space", " ", "Spacebar"], "space"),
        (["tab", "Tab"], "tab"),
        (["backspace", "BackSpace"], "backspace"),
        (["delete", "Del"], "delete"),
        (["F1", "f1"], "f1"),
        (["F12"], "f12"),
        (["F24"], "f24"),
        (["a", "A", "KeyA"], "a"),
        (["1", "Digit1"], "1"),
        (["+", "plus"], "+"),
        (["ContextMenu", "apps"], "apps"),
        (["PrintScreen", "prtsc"], "printscreen"),
    ],
)
def test_normalisation_table(spellings: list[str], expected: str) -> None:
    for spelling in spellings:
        assert backend_key(spelling) == expected, spelling


@pytest.mark.parametrize("name", ["hyper", "ctrl+c", "", "F25", "é", "😀", "KeyAB"])
def test_unknown_keys_raise(name: str) -> None:
    with pytest.raises(UnknownKeyError):
        backend_key(name)


def test_backend_key_is_consistent_with_core_canonicalisation() -> None:
    for key in all_canonical_keys():
        assert canonical_key(key) == key
        assert backend_key(key) == PYAUTOGUI_KEYS[key]
