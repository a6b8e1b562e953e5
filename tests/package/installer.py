"""What the installer tests share: the version, the self-test's output format, constants."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "dist" / "operator-console.build.json"
CHECKS = ("data", "qt", "screen", "input", "engine", "ocr", "keyring")
LINE = re.compile(r"^(PASS|WARN|FAIL) (\w+): (.*) \[\d+\.\d s\]$")
SCREEN = "-screen 0 1920x1080x24 -nolisten tcp"


def free_display(start: int = 200) -> int:
    """A display number no X server on this machine uses, for ``xvfb-run -n`` in a root.

    ``xvfb-run -a`` inside the root only sees the root's own lock files, but X's abstract
    socket (``@/tmp/.X11-unix/X<n>``) is shared with the host: a root's Xvfb on :99 beside a
    host Xvfb on :99 lets the root's clients reach the *host's* server — and lose it (the
    console exits) when that server stops. So the number is chosen here, against the host's
    lock files, socket files and abstract sockets."""
    unix = Path("/proc/net/unix").read_text(errors="replace")
    for number in range(start, start + 1000):
        taken = (
            Path(f"/tmp/.X{number}-lock").exists()
            or Path(f"/tmp/.X11-unix/X{number}").exists()
            or f"@/tmp/.X11-unix/X{number}\n" in unix
        )
        if not taken:
            return number
    raise RuntimeError("no free X display number")


def xvfb_run(server_args: str) -> str:
    """``xvfb-run`` for a script inside a root, on a display number free on the host.

    The root's own lock file for that number goes first: a step's Xvfb killed before it removed
    its lock (see ``CleanRoot.kill_leftovers``) leaves one naming a dead server's PID, and where
    that PID still answers (a zombie nobody reaps, a reused PID) the next Xvfb refuses with
    "Server is already active" — seen in CI as "xvfb-run: error: Xvfb failed to start" for every
    later session of the root. Nothing runs in a root between steps, so the lock is stale. The
    server's own messages go to /tmp/xvfb.err and are shown when it does not start."""
    number = free_display()
    return f'rm -f /tmp/.X{number}-lock; xvfb-run -n {number} -e /tmp/xvfb.err -s "{server_args}"'


def version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        value: str = tomllib.load(handle)["project"]["version"]
    return value


def parse_self_test(output: str) -> dict[str, tuple[str, str]]:
    """check name → (status, detail) for every check line of the self-test output."""
    found = {}
    for line in output.splitlines():
        match = LINE.match(line.strip())
        if match:
            found[match.group(2)] = (match.group(1), match.group(3))
    return found


def assert_all_pass(output: str, *, keyring: str) -> dict[str, tuple[str, str]]:
    checks = parse_self_test(output)
    assert set(checks) == set(CHECKS), f"check lines missing or extra:\n{output}"
    for name in CHECKS:
        expected = keyring if name == "keyring" else "PASS"
        assert checks[name][0] == expected, f"{name} is {checks[name]}:\n{output}"
    assert re.search(r"^self-test OK: \d+ passed", output, re.MULTILINE), output
    return checks
