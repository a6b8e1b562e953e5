"""xterm and Mousepad: typed commands, a saved file, a window title — and look-alikes refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.realapps.conftest import App, _wait, run_task


def test_xterm_at_the_screen_corner_runs_a_command_and_sets_its_title(
    launch: Callable[..., App], tmp_path: Path
) -> None:
    # At +0+0: the prompt sits at the screen's top-left corner (no blind spot there).
    work = tmp_path / "term"
    work.mkdir()
    term = launch(
        [
            "xterm",
            "-T",
            "realapps-term",
            "-geometry",
            "90x20+0+0",
            "-fa",
            "DejaVu Sans Mono",
            "-fs",
            "11",
            "-e",
            "bash",
            "--norc",
            "--noprofile",
        ],
        "^realapps-term$",
        cwd=work,
    )
    task = (
        "type \"echo $((6*7))-done > result.txt; printf '\\e]2;job-%s\\a' ok-$((40+2)); "
        'echo printed-$((40+2))"\n'
        "press enter\n"
        'check "printed-42"\n'
    )
    result = run_task(tmp_path / "console", task, max_steps=8)
    assert result.returncode == 0, result.explain()
    assert result.final["status"] == "succeeded"
    assert result.executed == ["type", "keypress"], result.explain()
    # Outside the console: the file the shell wrote, and the title it set.
    assert _wait(lambda: (work / "result.txt").exists(), what="result.txt", timeout=10)
    assert (work / "result.txt").read_text().strip() == "42-done"
    assert _wait(lambda: term.title() == "job-ok-42", what="the new title", timeout=10)


def test_xterm_check_needs_the_whole_number(launch: Callable[..., App], tmp_path: Path) -> None:
    launch(
        [
            "xterm",
            "-T",
            "realapps-check",
            "-geometry",
            "80x12+200+150",
            "-fa",
            "DejaVu Sans Mono",
            "-fs",
            "12",
            "-e",
            "bash",
            "--norc",
            "--noprofile",
        ],
        "^realapps-check$",
    )
    result = run_task(
        tmp_path / "console", 'type "echo 234"\npress enter\ncheck "1234"', max_steps=6
    )
    assert result.returncode == 1, result.explain()
    assert result.final["status"] == "failed"
    answer = result.final.get("answer") or result.final.get("reason") or ""
    assert '"1234" is not on the screen' in answer, answer
    assert "click" not in result.executed


def _mousepad(launch: Callable[..., App], path: Path) -> App:
    return launch(["mousepad", str(path)], f"{path.name} - Mousepad$")


def test_mousepad_types_and_saves_a_file(launch: Callable[..., App], tmp_path: Path) -> None:
    note = tmp_path / "docs" / "note.txt"
    note.parent.mkdir()
    note.write_text("")
    editor = _mousepad(launch, note)
    text = "Meeting notes 2026, room 47"
    result = run_task(
        tmp_path / "console",
        f'type "{text}"\npress enter\npress ctrl+s\ncheck "{text}"',
        max_steps=8,
    )
    assert result.returncode == 0, result.explain()
    assert result.executed == ["type", "keypress", "keypress"], result.explain()
    assert _wait(lambda: note.read_text() == text + "\n", what="the saved file", timeout=15)
    # Saved: the title no longer starts with the "modified" star.
    assert _wait(lambda: not editor.title().startswith("*"), what="the saved title", timeout=10), (
        editor.title()
    )


def test_mousepad_look_alike_file_name_is_refused_and_nothing_changes(
    launch: Callable[..., App], tmp_path: Path
) -> None:
    listing = tmp_path / "listing.txt"
    content = "report_103.txt\nreport_173.txt\nPart 007 bearing\n"
    listing.write_text(content)
    before = listing.stat().st_mtime_ns
    editor = _mousepad(launch, listing)
    title = editor.title()
    result = run_task(
        tmp_path / "console",
        'double click "report_137.txt"\ntype "DELETED"\npress ctrl+s',
        max_steps=6,
    )
    assert result.returncode == 1, result.explain()
    assert result.executed == [], result.explain()
    answer = result.final.get("answer") or ""
    assert '"report_137.txt" is not on the screen; closest: ' in answer, answer
    assert "not taken" in answer
    assert listing.read_text() == content
    assert listing.stat().st_mtime_ns == before
    assert editor.title() == title
