"""A clean Debian root to install the .deb into: debootstrap (cached), chroot, mounts.

Why a chroot of a fresh debootstrap and not the build machine: the build machine has every
library the developers ever installed, so "it starts here" proves nothing about ``Depends``.
A ``minbase`` root has only Essential/required packages and apt; whatever the console needs
beyond that must come in through the .deb's dependencies.

Mounts (``/proc``, ``/dev``, ``/dev/pts``, ``/dev/shm``, ``/sys``, the apt cache, the X socket
folder) are made inside ``unshare --mount`` for each step, so they belong to a private mount
namespace that disappears with the step's process: nothing is left mounted on the host even
when a step fails or is killed, and deleting the root can never reach the host's ``/dev``.

The pristine root is cached as a tar in ``~/.cache/operator-console-package/`` (override:
``OPERATOR_CONSOLE_PACKAGE_CACHE``), keyed by suite; downloaded .debs are kept in the same
folder (bind-mounted as the root's apt archive cache), so only the first run downloads.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

NOTES: list[str] = []
"""Numbers and outputs worth reading after a run; printed in pytest's terminal summary."""

MIRROR = os.environ.get("OPERATOR_CONSOLE_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def host_suite() -> str:
    """The build machine's Debian release (the bundle links its glibc), bookworm otherwise."""
    try:
        fields = dict(
            line.split("=", 1)
            for line in Path("/etc/os-release").read_text().splitlines()
            if "=" in line
        )
    except OSError:
        return "bookworm"
    if fields.get("ID") == "debian" and fields.get("VERSION_CODENAME"):
        return fields["VERSION_CODENAME"].strip('"')
    return "bookworm"


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "operator-console-package"
    path = Path(os.environ.get("OPERATOR_CONSOLE_PACKAGE_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class BootstrapInfo:
    tarball: Path
    cold_seconds: float | None  # None when the cached tarball was used
    extract_seconds: float = 0.0


def pristine_tarball(suite: str) -> BootstrapInfo:
    """The cached tar of a fresh ``debootstrap --variant=minbase`` root (made on first use)."""
    tarball = cache_dir() / f"debootstrap-{suite}-minbase.tar"
    if tarball.is_file():
        return BootstrapInfo(tarball, None)
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is missing: run PACKAGING=1 scripts/bootstrap")
    work = cache_dir() / f"debootstrap-{suite}.partial"
    if work.exists():
        shutil.rmtree(work)
    started = time.perf_counter()
    result = subprocess.run(
        ["debootstrap", "--variant=minbase", suite, str(work), MIRROR],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if result.returncode != 0:
        raise RuntimeError(f"debootstrap failed ({result.returncode}):\n{result.stdout[-3000:]}")
    partial = tarball.with_suffix(".tar.partial")
    subprocess.run(
        ["tar", "--numeric-owner", "-C", str(work), "-cf", str(partial), "."], check=True
    )
    partial.replace(tarball)
    shutil.rmtree(work)
    return BootstrapInfo(tarball, time.perf_counter() - started)


@dataclass
class CleanRoot:
    path: Path
    info: BootstrapInfo
    x11_dir: Path | None = None
    log: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, path: Path, suite: str) -> CleanRoot:
        info = pristine_tarball(suite)
        started = time.perf_counter()
        path.mkdir(parents=True)
        subprocess.run(
            ["tar", "--numeric-owner", "-C", str(path), "-xpf", str(info.tarball)], check=True
        )
        info.extract_seconds = time.perf_counter() - started
        shutil.copy2("/etc/resolv.conf", path / "etc" / "resolv.conf")
        # Nothing is started by package scripts inside the chroot (no init, no services).
        policy = path / "usr" / "sbin" / "policy-rc.d"
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        return cls(path, info)

    def copy_in(self, source: Path, target: str) -> None:
        shutil.copy2(source, self.path / target.lstrip("/"))

    def run(
        self, script: str, *, timeout: float = 600, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a shell script as root inside the root, with the mounts it needs (see module
        doc); stdout and stderr together in ``.stdout``."""
        step = self.path / "tmp" / "step.sh"
        step.write_text("set -eu\n" + script)
        root = shlex.quote(str(self.path))
        archives = cache_dir() / "apt-archives"
        (archives / "partial").mkdir(parents=True, exist_ok=True)
        mounts = [
            f"mount -t proc proc {root}/proc",
            f"mount --bind /dev {root}/dev",
            f"mount -t devpts -o newinstance,ptmxmode=0666 devpts {root}/dev/pts",
            f"mount -t tmpfs tmpfs {root}/dev/shm",
            f"mount -t sysfs sysfs {root}/sys",
            f"mount --bind {shlex.quote(str(archives))} {root}/var/cache/apt/archives",
        ]
        if self.x11_dir is not None:
            (self.path / "tmp" / ".X11-unix").mkdir(exist_ok=True)
            mounts.append(f"mount --bind {shlex.quote(str(self.x11_dir))} {root}/tmp/.X11-unix")
        variables = {
            "HOME": "/root",
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "DEBIAN_FRONTEND": "noninteractive",
            **(env or {}),
        }
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in variables.items())
        inner = " && ".join(
            [*mounts, f"exec chroot {root} /usr/bin/env -i {assignments} /bin/sh /tmp/step.sh"]
        )
        started = time.perf_counter()
        try:
            result = subprocess.run(
                ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", inner],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        finally:
            self.kill_leftovers()
        combined = result.stdout + result.stderr
        self.log.append(
            f"--- step ({time.perf_counter() - started:.1f} s, exit {result.returncode}):\n"
            f"{script.strip()}\n--- output:\n{combined[-4000:]}"
        )
        return subprocess.CompletedProcess(result.args, result.returncode, combined, "")

    def kill_leftovers(self, grace_s: float = 3.0) -> None:
        """End processes still running inside the root (daemons a step started): SIGTERM, up to
        ``grace_s`` to exit, then SIGKILL. The grace matters for Xvfb: ``xvfb-run`` sends it
        SIGTERM and returns without waiting, and a server killed before it removed its lock
        file leaves a stale lock in the root."""
        pids = self._pids_inside()
        for pid in pids:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while pids and time.monotonic() < deadline:
            time.sleep(0.05)
            pids = [pid for pid in pids if _running(pid)]
        for pid in pids:
            _signal(pid, signal.SIGKILL)

    def _pids_inside(self) -> list[int]:
        own = self.path.resolve()
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if Path(os.readlink(proc / "root")).resolve() == own:
                    found.append(int(proc.name))
            except (OSError, ValueError):
                continue
        return found

    def remove(self) -> None:
        """Delete the root, refusing while anything is mounted below it."""
        self.kill_leftovers()
        own = str(self.path.resolve())
        mounted = [
            line.split()[1]
            for line in Path("/proc/mounts").read_text().splitlines()
            if line.split()[1] == own or line.split()[1].startswith(own + "/")
        ]
        if mounted:
            raise RuntimeError(f"not deleting {own}: still mounted: {mounted}")
        shutil.rmtree(self.path)


def _signal(pid: int, number: signal.Signals) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, number)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has exited: only its parent's wait is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[0] != "Z"


def dpkg_deb_field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "--field", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


@dataclass(frozen=True)
class Member:
    mode: str  # as ls shows it, e.g. "-rwxr-xr-x"
    owner: str
    link: str | None


def deb_members(deb: Path) -> dict[str, Member]:
    """The files of a .deb (path without the leading ``./`` → mode, owner, symlink target)."""
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    members = {}
    for line in listing.splitlines():
        mode, owner, _size, _date, _time, rest = line.split(None, 5)
        name, _, link = rest.partition(" -> ")
        members[name.removeprefix("./").rstrip("/")] = Member(mode, owner, link or None)
    return members
