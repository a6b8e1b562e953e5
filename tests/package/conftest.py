"""The installer tests run only when asked for (``pytest -m package tests/package``).

They build a 450 MiB bundle, debootstrap a Debian root and need root and the network, so a
plain ``pytest`` (whose ``testpaths`` include tests/) must not start them by accident: unless
the marker expression names ``package``, they are *deselected* (counted and shown as such by
pytest, never reported as passed or skipped). CI runs them as a separate step in .ci/run.
"""

from __future__ import annotations

import pytest


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
