"""Turn the PyInstaller folder into ``operator-console_<version>_amd64.deb`` with dpkg-deb.

Layout of the package::

    /opt/operator-console/                     the bundle (console-app + _internal/)
    /usr/bin/console-app                       → /opt/operator-console/console-app
    /usr/share/applications/operator-console.desktop
    /usr/share/icons/hicolor/<N>x<N>/apps/operator-console.png, scalable/…/operator-console.svg
    /usr/share/man/man1/console-app.1.gz
    /usr/share/doc/operator-console/{copyright,changelog.gz}
    /usr/share/lintian/overrides/operator-console

``Depends`` is derived, not hand-kept: the bundle carries no system library (the spec drops
them), so every ``NEEDED`` entry of every ELF file in it that the bundle does not provide must
come from a Debian package. Each soname is resolved on the build machine (``ldconfig -p`` →
``dpkg -S``) and the owning package becomes a dependency; an unresolvable soname fails the
build. Libraries and programs that are loaded at run time without a ``NEEDED`` entry are listed
in `RUNTIME_DEPENDS`, each with the reason. The clean-root test (tests/package) proves the set
is enough: it installs the .deb with ``--no-install-recommends`` and runs the self-test.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:  # icons.py sits next to this file (packaging/ is no package)
    sys.path.insert(0, str(HERE))

import icons  # noqa: E402
from elf import needed_sonames  # noqa: E402

NAME = "operator-console"
COMMAND = "console-app"
INSTALL_DIR = Path("opt") / NAME
DEFAULT_MAINTAINER = "Operator Console developers <maintainers@operator-console.invalid>"
DEFAULT_COMPRESSION = "xz:6"
"""``DEB_COMPRESSION`` overrides it (``gzip:N`` or ``xz:N``). Measured on the 249 MiB slimmed
bundle on this 2-core machine while other jobs loaded it (load 9-14): gzip:9 115 MiB in 101 s,
xz:1 101 MiB in 169 s, xz:3 99 MiB, xz:6 93 MiB in 573 s single-threaded. Only xz:6 keeps the
download under 100 MiB with a margin; it runs with every core (``--threads-max``). zstd is
what Ubuntu uses but lintian rejects it (``malformed-deb-archive``)."""

RUNTIME_DEPENDS: dict[str, str] = {
    # mss grabs the screen through libxcb with ctypes (find_library, then dlopen): no NEEDED.
    "libxcb1": "mss: libxcb.so.1 (ctypes)",
    "libxcb-randr0": "mss: libxcb-randr.so.0 (ctypes)",
    "libxcb-render0": "mss: libxcb-render.so.0 (ctypes)",
    "libxcb-shm0": "mss: libxcb-shm.so.0 (ctypes)",
    "libxcb-xfixes0": "mss: libxcb-xfixes.so.0 (ctypes)",
    # The executor types text with the xdotool program (exact Unicode on X11).
    "xdotool": "executor: xdotool type",
    # Qt draws text with fontconfig's fonts; without one, every label is blank.
    "fonts-dejavu-core": "Qt: at least one font",
}

# Sonames the C library provides under several names; they all map to libc6.
_LIBC_SONAMES = re.compile(r"^(libc|libm|libdl|libpthread|librt|libresolv|libutil|ld-linux.*)\.so")


@dataclass(frozen=True)
class DebResult:
    path: Path
    depends: list[str]
    installed_kib: int
    seconds: float


def read_version() -> str:
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    if not isinstance(version, str) or not re.fullmatch(r"[0-9][0-9A-Za-z.+~]*", version):
        raise ValueError(f"pyproject.toml's version {version!r} is not a valid Debian version")
    return version


# -- dependencies ----------------------------------------------------------------------------


def _ldconfig_paths() -> dict[str, str]:
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    paths: dict[str, str] = {}
    for line in out.splitlines():
        match = re.match(r"\s*(\S+) \((?:libc6,)?x86-64[^)]*\) => (\S+)", line)
        if match:
            paths.setdefault(match.group(1), match.group(2))
    return paths


def _owner(path: str) -> str | None:
    candidates = [path, str(Path(path).resolve())]
    if path.startswith("/lib"):
        candidates.append("/usr" + path)
    for candidate in candidates:
        result = subprocess.run(
            ["dpkg-query", "-S", candidate], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    return None


def system_depends(bundle: Path) -> list[str]:
    """The Debian packages owning every system library the bundle links, plus libc6 (>= x)."""
    needs, glibc = needed_sonames(bundle)
    locations = _ldconfig_paths()
    packages: set[str] = set()
    unresolved = []
    for soname, users in sorted(needs.items()):
        if _LIBC_SONAMES.match(soname):
            continue
        owner = _owner(locations[soname]) if soname in locations else None
        if owner is None:
            unresolved.append(f"{soname} (needed by {users[0].relative_to(bundle)})")
        else:
            packages.add(owner)
    if unresolved:
        raise RuntimeError(
            "no installed Debian package provides these libraries the bundle links; install "
            "them on the build machine (scripts/bootstrap lists them) or drop the files that "
            "need them in the spec:\n  " + "\n  ".join(unresolved)
        )
    packages.discard("libc6")
    return [f"libc6 (>= {glibc})", *sorted(packages | set(RUNTIME_DEPENDS))]


# -- staging ---------------------------------------------------------------------------------


def _fill(template: Path, values: dict[str, str]) -> str:
    text = template.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    leftover = re.findall(r"@[A-Z_]+@", text)
    if leftover:
        raise ValueError(f"{template.name}: unfilled placeholders {leftover}")
    return text


def _gzip_to(text: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(text.encode("utf-8"))


def _normalise_modes(root: Path, executables: set[Path]) -> None:
    """0755 for folders and the programs, 0644 for everything else (shared libraries included:
    Debian policy 8.1, and lintian flags executable .so files and data)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir() or path in executables:
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def stage(bundle: Path, staging: Path, version: str, depends: list[str]) -> int:
    """Lay the package out under ``staging``; return the installed size in KiB."""
    if staging.exists():
        shutil.rmtree(staging)
    target = staging / INSTALL_DIR
    shutil.copytree(bundle, target, symlinks=True)

    usr_bin = staging / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    # Across top-level directories a symlink is absolute (policy 10.5). The bootloader finds
    # its _internal folder from /proc/self/exe, so starting it through the link works.
    (usr_bin / COMMAND).symlink_to(Path("/") / INSTALL_DIR / COMMAND)

    share = staging / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / f"{NAME}.desktop", share / "applications")
    hicolor = share / "icons" / "hicolor"
    for size, png in icons.render(staging.parent / "icons", sizes=icons.SIZES).items():
        folder = hicolor / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copy2(png, folder / f"{NAME}.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(icons.SVG, hicolor / "scalable" / "apps" / f"{NAME}.svg")

    maintainer = os.environ.get("DEB_MAINTAINER", DEFAULT_MAINTAINER)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or int(time.time())
    values = {
        "VERSION": version,
        "MAINTAINER": maintainer,
        "DATE": formatdate(epoch, localtime=False),
        "DATE_SHORT": time.strftime("%Y-%m-%d", time.gmtime(epoch)),
    }
    debian = HERE / "debian"
    _gzip_to(
        _fill(debian / "console-app.1.in", values), share / "man" / "man1" / "console-app.1.gz"
    )
    doc = share / "doc" / NAME
    doc.mkdir(parents=True)
    shutil.copy2(debian / "copyright", doc / "copyright")
    _gzip_to(_fill(debian / "changelog.in", values), doc / "changelog.gz")
    overrides = share / "lintian" / "overrides"
    overrides.mkdir(parents=True)
    shutil.copy2(debian / "lintian-overrides", overrides / NAME)

    _normalise_modes(staging, {target / COMMAND})
    files = [p for p in staging.rglob("*") if p.is_file() and not p.is_symlink()]
    installed_kib = sum((p.stat().st_size + 1023) // 1024 for p in files) + len(
        [p for p in staging.rglob("*") if p.is_dir()]
    )

    control_dir = staging / "DEBIAN"
    control_dir.mkdir()
    values |= {"INSTALLED_SIZE": str(installed_kib), "DEPENDS": ", ".join(depends)}
    (control_dir / "control").write_text(_fill(debian / "control.in", values), encoding="utf-8")
    lines = []
    for path in sorted(files):
        digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
        lines.append(f"{digest}  {path.relative_to(staging)}\n")
    (control_dir / "md5sums").write_text("".join(lines), encoding="utf-8")
    _normalise_modes(control_dir, set())
    return installed_kib


def build_deb(bundle: Path, out_dir: Path, work_dir: Path, version: str) -> DebResult:
    """Stage and build the .deb; returns its path and what went into it."""
    started = time.perf_counter()
    depends = system_depends(bundle)
    staging = work_dir / "root"
    installed_kib = stage(bundle, staging, version, depends)
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{NAME}_{version}_amd64.deb"
    kind, _, level = os.environ.get("DEB_COMPRESSION", DEFAULT_COMPRESSION).partition(":")
    subprocess.run(
        [
            "dpkg-deb",
            "--root-owner-group",
            f"--threads-max={os.cpu_count() or 1}",
            f"-Z{kind}",
            f"-z{level or 6}",
            "--build",
            str(staging),
            str(deb),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return DebResult(deb, depends, installed_kib, time.perf_counter() - started)
