"""Build the Linux installer: ``dist/operator-console/`` (PyInstaller) and the .deb.

Usage (``make package`` runs the first)::

    .venv/bin/python packaging/build.py              # bundle + .deb
    .venv/bin/python packaging/build.py --if-stale   # skip both if nothing changed since
    .venv/bin/python packaging/build.py --no-deb     # bundle only

Why a fingerprint: the package test needs "a fresh build" and a PyInstaller run costs about
a minute, so ``--if-stale`` rebuilds only when a source file, the packaging files or an
installed Python package changed. The numbers of the last build (sizes, seconds, Depends) are
written to ``dist/operator-console.build.json`` and printed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = ROOT / "dist"
WORK = ROOT / "build"
BUNDLE = DIST / "operator-console"
REPORT = DIST / "operator-console.build.json"
SPEC = HERE / "operator-console.spec"
sys.path.insert(0, str(HERE))

import deb_package  # noqa: E402
import elf  # noqa: E402
import slim  # noqa: E402


def ensure_pyinstaller() -> None:
    """Install the ``package`` extra of pyproject.toml (PyInstaller) into this venv if absent."""
    if importlib.util.find_spec("PyInstaller") is None:
        with (ROOT / "pyproject.toml").open("rb") as handle:
            wanted = tomllib.load(handle)["project"]["optional-dependencies"]["package"]
        print(f"build: installing {' '.join(wanted)}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *wanted], check=True)


def check_installed_version(version: str) -> None:
    """The bundle's ``--version`` comes from the installed metadata: it must match pyproject."""
    from importlib.metadata import version as installed

    found = installed("operator-console")
    if found != version:
        raise SystemExit(
            f"build: the venv has operator-console {found} installed but pyproject.toml says "
            f"{version}; run scripts/bootstrap (it reinstalls when pyproject.toml changes)"
        )


def fingerprint() -> str:
    """A hash of every input of the build: sources, packaging, resources, installed packages."""
    digest = hashlib.sha256()
    inputs = [ROOT / "pyproject.toml"]
    for folder in ("console_app", "packaging", "resources"):
        inputs += sorted(
            p
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        )
    for path in inputs:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    freeze = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    digest.update(freeze.encode())
    return digest.hexdigest()


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build_bundle(version: str) -> tuple[float, dict[str, object]]:
    """Run PyInstaller and slim the result (packaging/slim.py); return the seconds it took and
    the sizes per component before and after slimming. Fails if the bundle cannot say its
    version."""
    started = time.perf_counter()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # the spec renders icons with Qt
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level=WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(WORK / "pyinstaller"),
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
        env=env,
    )
    scrubbed = elf.scrub_search_paths(BUNDLE)
    if scrubbed:
        print(f"build: removed build-machine library search paths from {len(scrubbed)} files")
    before = slim.component_sizes(BUNDLE)
    slimmed = slim.slim(BUNDLE, {BUNDLE / "console-app", BUNDLE / "console-app-cli"})
    after = slim.component_sizes(BUNDLE)
    for line in slimmed.lines():
        print(f"build: {line}")
    seconds = time.perf_counter() - started
    exe = BUNDLE / "console-app"
    said = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    if said.stdout.strip() != f"console-app {version}":
        raise SystemExit(f"build: {exe} --version printed {said.stdout.strip()!r}")
    mib = 2**20
    components = {
        name: [round(before.get(name, 0) / mib, 1), round(after.get(name, 0) / mib, 1)]
        for name in sorted(before.keys() | after.keys(), key=lambda n: -before.get(n, 0))
    }
    return seconds, {"components_mib_before_after": components, "slim": slimmed.lines()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-stale", action="store_true", help="skip if nothing changed")
    parser.add_argument("--no-deb", action="store_true", help="build the bundle only")
    args = parser.parse_args(argv)

    if sys.platform != "linux":
        raise SystemExit("build: this script builds the Linux bundle and .deb; see packaging/")
    version = deb_package.read_version()
    current = fingerprint()
    if args.if_stale and REPORT.exists():
        previous = json.loads(REPORT.read_text())
        deb = Path(previous.get("deb") or "")
        if (
            previous.get("fingerprint") == current
            and BUNDLE.is_dir()
            and (args.no_deb or deb.is_file())
        ):
            print(f"build: up to date ({REPORT.relative_to(ROOT)})")
            return 0

    ensure_pyinstaller()
    check_installed_version(version)
    REPORT.unlink(missing_ok=True)
    print(f"build: PyInstaller bundle of operator-console {version} …", flush=True)
    bundle_seconds, sizes = build_bundle(version)
    bundle_bytes = tree_bytes(BUNDLE)
    report: dict[str, object] = {
        "version": version,
        "fingerprint": current,
        "bundle": str(BUNDLE),
        "bundle_bytes": bundle_bytes,
        "bundle_seconds": round(bundle_seconds, 1),
        **sizes,
    }
    print(
        f"build: bundle {BUNDLE.relative_to(ROOT)}: {bundle_bytes / 2**20:.0f} MiB "
        f"in {bundle_seconds:.0f} s",
        flush=True,
    )
    if not args.no_deb:
        if shutil.which("dpkg-deb") is None:
            raise SystemExit("build: dpkg-deb is missing (apt-get install dpkg-dev or dpkg)")
        result = deb_package.build_deb(BUNDLE, DIST, WORK / "deb", version)
        report |= {
            "deb": str(result.path),
            "deb_bytes": result.path.stat().st_size,
            "deb_seconds": round(result.seconds, 1),
            "installed_kib": result.installed_kib,
            "depends": result.depends,
        }
        print(
            f"build: {result.path.relative_to(ROOT)}: {result.path.stat().st_size / 2**20:.0f} MiB "
            f"(installed {result.installed_kib / 1024:.0f} MiB) in {result.seconds:.0f} s\n"
            f"build: Depends: {', '.join(result.depends)}",
            flush=True,
        )
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
