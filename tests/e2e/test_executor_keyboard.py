"""Real keyboard input from `DesktopComputer`: exact text, chords, holds, navigate (Xvfb)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from console_app.api.normalize import normalize_action
from console_app.capture.mapping import ViewportMapping
from console_app.core.actions import (
    Click,
    KeyDown,
    KeyUp,
    Navigate,
    PointAndType,
    TypeText,
    Wait,
    build_action,
)
from console_app.executor.desktop import DesktopComputer
from console_app.executor.outcomes import ExecutionInterrupted
from tests.e2e.conftest import TargetApp

pytestmark = pytest.mark.e2e

UNICODE_TEXT = "Grüße, café — 😀 ✓"

# X keysyms as Qt reports them (nativeVirtualKey)
XK_SHIFT_L = 0xFFE1
XK_SUPER_L = 0xFFEB
XK_F5 = 0xFFC2


def last_text(target: TargetApp, widget: str) -> str:
    """The widget's text after the last change since the test's mark ("" if it never changed)."""
    texts = [e["text"] for e in target.events("text") if e["widget"] == widget]
    return texts[-1] if texts else ""


def focus_by_click(
    target: TargetApp, desktop: DesktopComputer, mapping: ViewportMapping, name: str
) -> None:
    x, y = target.center(name)
    desktop.execute(Click(x=x, y=y), mapping)
    ack = target.sync()
    assert ack["focus"] == name
    target.mark()


@pytest.mark.parametrize(
    "text",
    ["Hello, World! 123 ~`!@#$%^&*()_+-={}[]|\\:;\"'<>,.?/", UNICODE_TEXT],
    ids=["ascii", "unicode"],
)
def test_type_text_arrives_exactly(
    text: str, target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    focus_by_click(target, desktop, screen_mapping, "line_edit")
    desktop.execute(TypeText(text=text), screen_mapping)
    target.sync()
    assert last_text(target, "line_edit") == text


def test_unicode_text_is_exact_when_typed_again_and_in_a_long_mixed_text(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    """More distinct non-keyboard characters than Xvfb has spare keycodes (chunked typing),
    after an earlier text already bound some of them."""
    text = UNICODE_TEXT + " " + "".join(chr(c) for c in range(0x3B1, 0x3C9)) + " 中文字 🎉€≠"
    focus_by_click(target, desktop, screen_mapping, "line_edit")
    desktop.execute(TypeText(text=UNICODE_TEXT), screen_mapping)
    desktop.execute(TypeText(text=" " + text), screen_mapping)
    target.sync()
    assert last_text(target, "line_edit") == UNICODE_TEXT + " " + text


def test_newlines_are_enter_in_a_multiline_editor(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    focus_by_click(target, desktop, screen_mapping, "text_edit")
    desktop.execute(TypeText(text="first line\nsecond — ✓\r\nthird"), screen_mapping)
    target.sync()
    assert last_text(target, "text_edit") == "first line\nsecond — ✓\nthird"
    returns = [e for e in target.events("key_press") if e["key_name"] == "Return"]
    assert len(returns) == 2


def test_point_and_type_clicks_then_types(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    x, y = target.center("line_edit")
    desktop.execute(PointAndType(x=x, y=y, text="café ✓"), screen_mapping)
    target.sync()
    (press,) = target.events("press")
    assert press["widget"] == "line_edit" and press["global_pos"] == [x, y]
    assert last_text(target, "line_edit") == "café ✓"


def test_ctrl_a_then_typing_replaces_the_text(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    focus_by_click(target, desktop, screen_mapping, "line_edit")
    desktop.execute(TypeText(text="old text"), screen_mapping)
    desktop.execute(build_action({"type": "keypress", "keys": ["CTRL", "a"]}), screen_mapping)
    desktop.execute(TypeText(text="new"), screen_mapping)
    target.sync()
    assert last_text(target, "line_edit") == "new"
    ctrl_a = [e for e in target.events("key_press") if e["key_name"] == "A"]
    assert ctrl_a and ctrl_a[0]["modifiers"] == ["ctrl"]


def test_shift_tab_moves_focus_backwards_and_tab_forwards(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    focus_by_click(target, desktop, screen_mapping, "line_edit")
    desktop.execute(
        build_action(normalize_action({"type": "keypress", "keys": "shift+tab"})), screen_mapping
    )
    assert target.sync()["focus"] == "address_bar"
    desktop.execute(build_action({"type": "keypress", "keys": ["Tab"]}), screen_mapping)
    assert target.sync()["focus"] == "line_edit"
    backtab = [e for e in target.events("key_press") if e["widget"] == "line_edit"]
    assert backtab[-1]["modifiers"] == ["shift"]
    assert desktop.held() == []


@pytest.mark.parametrize(
    ("keys", "keysym"),
    [(["cmd"], XK_SUPER_L), (["Super"], XK_SUPER_L), (["F5"], XK_F5)],
    ids=["cmd", "super", "f5"],
)
def test_named_keys_press_the_right_keysym(
    keys: list[str],
    keysym: int,
    target: TargetApp,
    desktop: DesktopComputer,
    screen_mapping: ViewportMapping,
) -> None:
    focus_by_click(target, desktop, screen_mapping, "line_edit")
    desktop.execute(build_action({"type": "keypress", "keys": keys}), screen_mapping)
    target.sync()
    assert [e["keysym"] for e in target.events("key_press")] == [keysym]
    assert [e["keysym"] for e in target.events("key_release")] == [keysym]


def test_key_down_shift_is_seen_on_a_click_and_released_by_release_all(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    desktop.execute(KeyDown(keys=["shift"]), screen_mapping)
    assert desktop.held() == ["key:shift"]
    x, y = target.center("drag_area")
    desktop.execute(Click(x=x, y=y), screen_mapping)
    target.sync()
    (press,) = target.events("press")
    assert press["modifiers"] == ["shift"]
    assert target.events("key_release") == []

    assert desktop.release_all() == ["key:shift"]
    assert desktop.held() == []
    target.sync()
    (release,) = target.events("key_release")
    assert release["keysym"] == XK_SHIFT_L


def test_key_up_releases_a_hold(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    focus_by_click(target, desktop, screen_mapping, "line_edit")
    desktop.execute(KeyDown(keys=["ctrl", "shift"]), screen_mapping)
    desktop.execute(KeyUp(keys=["shift"]), screen_mapping)
    assert desktop.held() == ["key:ctrl"]
    desktop.execute(KeyUp(keys=["ctrl"]), screen_mapping)
    assert desktop.held() == []
    target.sync()
    assert [e["keysym"] for e in target.events("key_release")] == [XK_SHIFT_L, 0xFFE3]


def test_held_button_and_keys_are_released_on_close(
    target: TargetApp, screen_mapping: ViewportMapping
) -> None:
    computer = DesktopComputer()
    x, y = target.center("drag_area")
    computer.execute(KeyDown(keys=["alt", "shift"]), screen_mapping)
    computer.execute(build_action({"type": "mouse_down", "x": x, "y": y}), screen_mapping)
    assert computer.held() == ["key:alt", "key:shift", "button:left"]
    computer.close()
    assert computer.held() == []
    target.sync()
    (release,) = target.events("release")
    assert release["button"] == "left"
    assert {e["keysym"] for e in target.events("key_release")} == {XK_SHIFT_L, 0xFFE9}


def test_release_all_interrupts_a_wait_and_releases_holds(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    desktop.execute(KeyDown(keys=["shift"]), screen_mapping)
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            desktop.execute(Wait(seconds=30), screen_mapping)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=wait)
    started = time.monotonic()
    worker.start()
    time.sleep(0.2)
    assert desktop.release_all() == ["key:shift"]
    worker.join(5)
    assert time.monotonic() - started < 3
    assert len(errors) == 1 and isinstance(errors[0], ExecutionInterrupted)
    target.sync()
    assert [e["keysym"] for e in target.events("key_release")] == [XK_SHIFT_L]


def test_navigate_in_the_browser_environment_uses_the_address_bar(
    target: TargetApp, browser_desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    focus_by_click(target, browser_desktop, screen_mapping, "line_edit")
    browser_desktop.execute(Navigate(url="example.com/wiki?q=Ünïcode"), screen_mapping)
    target.sync()
    assert [e["widget"] for e in target.events("shortcut")] == ["address_bar"]
    (navigate,) = target.events("navigate")
    assert navigate["url"] == "https://example.com/wiki?q=Ünïcode"
    assert last_text(target, "line_edit") == ""


def test_navigate_on_the_desktop_opens_the_system_browser(tmp_path: Path) -> None:
    """``webbrowser`` honours $BROWSER: a script that records its argument is the browser."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n')
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    script = textwrap.dedent(
        """
        import sys
        sys.modules.setdefault("mouseinfo", None)
        from console_app.capture.monitors import list_monitors
        from console_app.capture.mapping import ViewportMapping
        from console_app.core.actions import Navigate
        from console_app.executor.desktop import DesktopComputer
        monitor = list_monitors()[0]
        computer = DesktopComputer(environment="desktop")
        result = computer.execute(
            Navigate(url="https://example.org/a?b=1"), ViewportMapping(1280, 720, monitor)
        )
        computer.close()
        print(result.detail)
        """
    )
    env = dict(os.environ, BROWSER=str(browser))
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    deadline = time.monotonic() + 10
    while not opened.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opened.read_text() == "https://example.org/a?b=1"


