"""Reading X11 window properties, once for every X client of the console.

The window lister (``capture/windows.py``), the window tracker and keyboard-focus guard
(``executor/x11_windows.py``, ``executor/keyboard_focus.py``) and the terminal's window finder
(``cli/terminal_window.py``) each hold their own python-xlib connection (each is used from its
own thread, under its own lock), but read a window the same way through these functions: its
title (``_NET_WM_NAME`` in UTF-8, else ``WM_NAME``), its process (``_NET_WM_PID``), whether it is
a client window (``WM_STATE``, set by a window manager), a window id held in a property, and
its rectangle on the screen. They take python-xlib objects and raise what python-xlib raises
(a window destroyed meanwhile is a ``BadWindow``); callers decide how to fail.
"""

from __future__ import annotations

from typing import Any

ANY_PROPERTY_TYPE = 0  # X.AnyPropertyType
CARDINAL = 6  # Xatom.CARDINAL


class Atoms:
    """Interned atoms of one display connection, looked up once by name."""

    def __init__(self, display: Any) -> None:
        self.display = display
        self._atoms: dict[str, int] = {}

    def __getitem__(self, name: str) -> int:
        atom = self._atoms.get(name)
        if atom is None:
            atom = self._atoms[name] = int(self.display.intern_atom(name))
        return atom


def first_value(window: Any, atom: int, kind: int = ANY_PROPERTY_TYPE) -> int | None:
    """The first 32-bit value of a property (a window id, a pid), ``None`` when unset/empty."""
    prop = window.get_full_property(atom, kind)
    if prop is None or not len(prop.value):
        return None
    return int(prop.value[0])


def window_pid(window: Any, atoms: Atoms, kind: int = ANY_PROPERTY_TYPE) -> int | None:
    """The process that owns the window (``_NET_WM_PID``), ``None`` when it does not say."""
    return first_value(window, atoms["_NET_WM_PID"], kind)


def window_title(window: Any, atoms: Atoms, kind: int | None = None) -> str:
    """``_NET_WM_NAME`` (UTF-8; of type ``kind``, by default ``UTF8_STRING``), else ``WM_NAME``
    (Latin-1), else ''."""
    prop = window.get_full_property(
        atoms["_NET_WM_NAME"], atoms["UTF8_STRING"] if kind is None else kind
    )
    if prop is not None and prop.value:
        value = prop.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    name = window.get_wm_name()
    if isinstance(name, bytes):
        return name.decode("latin-1", "replace")
    return str(name or "")


def has_wm_state(window: Any, atoms: Atoms) -> bool:
    """The window is an application's client window (a window manager set ``WM_STATE``)."""
    return window.get_full_property(atoms["WM_STATE"], ANY_PROPERTY_TYPE) is not None


def root_rect(display: Any, window: int) -> tuple[int, int, int, int]:
    """``(x, y, w, h)`` of ``window`` in root (screen) coordinates."""
    resource = display.create_resource_object("window", window)
    geometry = resource.get_geometry()
    origin = display.screen().root.translate_coords(resource, 0, 0)
    return int(origin.x), int(origin.y), int(geometry.width), int(geometry.height)
