"""``console-app run``: profile resolution, --approve auto as a policy, step output."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from console_app.agent.events import RunFinished, RunResult, StepRecorded
from console_app.agent.policy import PolicyTable
from console_app.cli.run_cmd import StepPrinter, auto_policy, resolve_profile
from console_app.core.actions import Click, Keypress, TypeText
from console_app.core.records import StepRecord
from console_app.core.settings import Policy


def args(**overrides: object) -> argparse.Namespace:
    base = dict(
        profile=None,
        base_url=None,
        model=None,
        coordinates=None,
        monitor=None,
        max_steps=None,
        stream=False,
        approve="ask",
    )
    base.update(overrides)
    return argparse.Namespace(**base)


def test_the_default_profile_is_the_local_engine() -> None:
    profile = resolve_profile(args())
    assert profile.kind == "local" and profile.base_url is None


def test_command_line_overrides_apply() -> None:
    profile = resolve_profile(
        args(
            profile="lightcone",
            model="tzafon.sm-1",
            max_steps=7,
            coordinates="normalized",
            monitor=2,
        )
    )
    assert (
        profile.kind,
        profile.model,
        profile.max_steps,
        profile.coordinates,
        profile.monitor,
    ) == ("lightcone", "tzafon.sm-1", 7, "normalized", 2)


def test_a_base_url_turns_the_local_profile_into_a_server_to_talk_to() -> None:
    profile = resolve_profile(args(base_url="http://127.0.0.1:8000/v1"))
    assert profile.kind == "openai" and profile.base_url == "http://127.0.0.1:8000/v1"


def test_an_unknown_profile_is_a_usage_error() -> None:
    with pytest.raises(KeyError):
        resolve_profile(args(profile="nope"))


def test_auto_approve_keeps_blocks() -> None:
    policy = auto_policy(Policy(per_type={"type": "block", "click": "ask"}))
    table = PolicyTable(policy)
    assert table.evaluate(Click(x=1, y=1)).choice == "auto"
    assert table.evaluate(TypeText(text="x")).choice == "block"
    assert table.evaluate(Keypress(keys=["ctrl", "alt", "delete"])).choice == "block"
    assert resolve_profile(args(approve="auto")).policy.default == "auto"


def test_steps_print_once_finished_as_json_without_the_image() -> None:
    out = io.StringIO()
    printer = StepPrinter(out, as_json=True)
    step = StepRecord(
        run_id="r",
        index=0,
        summary="click at (1, 2)",
        decision="approved",
        execution="pending",
        screenshot=b"\xff\xd8 secret pixels",
    )
    printer(StepRecorded(step))  # still running: not printed
    printer(StepRecorded(step.model_copy(update={"execution": "done"})))
    printer(RunFinished(RunResult("r", "succeeded", "ok", "42", 1)))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["step", "run"]
    assert "screenshot" not in lines[0] and lines[0]["execution"] == "done"
    assert lines[1]["status"] == "succeeded" and lines[1]["answer"] == "42"


def test_text_output_says_what_happened() -> None:
    out = io.StringIO()
    printer = StepPrinter(out, as_json=False)
    step = StepRecord(
        run_id="r",
        index=2,
        summary="press Ctrl+C",
        decision="approved",
        execution="refused",
        execution_detail="unknown key",
    )
    printer(StepRecorded(step))
    printer(RunFinished(RunResult("r", "failed", "budget", None, 3)))
    text = out.getvalue()
    assert "step 3: press Ctrl+C [approved, refused]" in text and "unknown key" in text
    assert "run failed after 3 step(s) (budget)" in text
