"""The installer tests run only when asked for (``pytest -m package tests/package``).

They build a 450 MiB bundle, debootstrap a Debian root and need root and the network, so a
plain ``pytest`` (whose ``testpaths`` include tests/) must not start them by accident: unless
the marker expression names ``package``, they are *deselected* (counted and shown as such by
pytest, never reported as passed or skipped). CI runs them as a separate step in .ci/run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.package.clean_root import NOTES, CleanRoot, host_suite
from tests.package.installer import REPORT, ROOT, SCREEN, version


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "package" in (config.option.markexpr or ""):
        return
    here = __file__.rsplit("/", 1)[0]
    selected, deselected = [], []
    for item in items:
        (deselected if str(item.path).startswith(here) else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print (and keep in build/package-test-report.txt) the numbers the tests measured."""
    from pathlib import Path

    from tests.package.clean_root import NOTES

    if not NOTES:
        return
    terminalreporter.section("installer: measured")
    for note in NOTES:
        terminalreporter.write_line(note)
    report = Path(__file__).resolve().parents[2] / "build" / "package-test-report.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(NOTES) + "\n")


# -- fixtures (one build and one clean root for the whole installer suite) ---------------------


@pytest.fixture(scope="session")
def deb() -> Path:
    if os.geteuid() != 0:
        pytest.fail("the installer test needs root (debootstrap, chroot, mounts): run it as root")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--if-stale"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert result.returncode == 0, (
        f"build failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    )
    report = json.loads(REPORT.read_text())
    rebuilt = "up to date" not in result.stdout
    NOTES.append(
        f"bundle {report['bundle_bytes'] / 2**20:.0f} MiB, built in {report['bundle_seconds']} s; "
        f".deb {report['deb_bytes'] / 2**20:.0f} MiB in {report['deb_seconds']} s "
        f"({'built now' if rebuilt else 'fresh build reused'}, "
        f"{time.perf_counter() - started:.0f} s in this run)"
    )
    NOTES.append(f"Depends: {', '.join(report['depends'])}")
    path = Path(report["deb"])
    assert path.name == f"operator-console_{version()}_amd64.deb"
    return path


@pytest.fixture(scope="session")
def clean_root(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CleanRoot]:
    suite = host_suite()
    root = CleanRoot.create(tmp_path_factory.mktemp("clean-root") / suite, suite)
    info = root.info
    NOTES.append(
        f"debootstrap {suite} minbase: "
        + (f"cold {info.cold_seconds:.0f} s" if info.cold_seconds else "cached tarball")
        + f", extracted in {info.extract_seconds:.1f} s"
    )
    root.copy_in(deb, f"/tmp/{deb.name}")
    try:
        yield root
    finally:
        root.remove()


@pytest.fixture(scope="session")
def installed(clean_root: CleanRoot, deb: Path) -> CleanRoot:
    started = time.perf_counter()
    result = clean_root.run(
        f"apt-get update -q\ncd /tmp\napt-get install -y -q --no-install-recommends ./{deb.name}\n",
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    count = len(re.findall(r"^Setting up ", result.stdout, re.MULTILINE))
    NOTES.append(
        f"apt-get install ./{deb.name}: {count} packages in {time.perf_counter() - started:.0f} s"
    )
    return clean_root


@pytest.fixture(scope="session")
def host_display(installed: CleanRoot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Xvfb on the host, with access control like a desktop session: its socket folder is
    bind-mounted into the root and the root's ``~/.Xauthority`` holds the cookie."""
    cookie = secrets.token_hex(16)
    server_auth = tmp_path_factory.mktemp("xauth") / "server"
    # The server accepts every cookie in its file whatever display the entry names.
    subprocess.run(["xauth", "-q", "-f", str(server_auth), "add", ":0", ".", cookie], check=True)
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-auth", str(server_auth), *SCREEN.split()],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as reader:
        number = reader.readline().strip()
    assert number.isdigit(), "Xvfb did not report its display number"
    client_auth = installed.path / "root" / ".Xauthority"
    subprocess.run(
        ["xauth", "-q", "-f", str(client_auth), "add", f":{number}", ".", cookie], check=True
    )
    installed.x11_dir = Path("/tmp/.X11-unix")
    try:
        yield f":{number}"
    finally:
        installed.x11_dir = None
        client_auth.unlink(missing_ok=True)
        server.terminate()
        server.wait(10)
