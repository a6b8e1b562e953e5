"""``console-app run --mask-window / --only-window``: rules on top of the profile's."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from console_app.app import main
from console_app.cli.run_cmd import resolve_profile
from console_app.core.privacy import WindowRule
from console_app.core.settings import Profile, Settings
from console_app.core.settings_store import SettingsStore


def args(**overrides: object) -> argparse.Namespace:
    base = dict(profile=None, base_url=None, model=None, coordinates=None, monitor=None,
                max_steps=None, stream=False, approve="ask",
                mask_window=[], only_window=[])  # fmt: skip
    base.update(overrides)
    return argparse.Namespace(**base)


def test_flags_add_masks_and_replace_the_confinement(home: Path) -> None:
    profile = Profile(name="work", mask_windows=[WindowRule(wm_class="keepassxc")],
                      only_windows=[WindowRule(title="^Mail$")])  # fmt: skip
    settings = Settings().with_profile(profile)
    settings.active_profile = "work"
    SettingsStore().save(settings)
    resolved = resolve_profile(
        args(mask_window=["class:Signal", "Bank"], only_window=["title:^Editor$"])
    )
    assert [r.wm_class for r in resolved.mask_windows] == ["keepassxc", "Signal", None]
    assert resolved.mask_windows[2].pattern == "Bank"
    assert [r.title for r in resolved.only_windows] == ["^Editor$"]
    untouched = resolve_profile(args())
    assert untouched.only_windows == profile.only_windows


def test_a_bad_rule_is_a_usage_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--task", "x", "--mask-window", "class:(("]) == 2
    err = capsys.readouterr().err
    assert "--mask-window 'class:(('" in err and "regular expression" in err
