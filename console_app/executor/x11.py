"""X11 details pyautogui does not cover: any Unicode character, and the back/forward buttons.

Typing "Grüße, café — 😀 ✓" exactly. pyautogui's typewrite drops every character that is not on
the keyboard map. ``xdotool type`` can type them by binding the character's keysym to a spare
keycode for one key press and unbinding it right after — but a Qt (xkbcommon) client re-reads
the keyboard map when it *processes* the map-change notification, and if xdotool has already
unbound the keycode by then, the key arrives as keysym 0 and the character is lost (measured on
Xvfb: the emoji of that string dropped at xdotool's default 12 ms delay).

`UnicodeKeymap` removes the race: before typing, it binds every character of the text that is
not on the map to spare keycodes in one change, and keeps those bindings while typing — so
xdotool finds every character already mapped and never remaps, and a client that re-reads the
map at any moment while the keys arrive sees the same bindings. Bindings are kept for later
texts (spare keycodes are not on any physical keyboard, so nothing else changes meaning) and
are only replaced after a settle delay, and all are removed in `close` (executor close / exit).
Xvfb has ~19 spare keycodes; two are left free for xdotool's own use, and a text with more
distinct unmapped characters is typed in chunks.
"""

from __future__ import annotations

import time
from typing import Any

RESERVED_SPARE_KEYCODES = 2
SETTLE_S = 0.3
"""How long a binding must stay unchanged after its last use before it may be replaced."""


def keysym_for(ch: str) -> int:
    """The X keysym of a character: Latin-1 keysyms equal the code point, others are Unicode."""
    code = ord(ch)
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 + code


class UnicodeKeymap:
    """Types characters the keyboard map lacks by binding their keysyms to spare keycodes.

    Owns one Xlib connection; bound keycodes are restored on `close`. Also sends XTest button
    events (`fake_button`) for buttons pyautogui cannot press.
    """

    def __init__(self, display_name: str | None = None) -> None:
        from Xlib.display import Display

        self._display: Any = Display(display_name)
        info = self._display.display.info
        self._min_keycode: int = info.min_keycode
        self._count: int = info.max_keycode - info.min_keycode + 1
        self._ours: dict[int, int] = {}  # keycode → the keysym we bound there
        self._last_typed = 0.0

    # -- keyboard map ---------------------------------------------------------------------------
    def _mapping(self) -> list[tuple[int, ...]]:
        rows = self._display.get_keyboard_mapping(self._min_keycode, self._count)
        return [tuple(row) for row in rows]

    def _bind(self, keycode: int, keysym: int, width: int) -> None:
        row = (keysym, keysym) + (0,) * (width - 2) if keysym else (0,) * width
        self._display.change_keyboard_mapping(keycode, [row])

    def _state(self) -> tuple[list[tuple[int, ...]], set[int], list[int]]:
        """The map, the keysyms on keycodes that are not ours, and the free spare keycodes."""
        mapping = self._mapping()
        for keycode, sym in list(self._ours.items()):
            if mapping[keycode - self._min_keycode][0] != sym:
                del self._ours[keycode]  # someone else rebound it: no longer ours
        base: set[int] = set()
        free: list[int] = []
        for offset, row in enumerate(mapping):
            keycode = self._min_keycode + offset
            if keycode in self._ours:
                continue
            if any(row):
                base.update(sym for sym in row if sym)
            else:
                free.append(keycode)
        return mapping, base, free[: max(0, len(free) - RESERVED_SPARE_KEYCODES)]

    @staticmethod
    def _slot_keysyms(text: str, base: set[int]) -> list[int]:
        """Keysyms of ``text`` (in order, once) that need one of our keycodes."""
        out: list[int] = []
        for ch in text:
            if ord(ch) < 0x20:
                continue  # tab and friends are typed by their named keys
            sym = keysym_for(ch)
            if sym not in base and sym not in out:
                out.append(sym)
        return out

    def capacity(self) -> int:
        """How many distinct off-map characters one chunk may use (free spares + ours)."""
        _, _, free = self._state()
        return len(free) + len(self._ours)

    def missing(self, text: str) -> list[int]:
        """Keysyms of ``text`` that are on no keycode of the current map (in text order)."""
        _, base, _ = self._state()
        bound = set(self._ours.values())
        return [sym for sym in self._slot_keysyms(text, base) if sym not in bound]

    def chunks(self, text: str) -> list[str]:
        """Split ``text`` so no chunk uses more off-map characters than there are slots."""
        _, base, free = self._state()
        capacity = len(free) + len(self._ours)
        if len(self._slot_keysyms(text, base)) <= capacity:
            return [text] if text else []
        if capacity == 0:
            raise RuntimeError("no spare keycode is free to type non-keyboard characters")
        chunks: list[str] = []
        current: list[str] = []
        used: set[int] = set()
        for ch in text:
            sym = keysym_for(ch) if ord(ch) >= 0x20 else 0
            if sym and sym not in base and sym not in used:
                if len(used) == capacity:
                    chunks.append("".join(current))
                    current, used = [], set()
                used.add(sym)
            current.append(ch)
        if current:
            chunks.append("".join(current))
        return chunks

    def ensure(self, text: str) -> list[int]:
        """Bind every off-map character of ``text`` to a keycode; returns the keycodes bound now.

        Characters bound earlier stay where they are; bindings of characters this text does not
        use are replaced only when no free spare keycode is left (after the settle delay).
        """
        mapping, base, free = self._state()
        required = self._slot_keysyms(text, base)
        bound = set(self._ours.values())
        missing = [sym for sym in required if sym not in bound]
        if not missing:
            return []
        width = len(mapping[0])
        keep = set(required)
        replaceable = [keycode for keycode, sym in self._ours.items() if sym not in keep]
        if len(missing) > len(free) + len(replaceable):
            raise RuntimeError(
                f"{len(missing)} characters need a spare keycode, only "
                f"{len(free) + len(replaceable)} are free"
            )
        if len(missing) > len(free):
            self._settle()
        newly = []
        for sym, keycode in zip(missing, free + replaceable, strict=False):
            self._bind(keycode, sym, width)
            self._ours.pop(keycode, None)
            self._ours[keycode] = sym
            newly.append(keycode)
        self._display.sync()
        return newly

    def typed(self) -> None:
        """Note that keys using our bindings were just sent (starts the settle clock)."""
        self._last_typed = time.monotonic()

    def _settle(self) -> None:
        remaining = self._last_typed + SETTLE_S - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    # -- buttons beyond pyautogui's ---------------------------------------------------------------
    def fake_button(self, number: int, *, press: bool) -> None:
        """Press or release X button ``number`` (8 = back, 9 = forward) through XTest."""
        from Xlib import X
        from Xlib.ext import xtest

        xtest.fake_input(self._display, X.ButtonPress if press else X.ButtonRelease, number)
        self._display.sync()

    # -- cleanup ----------------------------------------------------------------------------------
    def restore(self) -> None:
        """Unbind every keycode we bound (that still holds our keysym)."""
        if not self._ours:
            return
        self._settle()
        mapping = self._mapping()
        width = len(mapping[0])
        for keycode, sym in self._ours.items():
            if mapping[keycode - self._min_keycode][0] == sym:
                self._bind(keycode, 0, width)
        self._ours.clear()
        self._display.sync()

    def close(self) -> None:
        try:
            self.restore()
        finally:
            self._display.close()
