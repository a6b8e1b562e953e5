"""`WindowLister` on a scripted X tree: frames of a reparenting window manager, clients
without one, titles, stacking order, unmapped and tiny windows skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from Xlib import X

from console_app.capture.windows import WindowLister
from console_app.core.geometry import Rect

ATOMS = {"WM_STATE": 1, "UTF8_STRING": 2, "_NET_WM_NAME": 3, "_NET_WM_PID": 4}


@dataclass
class Prop:
    value: Any


@dataclass
class Win:
    id: int
    geometry: tuple[int, int, int, int] = (0, 0, 100, 100)
    children: list[Win] = field(default_factory=list)
    props: dict[int, Any] = field(default_factory=dict)
    wm_class: tuple[str, str] | None = None
    name: str | None = None
    viewable: bool = True
    override: bool = False
    transient: Win | None = None
    parent: Win | None = None

    def query_tree(self) -> Any:
        root = ROOT
        return type("Tree", (), {"children": self.children, "parent": self.parent, "root": root})

    def get_attributes(self) -> Any:
        state = X.IsViewable if self.viewable else X.IsUnmapped
        return type("Attrs", (), {"map_state": state, "override_redirect": int(self.override)})

    def get_geometry(self) -> Any:
        x, y, w, h = self.geometry
        return type("Geom", (), {"x": x, "y": y, "width": w, "height": h, "border_width": 0})

    def get_full_property(self, atom: int, _type: int) -> Prop | None:
        return Prop(self.props[atom]) if atom in self.props else None

    def get_wm_class(self) -> tuple[str, str] | None:
        return self.wm_class

    def get_wm_name(self) -> str | None:
        return self.name

    def get_wm_transient_for(self) -> Win | None:
        return self.transient


ROOT = Win(0)


class Display:
    def __init__(self, root: Win) -> None:
        self.root = root

    def create_resource_object(self, _kind: str, wid: int) -> Win:
        def find(window: Win) -> Win | None:
            if window.id == wid:
                return window
            return next((f for c in window.children if (f := find(c)) is not None), None)

        found = find(self.root)
        assert found is not None
        return found

    def intern_atom(self, name: str) -> int:
        return ATOMS[name]

    def screen(self) -> Any:
        return type("Screen", (), {"root": self.root, "width_in_pixels": 1920,
                                   "height_in_pixels": 1080})  # fmt: skip

    def close(self) -> None:
        pass


def adopt(parent: Win, *children: Win) -> Win:
    for child in children:
        child.parent = parent
    parent.children = list(children)
    return parent


def test_frames_clients_titles_and_stacking() -> None:
    client = Win(11, props={1: [1], 3: "Passwords – KeePassXC".encode(), 4: [4242]},
                 wm_class=("keepassxc", "KeePassXC"))  # fmt: skip
    inner = adopt(Win(10), client)
    frame = adopt(Win(9, geometry=(50, 40, 400, 300)), inner)  # a WM frame: no class, no state
    bare = Win(20, geometry=(500, 0, 200, 100), wm_class=("xterm", "XTerm"), name="shell")
    dialog = Win(30, geometry=(60, 60, 100, 50), wm_class=("keepassxc", "KeePassXC"),
                 name="Unlock", transient=client)  # fmt: skip
    hidden = Win(40, wm_class=("x", "X"), viewable=False)
    tiny = Win(50, geometry=(0, 0, 1, 1), wm_class=("y", "Y"))
    adopt(ROOT, frame, bare, dialog, hidden, tiny)
    lister = WindowLister()
    lister._display = Display(ROOT)
    windows = lister.windows()
    assert [w.id for w in windows] == [9, 20, 30]  # bottom to top, unmapped and tiny skipped
    vault, term, unlock = windows
    assert vault.client == 11 and vault.ids == {9, 11} and vault.rect == Rect(50, 40, 400, 300)
    assert (vault.title, vault.wm_class, vault.pid) == ("Passwords – KeePassXC", "KeePassXC", 4242)
    assert term.client is None and term.title == "shell" and term.instance == "xterm"
    assert unlock.transient_for == 9  # the dialog's parent, as its frame
    assert lister.screen_rect() == Rect(0, 0, 1920, 1080)
    assert lister.window_at(100, 100) == unlock and lister.window_at(600, 50) == term
