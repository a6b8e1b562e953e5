"""``docs/keys.md`` is the one documented key table: it lists exactly the spellings
``core/keys.py`` accepts (regenerate with ``python -m tests.unit.core.test_key_table_doc``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from console_app.core import keys as keys_module
from console_app.core.keys import MODIFIERS, NAMED_KEYS, canonical_key, keys_from_wire

DOC = Path(__file__).resolve().parents[3] / "docs" / "keys.md"
BEGIN, END = "<!-- key-table:begin -->", "<!-- key-table:end -->"


def table() -> str:
    by_key: dict[str, list[str]] = {}
    for alias, canonical in keys_module._ALIASES.items():
        if alias != canonical:
            by_key.setdefault(canonical, []).append(alias)
    f_keys = {f"f{n}" for n in range(1, 25)}
    order = [*sorted(MODIFIERS), *sorted(NAMED_KEYS - f_keys)]
    order += sorted(k for k in by_key if k not in order)
    rows = ["| key | also accepted (case, `_`, `-` and spaces ignored) |", "|---|---|"]
    rows.append("| `f1` … `f24` | `F1` … `F24` |")
    for key in order:
        aliases = ", ".join(f"`{a}`" for a in sorted(by_key.get(key, [])))
        rows.append(f"| `{key}` | {aliases} |".replace("`|`", "`\\|`"))
    return "\n".join(rows)


def test_the_documented_table_is_the_code_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert documented == table(), (
        "docs/keys.md is stale: python -m tests.unit.core.test_key_table_doc"
    )


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("CTRL", "ctrl"),
        ("Control", "ctrl"),
        ("ArrowLeft", "left"),
        ("Meta", "meta"),
        ("Super", "meta"),
        ("Cmd", "meta"),
        ("Option", "alt"),
        ("Return", "enter"),
        ("Esc", "escape"),
        ("PageDown", "pagedown"),
        ("Space", "space"),
        ("AltGraph", "alt"),
        ("LeftShift", "shift"),
        ("Numpad5", "5"),
        ("KP_7", "7"),
        ("ISO_Left_Tab", "tab"),
        ("⌘", "meta"),
        ("Page_Up", "pageup"),
        ("BackSpace", "backspace"),
    ],
)
def test_spellings_of_real_clients(spelling: str, canonical: str) -> None:
    assert canonical_key(spelling) == canonical


def test_json_encoded_chords_inside_a_list() -> None:
    assert keys_from_wire(['["ctrl","c"]']) == ["ctrl", "c"]
    assert keys_from_wire(['["CTRL", "SHIFT"]', "t"]) == ["CTRL", "SHIFT", "t"]
    assert keys_from_wire(["["]) == ["["]  # the bracket key itself
    assert keys_from_wire(["[]"]) == ["[]"]  # not a chord; refused later as an unknown key


def test_an_unknown_key_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="unknown key 'Hyper_X'"):
        canonical_key("Hyper_X")


if __name__ == "__main__":  # regenerate the table in docs/keys.md
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{table()}\n{END}{tail}", encoding="utf-8")
    sys.exit(0)
