"""Canonical key names (``core/keys.py``) → the names the input backend presses.

The normalisation table itself — ``ctrl``/``control``/``CTRL``, ``cmd``/``command``/``meta``/
``super``/``win``, ``enter``/``return``, ``esc``/``escape``, ``ArrowDown``/``down``,
``PageDown``/``pgdn``… — lives in ``core/keys.py`` because the policy, the overlay and the
executor must agree on it. Actions arrive already canonical; this module is the last step:
which pyautogui key (and so which X keysym) a canonical name means. ``meta`` is pyautogui's
``win`` (``Super_L`` on X11).

A canonical name without an entry here, or one the backend reports it cannot press (pyautogui
on X11 silently ignores keys whose keysym has no keycode in the current keymap — e.g. media
keys on Xvfb), refuses the whole action before anything is pressed.
"""

from __future__ import annotations

import string

from console_app.core.keys import MODIFIERS, NAMED_KEYS, UnknownKeyError, canonical_key

PYAUTOGUI_KEYS: dict[str, str] = {
    "ctrl": "ctrl",
    "alt": "alt",
    "shift": "shift",
    "meta": "win",
    "enter": "enter",
    "tab": "tab",
    "space": "space",
    "backspace": "backspace",
    "delete": "delete",
    "escape": "esc",
    "up": "up",
    "down": "down",
    "left": "left",
    "right": "right",
    "home": "home",
    "end": "end",
    "pageup": "pageup",
    "pagedown": "pagedown",
    "insert": "insert",
    "capslock": "capslock",
    "numlock": "numlock",
    "scrolllock": "scrolllock",
    "printscreen": "printscreen",
    "pause": "pause",
    "menu": "apps",
    "volumeup": "volumeup",
    "volumedown": "volumedown",
    "volumemute": "volumemute",
    "playpause": "playpause",
    "nexttrack": "nexttrack",
    "prevtrack": "prevtrack",
    **{f"f{n}": f"f{n}" for n in range(1, 25)},
    # Printable ASCII: pyautogui's own names (it presses Shift itself for "!", "+", "A"…).
    **{ch: ch for ch in string.ascii_lowercase + string.digits + string.punctuation},
}
"""Every canonical key name → its pyautogui name."""

X11_KEYSYMS: dict[str, str] = {
    "ctrl": "Control_L",
    "alt": "Alt_L",
    "shift": "Shift_L",
    "meta": "Super_L",
    "enter": "Return",
    "tab": "Tab",
    "space": "space",
    "backspace": "BackSpace",
    "delete": "Delete",
    "escape": "Escape",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "home": "Home",
    "end": "End",
    "pageup": "Page_Up",
    "pagedown": "Page_Down",
    "insert": "Insert",
    "capslock": "Caps_Lock",
    "numlock": "Num_Lock",
    "scrolllock": "Scroll_Lock",
    "printscreen": "Print",
    "pause": "Pause",
    "menu": "Menu",
    "volumeup": "XF86AudioRaiseVolume",
    "volumedown": "XF86AudioLowerVolume",
    "volumemute": "XF86AudioMute",
    "playpause": "XF86AudioPlay",
    "nexttrack": "XF86AudioNext",
    "prevtrack": "XF86AudioPrev",
    **{f"f{n}": f"F{n}" for n in range(1, 25)},
}
"""The X keysym each named key produces (documentation, and what the e2e tests expect)."""


def all_canonical_keys() -> list[str]:
    """Every name `core.keys.canonical_key` can return."""
    printable = [ch for ch in string.printable if ch.isprintable() and ch != " "]
    singles = sorted({ch.lower() for ch in printable})
    return sorted(MODIFIERS) + sorted(NAMED_KEYS) + singles


def backend_key(name: str) -> str:
    """The pyautogui name of one key (canonicalising first); `UnknownKeyError` if none."""
    canonical = canonical_key(name)
    try:
        return PYAUTOGUI_KEYS[canonical]
    except KeyError:
        raise UnknownKeyError(name) from None
