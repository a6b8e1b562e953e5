"""The console's first main job, end to end: ``console-app run --approve auto`` on this screen.

Real everything: the CLI in its own process, the local engine it starts (HTTP + OCR), mss
capture of the Xvfb screen, pyautogui/xdotool input, and the target app's event log as the
witness of what actually happened on the desktop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import TargetApp
from tests.e2e.tmux_terminal import TmuxDesk, xdotool
from tests.e2e.tmux_terminal import desk as desk  # the fixture

TASK = """click OK
type "Ada Lovelace" into Name
press enter
click Submit
check "Submitted: Ada Lovelace"
"""


def run_cli(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONSOLE_APP_HOME": str(home)}
    env.pop("TZAFON_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "console_app", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_multi_step_task_completes_and_the_target_saw_it(
    target: TargetApp, tmp_path: Path
) -> None:
    mark = target.mark()
    done = run_cli(
        tmp_path,
        "run",
        "--task",
        TASK,
        "--profile",
        "local",
        "--approve",
        "auto",
        "--json",
        "--max-steps",
        "12",
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    lines = json_lines(done.stdout)
    steps = [line for line in lines if line["event"] == "step"]
    final = lines[-1]
    assert final["event"] == "run" and final["status"] == "succeeded", final
    kinds = [s["action_type"] for s in steps]
    assert kinds == ["click", "click", "type", "keypress", "click", "terminate"], kinds
    assert all(s["decision"] == "auto_approved" for s in steps[:-1])
    assert all(s["execution"] == "done" for s in steps[:-1])
    assert steps[-1]["decision"] == "final"
    assert all(s["upload_bytes"] > 0 for s in steps)

    # What the target app received, in order.
    events = target.events(since=mark)
    presses = [e for e in events if e["event"] == "press"]
    assert [e["widget"] for e in presses] == ["ok_button", "line_edit", "submit_button"]
    for press in presses:
        assert target.rect(press["widget"]).contains(*press["global_pos"])
    clicked = [e for e in events if e["event"] == "clicked"]
    assert [c["result"] for c in clicked] == ["OK clicked", "Submitted: Ada Lovelace"]
    texts = [e["text"] for e in events if e["event"] == "text" and e["widget"] == "line_edit"]
    assert texts and texts[-1] == "Ada Lovelace"
    returns = [e for e in events if e["event"] == "return"]
    assert [r["text"] for r in returns] == ["Ada Lovelace"]

    # The run is in the history, and the CLI can list and export it.
    listed = run_cli(tmp_path, "runs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)
    assert runs[0]["run_id"] == final["run_id"] and runs[0]["status"] == "succeeded"


def test_a_missing_target_fails_the_run_without_touching_the_desktop(
    target: TargetApp, tmp_path: Path
) -> None:
    mark = target.mark()
    done = run_cli(tmp_path, "run", "--task", "click Frobnicate", "--approve", "auto", "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    final = json_lines(done.stdout)[-1]
    assert final["status"] == "failed" and "Frobnicate" in (final["answer"] or final["reason"])
    assert [
        e for e in target.events(since=mark) if e["event"] in ("press", "release", "dblclick")
    ] == []


def test_the_supervising_terminal_is_masked_and_never_gets_the_agents_keys(
    desk: TmuxDesk, tmp_path: Path
) -> None:
    """The agent must not type into the terminal that supervises it (it could answer its own
    approval prompt). A real xterm runs the command (in a tmux pane, so the test can read it)
    and has the X keyboard focus; its window is verified through the process tree."""
    import cv2
    import numpy as np

    from console_app.history.store import HistoryStore

    sup = desk.open_xterm(
        "sup", "100x30+300+200", "tmux", "-L", desk.socket, "-f", "/dev/null",
        "new-session", "-s", "sup",
    )  # fmt: skip
    desk.wait_pane("sup", lambda text: bool(text.strip()), "the shell prompt")
    xdotool(desk.env, "windowfocus", "--sync", str(sup))
    out = tmp_path / "steps.jsonl"
    command = (
        f"{sys.executable} -m console_app run --task 'type \"y\"' --approve auto --json "
        f"--max-steps 2 > {out}; echo EXIT=$?"
    )
    desk.tmux("send-keys", "-t", "sup", command, "Enter")
    text = desk.wait_pane("sup", lambda t: "\nEXIT=" in t, "the end of the run")
    assert "EXIT=1" in text, text
    steps = [line for line in json_lines(out.read_text()) if line["event"] == "step"]
    assert steps and all(s["execution"] == "refused" for s in steps), steps
    assert "terminal" in steps[0]["execution_detail"]
    # No "y" reached the terminal: none echoed during the run, none left at the shell prompt.
    prompt_after = text.split("\nEXIT=", 1)[1].strip().splitlines()[-1]
    assert "\ny\n" not in text and not prompt_after.endswith("y"), text
    # Every screenshot the model got has the terminal painted black.
    store = HistoryStore(Path(desk.env["CONSOLE_APP_HOME"]) / "data" / "history.sqlite3")
    try:
        stored = store.steps_of(steps[0]["run_id"])
        image = cv2.imread(str(stored[0].screenshot_path))
    finally:
        store.close()
    shape = dict(
        line.split("=", 1)
        for line in xdotool(desk.env, "getwindowgeometry", "--shell", str(sup)).split()
    )
    left, top = int(shape["X"]), int(shape["Y"])
    right, bottom = left + int(shape["WIDTH"]), top + int(shape["HEIGHT"])
    scale = image.shape[1] / 1920
    x0, y0 = int(left * scale) + 2, int(top * scale) + 2
    x1, y1 = int(right * scale) - 2, int(bottom * scale) - 2
    assert float(np.max(image[y0:y1, x0:x1])) <= 24
