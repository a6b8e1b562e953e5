"""Recorded payloads from public sources (``tests/fixtures/recorded``), replayed through
``console-app run`` against a loopback replay server and the real target window.

Real everything on our side: the CLI in its own process, mss capture of the Xvfb screen,
pyautogui/xdotool input, the target app's event log as the witness. The replay server moves
each recorded point onto a target widget and keeps every other field as recorded — held keys,
batches, safety checks, ids. Every request the console sent is checked with the ``openai``
package's request types.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conformance.openai_oracle import check_request
from tests.e2e.conftest import TargetApp
from tests.e2e.replay_server import ReplayServer, Turn
from tests.e2e.test_run_cli_e2e import json_lines, run_cli

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"


def load(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


AGENTS = load("openai-agents-computer-calls.json")


def outputs(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in body["input"] if i.get("type") == "computer_call_output"]


def texts(body: dict[str, Any]) -> list[str]:
    found = []
    for item in body["input"]:
        content = item.get("content")
        if item.get("role") == "user" and isinstance(content, list):
            found.extend(b.get("text", "") for b in content if b.get("type") == "input_text")
    return found


def presses(target: TargetApp) -> list[tuple[str, list[str]]]:
    return [(e["widget"], sorted(e["modifiers"])) for e in target.events("press")]


def assert_no_key_left_down(target: TargetApp) -> None:
    """Every key the agent pressed was released again (held keys never stay held)."""
    down: dict[int, int] = {}
    for event in target.events():
        if event["event"] == "key_press" and not event["auto_repeat"]:
            down[event["key"]] = down.get(event["key"], 0) + 1
        elif event["event"] == "key_release" and not event["auto_repeat"]:
            down[event["key"]] = down.get(event["key"], 0) - 1
    assert all(count <= 0 for count in down.values()), down


def test_preview_payloads_with_held_keys(target: TargetApp, tmp_path: Path) -> None:
    screen = tuple(target.geometry["screen"][2:])
    turns = [
        Turn(load("dotnet-extensions-click.json"), [target.center("ok_button")]),
        Turn(load("fsoperator-click.json"), [target.center("submit_button")]),
        Turn(load("azure-docs-screenshot.json")),
        Turn(
            [AGENTS["test_get_screenshot_preserves_modifier_keys_for_sync_driver"]],
            [target.center("ok_button")],
        ),
        Turn(
            [AGENTS["test_get_screenshot_preserves_modifier_keys_for_async_driver"]],
            [target.center("scroll_area")],
        ),
        Turn(load("fsoperator-message.json")),
    ]
    with ReplayServer(turns, screen) as server:  # type: ignore[arg-type]
        done = run_cli(
            tmp_path,
            "run",
            "--task",
            "Press OK, then Submit.",
            "--base-url",
            server.base_url,
            "--model",
            "computer-use-preview",
            "--approve",
            "auto",
            "--json",
        )
    assert done.returncode == 0, (
        f"exit {done.returncode}\n{done.stdout}\n{done.stderr}\n{server.errors}"
    )
    assert server.errors == []
    # the start-up lines say what is really used
    assert f"backend: {server.base_url}" in done.stderr
    assert "api: openai wire names: tool computer_use_preview" in done.stderr
    assert "inferred from the model name" in done.stderr
    assert "No API key found" not in done.stderr

    # what the target window received
    target.sync()
    assert presses(target) == [
        ("ok_button", []),
        ("submit_button", []),
        ("ok_button", ["ctrl", "shift"]),
    ]
    wheels = target.events("wheel")  # scroll_y -2 and scroll_x 3: a notch up, a notch right
    assert len(wheels) == 2, wheels
    inside = ("scroll_area", "scroll_content")
    assert all(w["widget"] in inside and w["modifiers"] == ["alt"] for w in wheels), wheels
    assert_no_key_left_down(target)

    # every request validates with the openai package; each call is answered by its id
    requests = server.requests
    assert len(requests) == 6
    for body in requests:
        check_request(body)
    assert requests[0]["tools"][0]["type"] == "computer_use_preview"
    assert requests[0]["tools"][0]["environment"] == "linux"
    previous_calls = [
        "call_zw3...",
        "call_52E4XSBRAG6tXw4KmcC5TUt4",
        "call_xxxxxxxxxxxxxxxxxxxxxxx",
    ]
    previous_calls += ["c5", "c6"]
    for body, call_id, turn in zip(requests[1:], previous_calls, turns[:-1], strict=True):
        (answer,) = outputs(body)
        assert answer["call_id"] == call_id
        assert answer["output"]["type"] == "computer_screenshot"
        if isinstance(turn.payload, dict):
            assert body["previous_response_id"] == turn.payload["id"]

    steps = [line for line in json_lines(done.stdout) if line["event"] == "step"]
    held = [s for s in steps if s["action"] and s["action"].get("keys")]
    assert [s["summary"].split(" holding ")[1] for s in held] == ["Shift+Ctrl", "Alt"]
    assert [s["execution"] for s in held] == ["done", "done"]


def test_batched_calls_and_a_safety_check(target: TargetApp, tmp_path: Path) -> None:
    screen = tuple(target.geometry["screen"][2:])
    target.focus("line_edit")
    turns = [
        Turn(
            [AGENTS["test_get_screenshot_executes_batched_actions_in_order"]],
            [target.center("line_edit"), None],
        ),
        Turn(
            [AGENTS["test_get_screenshot_preserves_modifier_keys_for_batched_actions"]],
            [target.center("ok_button")],
        ),
        Turn(load("azure-docs-safety-check-output.json"), [target.center("submit_button")]),
        Turn(load("fsoperator-message.json")),
    ]
    with ReplayServer(turns, screen) as server:  # type: ignore[arg-type]
        done = run_cli(
            tmp_path,
            "run",
            "--task",
            "Type hello into the name field.",
            "--base-url",
            server.base_url,
            "--api",
            "openai",
            "--model",
            "gpt-5.4",
            "--approve",
            "auto",
            "--json",
        )
    assert done.returncode == 0, (
        f"exit {done.returncode}\n{done.stdout}\n{done.stderr}\n{server.errors}"
    )
    assert server.errors == []
    assert (
        "api: openai wire names: tool computer, screenshots as computer_screenshot" in done.stderr
    )
    assert "(--api)" in done.stderr

    target.sync()
    assert presses(target) == [("line_edit", []), ("ok_button", ["ctrl"])]  # never Submit
    typed = [e["text"] for e in target.events("text") if e["widget"] == "line_edit"]
    assert typed and typed[-1] == "hello"
    assert_no_key_left_down(target)

    requests = server.requests
    assert len(requests) == 4
    for body in requests:
        check_request(body)
    assert requests[0]["tools"] == [{"type": "computer"}]
    # one output per call, after the whole batch
    assert [a["call_id"] for a in outputs(requests[1])] == ["c3"]
    assert [a["call_id"] for a in outputs(requests[2])] == ["c10"]
    # the safety check needed a human and none was attached: not acknowledged, not run
    (answer,) = outputs(requests[3])
    assert answer["call_id"] == "call_nEJ..." and "acknowledged_safety_checks" not in answer
    assert any("Safety checks need a human" in t for t in texts(requests[3]))

    steps = [line for line in json_lines(done.stdout) if line["event"] == "step"]
    assert [s["summary"] for s in steps[:2]] == [
        f"action 1 of 2: click at ({steps[0]['action']['x']}, {steps[0]['action']['y']})",
        'action 2 of 2: type "hello"',
    ]
    assert [s["raw_action"] for s in steps[:2]] == [
        {
            **AGENTS["test_get_screenshot_executes_batched_actions_in_order"]["actions"][0],
            "x": steps[0]["raw_action"]["x"],
            "y": steps[0]["raw_action"]["y"],
        },
        {"type": "type", "text": "hello"},
    ]
    assert steps[3]["decision"] == "rejected" and steps[3]["execution"] == "none"
