"""What the ELF files of the bundle need, and cleaning build-machine paths out of them.

Why: the .deb's ``Depends`` is derived from the ``NEEDED`` entries (see deb_package.py), and
some binaries arrive with a ``RUNPATH`` naming a folder of the machine they were built on
(``/root/.pyenv/versions/3.11.7/lib`` for the interpreter's own modules, ``/usr/local/lib64``
in a manylinux wheel). On a user's machine such a path is at best useless and at worst a place
another user could plant a library, so every search path that is not relative to the file
(``$ORIGIN…``) is removed with patchelf. The bundle finds its libraries through ``$ORIGIN``
paths and the ``LD_LIBRARY_PATH`` the PyInstaller bootloader sets.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path


def is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def elf_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p))


def _readelf(path: Path) -> str:
    return subprocess.run(
        ["readelf", "--dynamic", "--version-info", "--wide", str(path)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout


def needed_sonames(folder: Path) -> tuple[dict[str, list[Path]], str]:
    """Sonames the folder's ELF files need that no file in it provides (→ who needs them),
    and the highest ``GLIBC_x.y`` symbol version any of them requires."""
    provided = {p.name for p in folder.rglob("*")}
    needs: dict[str, list[Path]] = defaultdict(list)
    glibc = (2, 17)
    for path in elf_files(folder):
        out = _readelf(path)
        for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out):
            if soname not in provided:
                needs[soname].append(path)
        for major, minor in re.findall(r"Name: GLIBC_(\d+)\.(\d+)", out):
            glibc = max(glibc, (int(major), int(minor)))
    return dict(needs), f"{glibc[0]}.{glibc[1]}"


def search_paths(path: Path) -> list[str] | None:
    """The RUNPATH (or RPATH) entries of an ELF file, or None when it has neither."""
    match = re.search(
        r"\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[(.*?)\]", _readelf(path)
    )
    return match.group(1).split(":") if match else None


def scrub_search_paths(folder: Path) -> list[str]:
    """Remove every non-``$ORIGIN`` search path from the folder's ELF files; return a line per
    file changed. Raises if patchelf is needed but missing."""
    changed = []
    for path in elf_files(folder):
        entries = search_paths(path)
        if entries is None:
            continue
        keep = [entry for entry in entries if entry.startswith("$ORIGIN")]
        if keep == entries:
            continue
        patchelf = shutil.which("patchelf")
        if patchelf is None:
            raise RuntimeError("patchelf is missing (apt-get install patchelf)")
        if keep:
            command = [patchelf, "--set-rpath", ":".join(keep), str(path)]
        else:
            command = [patchelf, "--remove-rpath", str(path)]
        subprocess.run(command, check=True)
        dropped = [entry for entry in entries if entry not in keep]
        changed.append(f"{path.relative_to(folder)}: dropped {':'.join(dropped)}")
    return changed
