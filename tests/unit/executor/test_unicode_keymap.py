"""Binding off-keyboard characters to spare keycodes, over a fake X display (no display).

The real thing is proven end to end in tests/e2e/test_executor_keyboard.py (Qt receives
"Grüße, café — 😀 ✓" exactly); these tests pin the bookkeeping: which keycodes get used,
that bindings persist and are reused, that a reserve is left for xdotool, chunking, restore.
"""

from __future__ import annotations

from typing import Any

import pytest

from console_app.executor import x11
from console_app.executor.x11 import RESERVED_SPARE_KEYCODES, UnicodeKeymap, keysym_for

WIDTH = 4


class FakeDisplay:
    """A keyboard map of keycodes 8..40: 8..28 hold a..u, 29 space, 30..40 are spare."""

    class _Info:
        min_keycode, max_keycode = 8, 40

    class _Inner:
        info: Any = None

    def __init__(self) -> None:
        self.display = self._Inner()
        self.display.info = self._Info()
        self.rows: dict[int, tuple[int, ...]] = {}
        for keycode in range(8, 41):
            if keycode < 30:
                letter = ord("a") + keycode - 8
                self.rows[keycode] = (letter, letter - 32, 0, 0)
            else:
                self.rows[keycode] = (0,) * WIDTH
        self.rows[29] = (0x20, 0x20, 0, 0)  # space
        self.changes: list[tuple[int, tuple[int, ...]]] = []
        self.closed = False

    def get_keyboard_mapping(self, first: int, count: int) -> list[tuple[int, ...]]:
        return [self.rows[k] for k in range(first, first + count)]

    def change_keyboard_mapping(self, first: int, rows: list[tuple[int, ...]]) -> None:
        for offset, row in enumerate(rows):
            self.rows[first + offset] = tuple(row)
            self.changes.append((first + offset, tuple(row)))

    def sync(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


SPARE = 41 - 30  # 11 spare keycodes in the fake map


@pytest.fixture
def keymap(monkeypatch: pytest.MonkeyPatch) -> tuple[UnicodeKeymap, FakeDisplay]:
    display = FakeDisplay()
    monkeypatch.setattr(x11, "SETTLE_S", 0.0)
    keymap = UnicodeKeymap.__new__(UnicodeKeymap)
    keymap._display = display
    keymap._min_keycode, keymap._count = 8, 33
    keymap._ours = {}
    keymap._last_typed = 0.0
    return keymap, display


def bound_syms(display: FakeDisplay) -> set[int]:
    return {row[0] for k, row in display.rows.items() if k >= 30 and row[0]}


def test_keysyms() -> None:
    assert keysym_for("a") == 0x61
    assert keysym_for("é") == 0xE9  # Latin-1 keysyms are the code point
    assert keysym_for("—") == 0x1002014
    assert keysym_for("😀") == 0x101F600


def test_only_off_map_characters_are_bound(keymap) -> None:
    km, display = keymap
    assert km.missing("abc def") == []
    assert km.ensure("abc") == []
    assert display.changes == []
    bound = km.ensure("café 😀 ✓")
    assert len(bound) == 3
    assert bound_syms(display) == {0xE9, 0x101F600, 0x1002713}
    for keycode in bound:
        row = display.rows[keycode]
        assert row[0] == row[1] and row[2:] == (0, 0)


def test_bindings_persist_and_are_reused(keymap) -> None:
    km, display = keymap
    km.ensure("é😀")
    changes = len(display.changes)
    assert km.ensure("é 😀 é") == []
    assert len(display.changes) == changes
    assert km.missing("é😀") == []


def test_a_reserve_is_left_for_xdotool(keymap) -> None:
    km, display = keymap
    text = "".join(chr(0x3B1 + i) for i in range(SPARE - RESERVED_SPARE_KEYCODES))
    km.ensure(text)
    empty = [k for k in range(30, 41) if not any(display.rows[k])]
    assert len(empty) == RESERVED_SPARE_KEYCODES
    assert km.capacity() == SPARE - RESERVED_SPARE_KEYCODES


def test_stale_bindings_are_replaced_but_needed_ones_are_kept(keymap) -> None:
    km, display = keymap
    capacity = SPARE - RESERVED_SPARE_KEYCODES
    first = "".join(chr(0x3B1 + i) for i in range(capacity))  # fills every slot
    km.ensure(first)
    # the next text needs two of the old characters and two new ones
    km.ensure(first[:2] + "ЖЯ")
    syms = bound_syms(display)
    assert {keysym_for(ch) for ch in first[:2] + "ЖЯ"} <= syms
    assert len(syms) == capacity


def test_long_texts_are_chunked_to_the_capacity(keymap) -> None:
    km, _ = keymap
    capacity = SPARE - RESERVED_SPARE_KEYCODES
    text = "ab " + "".join(chr(0x4E00 + i) for i in range(capacity * 2 + 3)) + " end"
    chunks = km.chunks(text)
    assert "".join(chunks) == text
    assert len(chunks) == 3
    for chunk in chunks:
        assert len({ch for ch in chunk if ord(ch) >= 0x4E00}) <= capacity
        km.ensure(chunk)  # every chunk fits
    assert km.chunks("plain ascii") == ["plain ascii"]
    assert km.chunks("") == []


def test_chunking_counts_characters_already_bound(keymap) -> None:
    km, _ = keymap
    capacity = SPARE - RESERVED_SPARE_KEYCODES
    km.ensure("é😀")
    text = "é😀" + "".join(chr(0x4E00 + i) for i in range(capacity - 1))
    chunks = km.chunks(text)
    assert len(chunks) == 2  # é and 😀 need slots too
    for chunk in chunks:
        km.ensure(chunk)
        assert km.missing(chunk) == []


def test_restore_unbinds_only_what_is_still_ours(keymap) -> None:
    km, display = keymap
    bound = km.ensure("é😀✓")
    display.rows[bound[0]] = (0x41, 0, 0, 0)  # someone else rebound one
    km.close()
    assert display.closed
    assert display.rows[bound[0]] == (0x41, 0, 0, 0)
    assert all(not any(display.rows[k]) for k in bound[1:])


def test_tab_and_newline_never_need_a_binding(keymap) -> None:
    km, _ = keymap
    assert km.missing("a\tb\n") == []
