"""Terminal mode under tmux, for real: the agent cannot answer its own approval prompt, and the
supervising terminal is found after a tmux re-attach from another terminal (stale $WINDOWID).

Two xterms on the Xvfb screen: "sup" runs ``console-app run`` in a tmux pane, "work" is the
shell the agent types into. The human is played through the X server (focus + key presses).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PIL import Image

from tests.e2e.tmux_terminal import (
    ScriptedBackend,
    TmuxDesk,
    display_width,
    steps_of_last_run,
    xdotool,
)
from tests.e2e.tmux_terminal import desk as desk  # the fixture

APPROVE_PROMPT = "approve? [y/n/e/s/q/?]"
WARNING = "ignored an answer that was not typed on this terminal's keyboard"


def run_command(url: str, *extra: str) -> str:
    return " ".join(
        [
            sys.executable,
            "-m",
            "console_app",
            "run",
            "--task",
            "'do it'",
            "--profile",
            "local",
            "--base-url",
            url,
            "--max-steps",
            "6",
            *extra,
        ]
    )


def test_keys_injected_with_tmux_send_keys_cannot_approve(desk: TmuxDesk) -> None:
    work = desk.open_xterm(
        "work", "90x12+0+0", "tmux", "-L", desk.socket, "-f", "/dev/null",
        "new-session", "-s", "work",
    )  # fmt: skip
    sup = desk.open_xterm(
        "sup", "110x30+700+300", "tmux", "-L", desk.socket, "-f", "/dev/null",
        "new-session", "-s", "sup",
    )  # fmt: skip
    attack = f"sleep 2; tmux -L {desk.socket} send-keys -t sup y Enter"
    backend = ScriptedBackend(
        [
            {"type": "type", "text": attack},
            {"type": "keypress", "keys": ["ENTER"]},
            {"type": "click", "x": 200, "y": 100, "button": "left"},  # what the attack approves
        ]
    )
    try:
        desk.wait_pane("sup", lambda text: bool(text.strip()), "the shell prompt in the sup pane")
        desk.wait_pane("work", lambda text: bool(text.strip()), "the shell in the work pane")
        xdotool(desk.env, "windowfocus", "--sync", str(work))  # the agent works in "work"
        desk.tmux("send-keys", "-t", "sup", run_command(backend.url), "Enter")

        desk.wait_pane("sup", lambda t: t.count(APPROVE_PROMPT) == 1, "the 1st prompt (type)")
        desk.human_keys(sup, "y", "Return")
        desk.wait_pane("sup", lambda t: t.count(APPROVE_PROMPT) == 2, "the 2nd prompt (enter)")
        desk.human_keys(sup, "y", "Return")
        # The shell in "work" runs the attack; two seconds later "y⏎" lands in the sup pane.
        desk.wait_pane("work", lambda t: "send-keys -t sup y Enter" in t, "the attack typed")
        desk.wait_pane("sup", lambda t: t.count(APPROVE_PROMPT) >= 3, "the 3rd prompt (click)")
        try:
            shown = desk.wait_pane("sup", lambda t: WARNING in t, "the discarded-answer warning")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nwork pane:\n{desk.pane_text('work')}") from None
        assert shown.count(APPROVE_PROMPT) >= 4  # asked again after the injected answer

        desk.human_keys(sup, "n", "Return")  # the human rejects the click
        desk.wait_pane("sup", lambda t: "run " in t and "step(s)" in t, "the end of the run")
    finally:
        backend.close()

    steps = steps_of_last_run(Path(desk.env["CONSOLE_APP_HOME"]))
    decisions = [(s.action_type, s.decision, s.execution) for s in steps]
    assert decisions[:3] == [
        ("type", "approved", "done"),
        ("keypress", "approved", "done"),
        ("click", "rejected", "none"),
    ], decisions


def test_the_terminal_is_found_after_a_tmux_reattach(desk: TmuxDesk, backdrop: None) -> None:
    first = desk.open_xterm(
        "first", "100x20+0+0", "tmux", "-L", desk.socket, "-f", "/dev/null",
        "new-session", "-s", "sup",
    )  # fmt: skip
    desk.wait_pane("sup", lambda text: bool(text.strip()), "the shell prompt")
    # The human moves to another terminal: attach there, close the first one.
    second = desk.open_xterm(
        "second", "110x30+800+400", "tmux", "-L", desk.socket, "-f", "/dev/null",
        "attach-session", "-t", "sup",
    )  # fmt: skip
    desk.xterms[0].terminate()
    desk.xterms[0].wait(10)
    assert second != first
    # The pane's $WINDOWID still names a window of the first (gone) terminal.
    desk.tmux("send-keys", "-t", "sup", "echo W=$WINDOWID", "Enter")
    shown = desk.wait_pane("sup", lambda t: "\nW=" in t, "the pane's $WINDOWID")
    assert not shown.split("\nW=", 1)[1].startswith(("\n", " ")), "no $WINDOWID in the pane"

    center = _center(desk, second)
    screen_width = int(xdotool(desk.env, "getdisplaygeometry").split()[0])

    def click_on_the_terminal(body: dict[str, Any]) -> dict[str, Any]:
        scale = display_width(body) / screen_width  # model pixels per screen pixel
        return {"type": "click", "x": round(center[0] * scale), "y": round(center[1] * scale)}

    backend = ScriptedBackend([click_on_the_terminal])
    try:
        desk.tmux("send-keys", "-t", "sup", run_command(backend.url, "--approve", "auto"), "Enter")
        text = desk.wait_pane("sup", lambda t: "run " in t and "step(s)" in t, "the run's end")
    finally:
        backend.close()
    assert f"0x{second:x} (pid" in text and f"0x{first:x} (pid" not in text, text
    assert "stale" in text, text

    steps = steps_of_last_run(Path(desk.env["CONSOLE_APP_HOME"]))
    click = steps[0]
    assert (click.action_type, click.execution) == ("click", "refused"), click
    # The terminal the human looks at now is black in what the model saw.
    assert click.screenshot_path is not None
    with Image.open(click.screenshot_path) as image:
        pixel = image.convert("RGB").getpixel(center)
    assert max(pixel) < 16, pixel  # type: ignore[arg-type]


def _center(desk: TmuxDesk, window: int) -> tuple[int, int]:
    shape = dict(
        line.split("=", 1)
        for line in xdotool(desk.env, "getwindowgeometry", "--shell", str(window)).split()
    )
    return int(shape["X"]) + int(shape["WIDTH"]) // 2, int(shape["Y"]) + int(shape["HEIGHT"]) // 2
