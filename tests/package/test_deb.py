"""The installer, end to end: build the bundle and the .deb, lint it, install it into a clean
Debian root with apt, and run the installed ``console-app --self-test`` there.

Run: ``sudo .venv/bin/pytest -m package tests/package`` (root: debootstrap, chroot, mounts;
network: debootstrap and apt download from the Debian mirror). .ci/run runs it after
scripts/test. A fresh build is reused (``packaging/build.py --if-stale``); the debootstrap
result and downloaded .debs are cached (see clean_root.py), so only the first run is slow.

The order of the tests is the order of the story: the package is well formed, lintian has no
errors, apt installs it into a root that has nothing else, the self-test passes there on a
display served from *outside* the root (so no X package inside the root can hide a missing
dependency), fails loudly without a display, passes under ``xvfb-run`` inside the root, and its
keyring check passes once a Secret Service is running.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from console_app.ui.self_test import CHECK_NAMES
from tests.package.clean_root import NOTES, CleanRoot, deb_members, dpkg_deb_field
from tests.package.installer import (
    CHECKS,
    REPORT,
    ROOT,
    SCREEN,
    assert_all_pass,
    parse_self_test,
    version,
    xvfb_run,
)

pytestmark = [pytest.mark.package, pytest.mark.timeout(1200)]

# What Qt's xcb platform plugin, mss and the executor need from the system: each must be a
# dependency (directly; apt may pull more through them).
REQUIRED_DEPENDS = (
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render0",
    "libxcb-shm0",
    "libxcb-xfixes0",
    "libxcb-xkb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libx11-xcb1",
    "libfontconfig1",
    "libgl1",
    "libegl1",
    "libglib2.0-0",
    "libdbus-1-3",
    "xdotool",
    "fonts-dejavu-core",
)


# -- the package ------------------------------------------------------------------------------


def test_package_fields_and_layout(deb: Path) -> None:
    assert dpkg_deb_field(deb, "Package") == "operator-console"
    assert dpkg_deb_field(deb, "Version") == version()
    assert dpkg_deb_field(deb, "Architecture") == "amd64"
    depends = {d.split()[0] for d in dpkg_deb_field(deb, "Depends").split(", ")}
    assert set(REQUIRED_DEPENDS) <= depends, set(REQUIRED_DEPENDS) - depends

    members = deb_members(deb)
    launcher = members["usr/bin/console-app"]
    assert launcher.link == "/opt/operator-console/console-app"
    assert members["opt/operator-console/console-app"].mode == "-rwxr-xr-x"
    assert {m.owner for m in members.values()} == {"root/root"}
    desktop = "usr/share/applications/operator-console.desktop"
    assert desktop in members
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert f"usr/share/icons/hicolor/{size}x{size}/apps/operator-console.png" in members
    assert "usr/share/icons/hicolor/scalable/apps/operator-console.svg" in members
    for doc in ("copyright", "changelog.gz"):
        assert f"usr/share/doc/operator-console/{doc}" in members
    assert "usr/share/man/man1/console-app.1.gz" in members
    internal = "opt/operator-console/_internal/"
    # The local engine's OCR models and config travel inside the bundle: RapidOCR's detector,
    # the engine's 8-bit recogniser (lines) and RapidOCR's float one (button labels); not the
    # angle classifier (screen text is upright).
    assert f"{internal}rapidocr/models/PP-OCRv6_det_small.onnx" in members
    assert f"{internal}rapidocr/models/PP-OCRv6_rec_small.onnx" in members
    assert f"{internal}rapidocr/config.yaml" in members
    assert f"{internal}console_app/_resources/ocr/PP-OCRv6_rec_small.int8.onnx" in members
    assert f"{internal}rapidocr/models/ch_ppocr_mobile_v2.0_cls_mobile.onnx" not in members
    # No plaintext keyring fallback, and no copy of a system library (they come from Depends).
    assert not any(name.startswith(f"{internal}keyrings") for name in members)
    assert not any(
        re.match(rf"{internal}lib(X11|xcb|glib-2\.0|fontconfig)\.so", n) for n in members
    )


BUNDLE_BUDGET_MIB = 250
DEB_BUDGET_MIB = 100


def test_sizes_within_budget(deb: Path) -> None:
    """Issue 18: bundle ≤ 250 MiB, .deb ≤ 100 MiB, xz-compressed (read by every dpkg)."""
    report = json.loads(REPORT.read_text())
    bundle_mib = report["bundle_bytes"] / 2**20
    deb_mib = deb.stat().st_size / 2**20
    NOTES.append(
        "sizes (MiB, before → after slimming): "
        + ", ".join(f"{k} {v[0]}→{v[1]}" for k, v in report["components_mib_before_after"].items())
    )
    assert bundle_mib <= BUNDLE_BUDGET_MIB, f"bundle {bundle_mib:.1f} MiB"
    assert deb_mib <= DEB_BUDGET_MIB, f".deb {deb_mib:.1f} MiB"
    members = subprocess.run(["ar", "t", str(deb)], capture_output=True, text=True, check=True)
    assert "data.tar.xz" in members.stdout.split(), members.stdout


def test_desktop_entry_and_resources_match() -> None:
    entry = (ROOT / "resources" / "operator-console.desktop").read_text()
    assert "\nExec=console-app\n" in entry
    assert "\nIcon=operator-console\n" in entry
    assert (ROOT / "resources" / "icons" / "operator-console.svg").is_file()
    assert set(CHECKS) == set(CHECK_NAMES)


def test_lintian_reports_no_errors(deb: Path) -> None:
    result = subprocess.run(
        ["lintian", "--tag-display-limit", "0", "--show-overrides", str(deb)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = (result.stdout + result.stderr).splitlines()
    errors = [line for line in lines if line.startswith("E:")]
    warnings = [line for line in lines if line.startswith("W:")]
    overridden = [line for line in lines if line.startswith("O:")]
    tags = sorted({line.split()[2] for line in overridden})
    NOTES.append(
        f"lintian: {len(errors)} errors, {len(warnings)} warnings, {len(overridden)} overridden "
        f"({', '.join(tags)})"
    )
    assert not errors, "\n".join(errors[:50])
    assert overridden, "the overrides file was not installed or not applied"


# -- in the clean root ------------------------------------------------------------------------


def test_installs_with_nothing_but_its_dependencies(installed: CleanRoot) -> None:
    result = installed.run(
        "console-app --version\n"
        "readlink -f /usr/bin/console-app\n"
        "dpkg-query -W -f='${Status}\\n' operator-console\n"
        # No X server or toolkit came with the .deb: a missing dependency cannot hide behind one.
        "if dpkg-query -W xvfb xserver-common 2>/dev/null; then echo HAS_X_SERVER; fi\n"
        # Every library any file of the bundle links resolves (the bootloader's search path).
        "export LD_LIBRARY_PATH=/opt/operator-console/_internal\n"
        "find /opt/operator-console -type f \\( -name '*.so*' -o -name console-app \\)"
        " -exec ldd {} + 2>&1 | grep 'not found' || echo ALL_LIBRARIES_FOUND\n"
    )
    assert result.returncode == 0, result.stdout
    assert f"console-app {version()}" in result.stdout
    assert "/opt/operator-console/console-app" in result.stdout
    assert "install ok installed" in result.stdout
    assert "HAS_X_SERVER" not in result.stdout
    assert "ALL_LIBRARIES_FOUND" in result.stdout, result.stdout


def test_self_test_passes_in_the_clean_root(installed: CleanRoot, host_display: str) -> None:
    result = installed.run("cd /root\nconsole-app --self-test\n", env={"DISPLAY": host_display})
    NOTES.append("self-test in the clean root (display from outside):\n" + result.stdout.strip())
    assert result.returncode == 0, result.stdout
    checks = assert_all_pass(result.stdout, keyring="WARN")
    assert "platform xcb" in checks["qt"][1]
    assert "TZAFON_API_KEY" in checks["keyring"][1]
    assert "bundle /opt/operator-console" in result.stdout


def test_self_test_fails_without_a_display(installed: CleanRoot) -> None:
    result = installed.run("cd /root\nexec console-app --self-test\n")
    assert result.returncode == 1, result.stdout
    checks = parse_self_test(result.stdout)
    assert set(checks) == set(CHECKS), result.stdout
    assert checks["qt"][0] == "FAIL", result.stdout
    assert checks["screen"][0] == "FAIL", result.stdout
    assert checks["engine"] == ("PASS", checks["engine"][1]), result.stdout  # needs no display
    assert "self-test FAILED" in result.stdout


def test_self_test_passes_under_xvfb_run_in_the_root(installed: CleanRoot) -> None:
    result = installed.run(
        "apt-get install -y -q --no-install-recommends xvfb xauth >/tmp/xvfb.log 2>&1"
        " || { cat /tmp/xvfb.log; exit 1; }\n"
        f"cd /root\n{xvfb_run(SCREEN)} console-app --self-test"
        " || { status=$?; cat /tmp/xvfb.err 2>/dev/null; exit $status; }\n",
        timeout=900,
    )
    NOTES.append("self-test under xvfb-run in the root:\n" + result.stdout.strip())
    assert result.returncode == 0, result.stdout
    assert_all_pass(result.stdout, keyring="WARN")


def test_keyring_check_passes_with_a_secret_service(
    installed: CleanRoot, host_display: str
) -> None:
    result = installed.run(
        "apt-get install -y -q --no-install-recommends dbus-daemon gnome-keyring"
        " >/tmp/keyring.log 2>&1 || { cat /tmp/keyring.log; exit 1; }\n"
        "cd /root\n"
        "exec dbus-run-session -- sh -c"
        " 'printf secret | gnome-keyring-daemon --unlock --components=secrets >/dev/null;"
        " console-app --self-test'\n",
        env={"DISPLAY": host_display},
        timeout=900,
    )
    NOTES.append("self-test with a Secret Service (gnome-keyring):\n" + result.stdout.strip())
    assert result.returncode == 0, result.stdout
    checks = assert_all_pass(result.stdout, keyring="PASS")
    assert "SecretService" in checks["keyring"][1], checks["keyring"]
