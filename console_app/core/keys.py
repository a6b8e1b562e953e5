"""Key names: one canonical spelling for every way a model or a user writes a key.

Why: models write the same key as ``ctrl``, ``Control``, ``CTRL``, ``ControlLeft`` or
``Control_L``; chords arrive as a list, as ``"ctrl+c"`` or as a JSON-encoded list. The policy
(which chords are blocked), the overlay (key chips) and the executor (which key to press) must
agree on one name, and an unknown name must be refused before anything is pressed, because
pressing half a chord is worse than pressing none.

Canonical names are lower-case: the modifiers ``ctrl alt shift meta``; named keys such as
``enter tab space backspace delete escape up down left right home end pageup pagedown insert
capslock printscreen f1``…``f24``; and single printable ASCII characters (letters lower-cased).

Every spelling accepted is listed in ``docs/keys.md`` (a test keeps that table and this module
in step). An unknown name is refused with the name in the message (``unknown key 'Hyper_X'``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

MODIFIERS: frozenset[str] = frozenset({"ctrl", "alt", "shift", "meta"})

NAMED_KEYS: frozenset[str] = frozenset(
    {
        "enter",
        "tab",
        "space",
        "backspace",
        "delete",
        "escape",
        "up",
        "down",
        "left",
        "right",
        "home",
        "end",
        "pageup",
        "pagedown",
        "insert",
        "capslock",
        "numlock",
        "scrolllock",
        "printscreen",
        "pause",
        "menu",
        "volumeup",
        "volumedown",
        "volumemute",
        "playpause",
        "nexttrack",
        "prevtrack",
        *(f"f{n}" for n in range(1, 25)),
    }
)

# Aliases are matched after lower-casing and removing "_", "-" and spaces.
_ALIASES: dict[str, str] = {
    # modifiers
    "control": "ctrl",
    "ctl": "ctrl",
    "strg": "ctrl",
    "controlleft": "ctrl",
    "controlright": "ctrl",
    "controll": "ctrl",
    "controlr": "ctrl",
    "ctrlleft": "ctrl",
    "ctrlright": "ctrl",
    "lctrl": "ctrl",
    "rctrl": "ctrl",
    "option": "alt",
    "opt": "alt",
    "altleft": "alt",
    "altright": "alt",
    "altl": "alt",
    "altr": "alt",
    "lalt": "alt",
    "ralt": "alt",
    "altgr": "alt",
    "shiftleft": "shift",
    "shiftright": "shift",
    "shiftl": "shift",
    "shiftr": "shift",
    "lshift": "shift",
    "rshift": "shift",
    "cmd": "meta",
    "command": "meta",
    "super": "meta",
    "win": "meta",
    "windows": "meta",
    "os": "meta",
    "metaleft": "meta",
    "metaright": "meta",
    "metal": "meta",  # X keysym Meta_L
    "metar": "meta",  # X keysym Meta_R
    "lmeta": "meta",
    "rmeta": "meta",
    "lsuper": "meta",
    "rsuper": "meta",
    "lcmd": "meta",
    "rcmd": "meta",
    "superl": "meta",
    "superr": "meta",
    "winleft": "meta",
    "winright": "meta",
    "cmdleft": "meta",
    "cmdright": "meta",
    "lwin": "meta",
    "rwin": "meta",
    "meta": "meta",
    # "LeftShift" / "RightCtrl" (evdev and some agent SDKs), "AltGraph" (DOM key names)
    "leftshift": "shift",
    "rightshift": "shift",
    "leftctrl": "ctrl",
    "rightctrl": "ctrl",
    "leftcontrol": "ctrl",
    "rightcontrol": "ctrl",
    "leftalt": "alt",
    "rightalt": "alt",
    "altgraph": "alt",
    "leftmeta": "meta",
    "rightmeta": "meta",
    "leftsuper": "meta",
    "rightsuper": "meta",
    "leftcmd": "meta",
    "rightcmd": "meta",
    "leftwin": "meta",
    "rightwin": "meta",
    # macOS symbols, as written in some prompts and UIs
    "⌘": "meta",
    "⌥": "alt",
    "⇧": "shift",
    "⌃": "ctrl",
    "⏎": "enter",
    "↵": "enter",
    "⎋": "escape",
    "⌫": "backspace",
    "⌦": "delete",
    "⇥": "tab",
    # named keys
    "return": "enter",
    "ret": "enter",
    "kpenter": "enter",
    "numpadenter": "enter",
    "esc": "escape",
    "del": "delete",
    "bksp": "backspace",
    "bs": "backspace",
    "spacebar": "space",
    "arrowup": "up",
    "arrowdown": "down",
    "arrowleft": "left",
    "arrowright": "right",
    "uparrow": "up",
    "downarrow": "down",
    "leftarrow": "left",
    "rightarrow": "right",
    "isolefttab": "tab",  # X keysym ISO_Left_Tab (Shift+Tab's keysym)
    "kptab": "tab",
    "kpspace": "space",
    "kpdelete": "delete",
    "kpinsert": "insert",
    "kphome": "home",
    "kpend": "end",
    "kpup": "up",
    "kpdown": "down",
    "kpleft": "left",
    "kpright": "right",
    "kppageup": "pageup",
    "kppagedown": "pagedown",
    "kpprior": "pageup",
    "kpnext": "pagedown",
    "pgup": "pageup",
    "prior": "pageup",
    "pgdn": "pagedown",
    "pgdown": "pagedown",
    "next": "pagedown",
    "ins": "insert",
    "caps": "capslock",
    "print": "printscreen",
    "prtsc": "printscreen",
    "prtscr": "printscreen",
    "prntscrn": "printscreen",
    "sysrq": "printscreen",
    "apps": "menu",
    "contextmenu": "menu",
    "break": "pause",
    "audiovolumeup": "volumeup",
    "audiovolumedown": "volumedown",
    "audiovolumemute": "volumemute",
    "mute": "volumemute",
    # punctuation written as words
    "plus": "+",
    "minus": "-",
    "comma": ",",
    "period": ".",
    "slash": "/",
    "backslash": "\\",
    "semicolon": ";",
    "apostrophe": "'",
    "quote": "'",
    "grave": "`",
    "backquote": "`",
    "equal": "=",
    "equals": "=",
    "bracketleft": "[",
    "bracketright": "]",
}

_SEPARATORS = re.compile(r"[_\-\s]")


class UnknownKeyError(ValueError):
    """A key name that no table entry explains. The whole chord is refused."""

    def __init__(self, key: str) -> None:
        super().__init__(f"unknown key {key!r}")
        self.key = key


def canonical_key(name: str) -> str:
    """Return the canonical spelling of one key, or raise `UnknownKeyError`."""
    if not isinstance(name, str) or name == "":
        raise UnknownKeyError(str(name))
    if len(name) == 1:
        if name == " ":
            return "space"
        if name in _ALIASES:  # ⌘ ⌥ ⇧ ⌃ ⏎ …
            return _ALIASES[name]
        if name.isascii() and name.isprintable():
            return name.lower()
        raise UnknownKeyError(name)
    folded = _SEPARATORS.sub("", name.lower())
    if folded in MODIFIERS or folded in NAMED_KEYS:
        return folded
    if folded in _ALIASES:
        return _ALIASES[folded]
    if folded.startswith("key") and len(folded) == 4:  # "KeyA" (DOM code names)
        return folded[3]
    if folded.startswith("digit") and len(folded) == 6:  # "Digit1"
        return folded[5]
    for prefix in ("numpad", "kp"):  # "Numpad5", "KP_5": the digit (X maps both to it)
        if folded.startswith(prefix) and len(folded) == len(prefix) + 1 and folded[-1].isdigit():
            return folded[-1]
    raise UnknownKeyError(name)


def split_chord(text: str) -> list[str]:
    """Split ``"ctrl+shift+t"`` into names, keeping a lone or trailing ``+`` as a key.

    ``"ctrl++"`` is Ctrl and ``+``; ``"+"`` is the plus key. An empty name inside a chord
    (``"ctrl+"``, ``"ctrl++c"``, ``"+a"``) raises `UnknownKeyError`: guessing which key was
    meant could press half a chord.
    """
    if text.strip() == "":
        return [text] if text else []
    text = text.strip()
    if text == "+":
        return ["+"]
    trailing_plus = text.endswith("++")
    body = text[:-2] if trailing_plus else text
    parts = [part.strip() for part in body.split("+")] if body else []
    if any(part == "" for part in parts):
        raise UnknownKeyError(text)
    if trailing_plus:
        parts.append("+")
    return parts


def _json_list(text: str) -> list[object] | None:
    stripped = text.strip()
    if not (stripped.startswith("[") and stripped.endswith("]") and len(stripped) > 2):
        return None
    try:
        decoded = json.loads(stripped)
    except (json.JSONDecodeError, RecursionError):
        return None
    return decoded if isinstance(decoded, list) else None


def keys_from_wire(value: object) -> list[str]:
    """Turn the three wire shapes of ``keys`` into a flat list of names (not yet canonical).

    Accepted: a list of names (``["ctrl", "c"]`` or ``["ctrl+c"]``), one chord string
    (``"ctrl+c"``), or a JSON-encoded list (``'["ctrl", "c"]'``). Anything else raises
    ``ValueError``; an empty result raises too, because an empty chord is not an action.
    """
    names: list[str] = []
    if isinstance(value, str):
        stripped = value.strip()
        decoded: object = None
        if stripped.startswith("[") and len(stripped) > 1:
            try:
                decoded = json.loads(stripped)
            except (json.JSONDecodeError, RecursionError):
                decoded = None  # not JSON: "[" is a key, "[+ctrl" a (bad) chord
        if isinstance(decoded, list):
            return keys_from_wire(decoded)
        names = split_chord(value)
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        for element in value:
            if not isinstance(element, str) or element == "":
                raise ValueError("keys must be non-empty strings")
            inner = _json_list(element)
            if inner is not None:
                # a JSON-encoded chord inside the list (["[\"ctrl\",\"c\"]"]: what some
                # clients make of a chord when they flatten keys to strings)
                names.extend(keys_from_wire(inner))
            else:
                names.extend(split_chord(element) if len(element) > 1 else [element])
    else:
        raise ValueError("keys must be a list of key names or a chord string")
    if not names:
        raise ValueError("keys is empty")
    return names


def canonical_chord(names: Iterable[str]) -> list[str]:
    """Canonicalise every name of a chord, refusing the whole chord on the first unknown one."""
    out: list[str] = []
    for name in names:
        key = canonical_key(name)
        if key not in out:
            out.append(key)
    return out


def parse_chord(value: object) -> list[str]:
    """A chord as a person or a settings file writes it (``"ctrl+alt+delete"``,
    ``["ctrl", "alt", "del"]``) → canonical names. ``ValueError`` (or `UnknownKeyError`) says
    what is wrong, so a misspelt blocked chord is reported instead of silently ignored."""
    return canonical_chord(keys_from_wire(value))


def chord_label(keys: Iterable[str]) -> str:
    """A human label such as ``Ctrl+Shift+T`` for chips and summaries."""
    labels = []
    for key in keys:
        try:
            key = canonical_key(key)
        except UnknownKeyError:
            labels.append(key)
            continue
        labels.append(key.upper() if len(key) == 1 else key.capitalize())
    return "+".join(labels)
