"""``console-app run --api``: the wire names chosen (flag, profile, model name, default), said at
start, and start-up notices that name the backend really used."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from console_app.agent.turns import RequestSettings, first_request, follow_up_request
from console_app.cli.run_cmd import resolve_profile, startup_lines
from console_app.core.dialect import choose_api, infer_api, wire_names
from console_app.core.settings import Profile
from console_app.core.settings_store import NO_KEY_NOTICE


def args(**overrides: object) -> argparse.Namespace:
    base: dict[str, object] = dict(
        profile=None,
        base_url=None,
        model=None,
        coordinates=None,
        monitor=None,
        max_steps=None,
        stream=False,
        approve="ask",
        api=None,
    )
    base.update(overrides)
    return argparse.Namespace(**base)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("computer-use-preview", "openai"),
        ("computer-use-preview-2025-03-11", "openai"),
        ("tzafon.northstar-cua-fast", "lightcone"),
        ("tzafon.sm-1", "lightcone"),
        ("gpt-5.4", None),
        ("", None),
    ],
)
def test_the_model_name_implies_a_dialect(model: str, expected: str | None) -> None:
    assert infer_api(model) == expected


def test_the_order_of_choice() -> None:
    assert choose_api(cli="lightcone", profile_api="openai", model="computer-use-preview")[0] == (
        "lightcone"
    )
    assert choose_api(profile_api="openai", model="tzafon.sm-1") == (
        "openai",
        "the profile's api field",
    )
    assert choose_api(model="computer-use-preview")[0] == "openai"
    assert choose_api(model="my-local-model") == (
        "lightcone",
        "the default (the model name implies no dialect)",
    )
    assert choose_api(model="x", legacy_tool_type="computer_use_preview")[0] == "openai"


def body(names_api: str, model: str, environment: str = "desktop") -> tuple[dict, dict]:
    names = wire_names(names_api, model, environment)  # type: ignore[arg-type]
    settings = RequestSettings.for_wire(model, names)
    url = "data:image/png;base64,AAAA"
    first = first_request(settings, "task", url, (1280, 720)).to_body()
    from console_app.agent.turns import CallAnswer
    from console_app.core.actions import Click
    from console_app.core.proposal import ProposedAction

    answer = CallAnswer(ProposedAction(call_id="call_1", action=Click(x=1, y=1)))
    second = follow_up_request(settings, "resp_1", [answer], url, (1280, 720)).to_body()
    return first, second


def test_openai_preview_names() -> None:
    first, second = body("openai", "computer-use-preview", "desktop")
    assert first["tools"] == [
        {
            "type": "computer_use_preview",
            "display_width": 1280,
            "display_height": 720,
            "environment": "linux",
        }
    ]
    assert second["input"][0]["type"] == "computer_call_output"
    assert second["input"][0]["output"]["type"] == "computer_screenshot"


def test_openai_ga_names_have_no_display_fields() -> None:
    first, second = body("openai", "gpt-5.4", "browser")
    assert first["tools"] == [{"type": "computer"}]
    assert second["input"][0]["output"]["type"] == "computer_screenshot"


def test_lightcone_names() -> None:
    first, second = body("lightcone", "tzafon.sm-1", "browser")
    assert first["tools"] == [
        {
            "type": "computer_use",
            "display_width": 1280,
            "display_height": 720,
            "environment": "browser",
        }
    ]
    assert second["input"][0]["output"]["type"] == "input_image"


def test_api_flag_goes_into_the_profile_and_is_printed(home: Path) -> None:
    profile = resolve_profile(args(api="openai", base_url="http://127.0.0.1:9/v1"))
    assert profile.api == "openai"
    lines = startup_lines(profile, "http://127.0.0.1:9/v1", "openai")
    assert lines[0].startswith("backend: http://127.0.0.1:9/v1 (profile 'local', openai)")
    assert lines[1] == (
        "api: openai wire names: tool computer, screenshots as computer_screenshot, "
        "no display fields (--api)"
    )


def test_the_profile_field_chooses_when_no_flag(home: Path) -> None:
    profile = Profile(name="p", kind="openai", base_url="http://x", model="computer-use-preview")
    (_, line) = startup_lines(profile, "http://x", None)
    assert "tool computer_use_preview" in line and "inferred from the model name" in line
    profile = profile.model_copy(update={"api": "lightcone"})
    (_, line) = startup_lines(profile, "http://x", None)
    assert "tool computer_use," in line and "the profile's api field" in line


def test_no_local_engine_notice_when_a_base_url_is_given(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    resolve_profile(args(base_url="http://127.0.0.1:9/v1"))
    assert NO_KEY_NOTICE not in capsys.readouterr().err
    profile = resolve_profile(args())
    assert profile.is_local
    assert NO_KEY_NOTICE in capsys.readouterr().err
    lines = startup_lines(profile, "http://127.0.0.1:5555", None)
    assert lines[0] == "backend: the local engine at http://127.0.0.1:5555, model " + profile.model
