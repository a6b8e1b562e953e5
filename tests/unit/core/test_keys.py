"""Key names: every alias, chord splitting, the three wire shapes, and refusal of the unknown."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console_app.core import keys as keys_module
from console_app.core.keys import (
    MODIFIERS,
    NAMED_KEYS,
    UnknownKeyError,
    canonical_chord,
    canonical_key,
    chord_label,
    keys_from_wire,
    split_chord,
)

# The normalisation table, written out independently: alias (as matched, folded) → canonical.
EXPECTED_ALIASES = {
    "control": "ctrl", "ctl": "ctrl", "strg": "ctrl", "controlleft": "ctrl",
    "controlright": "ctrl", "controll": "ctrl", "controlr": "ctrl", "ctrlleft": "ctrl",
    "ctrlright": "ctrl", "lctrl": "ctrl", "rctrl": "ctrl",
    "option": "alt", "opt": "alt", "altleft": "alt", "altright": "alt", "altl": "alt",
    "altr": "alt", "lalt": "alt", "ralt": "alt", "altgr": "alt",
    "shiftleft": "shift", "shiftright": "shift", "shiftl": "shift", "shiftr": "shift",
    "lshift": "shift", "rshift": "shift",
    "cmd": "meta", "command": "meta", "super": "meta", "win": "meta", "windows": "meta",
    "os": "meta", "metaleft": "meta", "metaright": "meta", "metal": "meta", "metar": "meta",
    "lmeta": "meta", "rmeta": "meta", "lsuper": "meta", "rsuper": "meta", "lcmd": "meta",
    "rcmd": "meta", "superl": "meta", "superr": "meta", "winleft": "meta",
    "winright": "meta", "cmdleft": "meta", "cmdright": "meta", "lwin": "meta", "rwin": "meta",
    "meta": "meta",
    "leftshift": "shift", "rightshift": "shift", "leftctrl": "ctrl", "rightctrl": "ctrl",
    "leftcontrol": "ctrl", "rightcontrol": "ctrl", "leftalt": "alt", "rightalt": "alt",
    "altgraph": "alt", "leftmeta": "meta", "rightmeta": "meta", "leftsuper": "meta",
    "rightsuper": "meta", "leftcmd": "meta", "rightcmd": "meta", "leftwin": "meta",
    "rightwin": "meta",
    "⌘": "meta", "⌥": "alt", "⇧": "shift", "⌃": "ctrl", "⏎": "enter", "↵": "enter",
    "⎋": "escape", "⌫": "backspace", "⌦": "delete", "⇥": "tab",
    "isolefttab": "tab", "kptab": "tab", "kpspace": "space", "kpdelete": "delete",
    "kpinsert": "insert", "kphome": "home", "kpend": "end", "kpup": "up", "kpdown": "down",
    "kpleft": "left", "kpright": "right", "kppageup": "pageup", "kppagedown": "pagedown",
    "kpprior": "pageup", "kpnext": "pagedown",
    "return": "enter", "ret": "enter", "kpenter": "enter", "numpadenter": "enter",
    "esc": "escape", "del": "delete", "bksp": "backspace", "bs": "backspace",
    "spacebar": "space",
    "arrowup": "up", "arrowdown": "down", "arrowleft": "left", "arrowright": "right",
    "uparrow": "up", "downarrow": "down", "leftarrow": "left", "rightarrow": "right",
    "pgup": "pageup", "prior": "pageup", "pgdn": "pagedown", "pgdown": "pagedown",
    "next": "pagedown", "ins": "insert", "caps": "capslock",
    "print": "printscreen", "prtsc": "printscreen", "prtscr": "printscreen",
    "prntscrn": "printscreen", "sysrq": "printscreen",
    "apps": "menu", "contextmenu": "menu", "break": "pause",
    "audiovolumeup": "volumeup", "audiovolumedown": "volumedown",
    "audiovolumemute": "volumemute", "mute": "volumemute",
    "plus": "+", "minus": "-", "comma": ",", "period": ".", "slash": "/", "backslash": "\\",
    "semicolon": ";", "apostrophe": "'", "quote": "'", "grave": "`", "backquote": "`",
    "equal": "=", "equals": "=", "bracketleft": "[", "bracketright": "]",
}  # fmt: skip

CANONICAL = (
    MODIFIERS
    | NAMED_KEYS
    | {c for c in string.printable if c.isprintable()} - set(string.ascii_uppercase) - {" "}
)


def test_the_table_is_exactly_the_one_tested_here() -> None:
    """A new alias needs a line in EXPECTED_ALIASES (and so a test)."""
    assert keys_module._ALIASES == EXPECTED_ALIASES


@pytest.mark.parametrize(("alias", "canonical"), sorted(EXPECTED_ALIASES.items()))
def test_every_alias_in_every_case(alias: str, canonical: str) -> None:
    for spelling in (alias, alias.upper(), alias.capitalize(), f" {alias} "[1:-1]):
        assert canonical_key(spelling) == canonical, spelling


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        # X keysyms (xdotool) with their underscores
        ("Control_L", "ctrl"), ("Control_R", "ctrl"), ("Alt_L", "alt"), ("Alt_R", "alt"),
        ("Shift_L", "shift"), ("Shift_R", "shift"), ("Super_L", "meta"), ("Super_R", "meta"),
        ("Meta_L", "meta"), ("Meta_R", "meta"), ("Return", "enter"), ("BackSpace", "backspace"),
        ("Page_Up", "pageup"), ("Page_Down", "pagedown"), ("Caps_Lock", "capslock"),
        ("KP_Enter", "enter"), ("Num_Lock", "numlock"), ("Scroll_Lock", "scrolllock"),
        ("Prior", "pageup"), ("Next", "pagedown"), ("Print", "printscreen"),
        # DOM key and code names
        ("ArrowUp", "up"), ("ControlLeft", "ctrl"), ("MetaRight", "meta"), ("KeyA", "a"),
        ("Digit1", "1"), ("PageDown", "pagedown"), ("Escape", "escape"),
        # OpenAI CUA spellings
        ("CTRL", "ctrl"), ("ENTER", "enter"), ("ESC", "escape"), ("SPACE", "space"),
        ("ARROWDOWN", "down"), ("CMD", "meta"), ("OPTION", "alt"), ("F5", "f5"),
        ("page up", "pageup"), ("page-down", "pagedown"),
        # single characters
        ("A", "a"), ("z", "z"), ("7", "7"), ("+", "+"), ("[", "["), (" ", "space"), ("/", "/"),
    ],
)  # fmt: skip
def test_common_spellings(name: str, canonical: str) -> None:
    assert canonical_key(name) == canonical


@pytest.mark.parametrize("name", sorted(MODIFIERS | NAMED_KEYS))
def test_canonical_names_are_fixed_points(name: str) -> None:
    assert canonical_key(name) == name
    assert canonical_key(name.upper()) == name


def test_function_keys_f1_to_f24() -> None:
    assert [canonical_key(f"F{n}") for n in range(1, 25)] == [f"f{n}" for n in range(1, 25)]


@pytest.mark.parametrize("name", ["", "nosuchkey", "é", "ctrl-c", "\x00", "\t", "F25", "KeyAB"])
def test_unknown_keys_raise(name: str) -> None:
    with pytest.raises(UnknownKeyError) as caught:
        canonical_key(name)
    assert caught.value.key == name
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("ctrl+c", ["ctrl", "c"]),
        ("ctrl++", ["ctrl", "+"]),
        ("ctrl+shift++", ["ctrl", "shift", "+"]),
        ("+", ["+"]),
        ("++", ["+"]),
        (" ctrl + shift + t ", ["ctrl", "shift", "t"]),
        ("Return", ["Return"]),
        ("", []),
        (" ", [" "]),
    ],
)
def test_split_chord(text: str, names: list[str]) -> None:
    assert split_chord(text) == names


@pytest.mark.parametrize("text", ["ctrl+", "ctrl++c", "+a", "ctrl+ +c", "a+++"])
def test_a_chord_with_an_empty_name_is_refused(text: str) -> None:
    """Guessing what ``ctrl+`` meant could press half a chord."""
    with pytest.raises(UnknownKeyError):
        split_chord(text)


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (["ctrl", "c"], ["ctrl", "c"]),
        ("ctrl+c", ["ctrl", "c"]),
        ('["ctrl", "c"]', ["ctrl", "c"]),
        ('  ["ctrl+c"]  ', ["ctrl", "c"]),
        (["ctrl+c"], ["ctrl", "c"]),
        (["+"], ["+"]),
        (("alt", "tab"), ["alt", "tab"]),
        ("[", ["["]),  # the key itself, not a broken JSON list
        ("[+ctrl", ["[", "ctrl"]),
    ],
)
def test_keys_from_wire_accepts_the_three_shapes(value: object, names: list[str]) -> None:
    assert keys_from_wire(value) == names


@pytest.mark.parametrize(
    "value",
    [None, 5, [], "", "[]", [5], [""], '["ctrl", 5]', '[["ctrl"]]', b"ctrl", {"k": "ctrl"}],
)
def test_keys_from_wire_refuses_everything_else(value: object) -> None:
    with pytest.raises(ValueError):
        keys_from_wire(value)


def test_canonical_chord_dedupes_and_refuses_the_whole_chord() -> None:
    assert canonical_chord(["Control", "ctrl", "C"]) == ["ctrl", "c"]
    with pytest.raises(UnknownKeyError) as caught:
        canonical_chord(["ctrl", "alt", "hyperdrive"])
    assert caught.value.key == "hyperdrive"


def test_chord_label() -> None:
    assert chord_label(["ctrl", "shift", "t"]) == "Ctrl+Shift+T"
    assert chord_label(["Control_L", "Return"]) == "Ctrl+Enter"
    assert chord_label(["+"]) == "+"
    assert chord_label(["hyperdrive"]) == "hyperdrive"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=24) | st.lists(st.text(max_size=10), max_size=4))
def test_any_input_gives_canonical_names_or_a_value_error(value: object) -> None:
    try:
        names = canonical_chord(keys_from_wire(value))
    except ValueError:
        return
    assert names and len(names) == len(set(names))
    assert set(names) <= CANONICAL