def test_text_is_exact_while_shift_is_held_and_the_hold_survives(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    focus_by_click(target, desktop, screen_mapping, "line_edit")
    desktop.execute(KeyDown(keys=["shift"]), screen_mapping)
    desktop.execute(TypeText(text="abc é"), screen_mapping)
    x, y = target.center("drag_area")
    desktop.execute(Click(x=x, y=y), screen_mapping)
    target.sync()
    assert last_text(target, "line_edit") == "abc é"
    (press,) = target.events("press")
    assert press["modifiers"] == ["shift"]  # xdotool put the held Shift back
    assert desktop.release_all() == ["key:shift"]


def test_held_input_is_released_when_the_process_exits(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    """A process that holds Shift and a button and exits without closing its computer."""
    focus_by_click(target, desktop, screen_mapping, "line_edit")
    x, y = target.center("drag_area")
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules.setdefault("mouseinfo", None)
        from console_app.capture.monitors import list_monitors
        from console_app.capture.mapping import ViewportMapping
        from console_app.core.actions import KeyDown, MouseDown
        from console_app.executor.desktop import DesktopComputer
        monitor = list_monitors()[0]
        mapping = ViewportMapping(monitor.width, monitor.height, monitor)
        computer = DesktopComputer()
        computer.execute(KeyDown(keys=["shift"]), mapping)
        computer.execute(MouseDown(x={x}, y={y}), mapping)
        print(computer.held())
        sys.exit(0)  # no close(): the atexit hook must release
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['key:shift', 'button:left']"
    target.sync()
    (press,) = target.events("press")
    assert press["modifiers"] == ["shift"] and press["widget"] == "drag_area"
    (release,) = target.events("release")
    assert release["button"] == "left"
    assert [e["keysym"] for e in target.events("key_release")] == [XK_SHIFT_L]


def test_the_log_names_keys_three_ways(
    target: TargetApp, desktop: DesktopComputer, screen_mapping: ViewportMapping
) -> None:
    focus_by_click(target, desktop, screen_mapping, "line_edit")
    desktop.execute(build_action({"type": "keypress", "keys": ["escape"]}), screen_mapping)
    target.sync()
    (press,) = target.events("key_press")
    assert (press["key_enum"], press["key_name"], press["keysym"]) == ("Key_Escape", "Esc", 0xFF1B)
