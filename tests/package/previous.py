"""The previous release's .deb, built from git with that release's own packaging, cached.

Why build it rather than keep a binary fixture: a 190 MB .deb does not belong in git, and
building from the tagged commit means the upgrade test installs exactly what users of that
release have: its code, its spec, its file list. Why a cache: that build (PyInstaller + dpkg-deb)
costs about two minutes, and the previous release never changes; the .deb is kept in the
package cache (``clean_root.cache_dir()``) under the commit's name, so only the first run on a
machine builds it.

How: ``git worktree add --detach`` of `PREVIOUS_RELEASE` in a temporary folder, then that
commit's ``packaging/build.py`` with this venv's Python (the dependencies are today's; the code
and the packaging are the release's). The venv's installed ``operator-console`` metadata names
the *current* version, so a ``.dist-info`` with the release's version is placed first on
``PYTHONPATH`` in the worktree: that release's build checks and bundles its own version.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from tests.package.clean_root import cache_dir

PREVIOUS_RELEASE = "06a90f2ec93a556b73e59ac0072f81129ae71e6f"
"""Operator Console 0.1.0: the state of main that shipped the first installer (schema v2)."""

ROOT = Path(__file__).resolve().parents[2]


def previous_deb() -> tuple[Path, str, float | None]:
    """(the .deb, its version, seconds spent building it now — None when it was cached)."""
    folder = cache_dir() / f"previous-{PREVIOUS_RELEASE[:12]}"
    cached = sorted(folder.glob("operator-console_*_amd64.deb"))
    if cached:
        return cached[0], _deb_version(cached[0]), None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="previous-release-") as temp:
        tree = Path(temp) / "src"
        _git("worktree", "add", "--detach", str(tree), PREVIOUS_RELEASE)
        try:
            deb = _build(tree)
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / (deb.name + ".partial")
            shutil.copy2(deb, partial)
            final = partial.with_name(deb.name)
            partial.replace(final)
        finally:
            _git("worktree", "remove", "--force", str(tree))
    return final, _deb_version(final), time.perf_counter() - started


def _build(tree: Path) -> Path:
    with (tree / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    info = tree / f"operator_console-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: operator-console\nVersion: {version}\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        # The previous release's packaging reads this; gzip -1 keeps the one-off build short.
        "DEB_COMPRESSION": "gzip:1",
    }
    result = subprocess.run(
        [sys.executable, str(tree / "packaging" / "build.py")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"building the previous release ({PREVIOUS_RELEASE[:12]}) failed:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    debs = sorted((tree / "dist").glob("operator-console_*_amd64.deb"))
    if len(debs) != 1:
        raise RuntimeError(f"the previous release's build made {debs}, expected one .deb")
    return debs[0]


def _deb_version(deb: Path) -> str:
    return subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _git(*args: str) -> None:
    result = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"git {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}; the "
            f"upgrade test needs the history up to {PREVIOUS_RELEASE[:12]} (not a shallow clone)"
        )
