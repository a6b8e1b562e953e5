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
