"""Window rules and what they mean on a screen: masks, confinement, keyboard refusals."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from console_app.core.geometry import Rect
from console_app.core.privacy import (
    SUGGESTED_MASK_RULES,
    WindowInfo,
    WindowRule,
    parse_rule,
    plan_privacy,
    window_for_rule,
)
from console_app.core.regions import area_of, contains_point, subtract
from console_app.core.settings import Profile, Settings

SCREEN = Rect(0, 0, 1000, 800)


def win(
    wid: int, rect: tuple[int, int, int, int], title: str = "", cls: str = "", **kw: Any
) -> WindowInfo:
    return WindowInfo(
        id=wid, rect=Rect.of(rect), title=title, instance=cls.lower(), wm_class=cls, **kw
    )


def covered(rects: tuple[Rect, ...] | list[Rect], x: int, y: int) -> bool:
    return contains_point(rects, x, y)


# ---------------------------------------------------------------------- regions


def test_subtract_leaves_disjoint_pieces_with_the_right_area() -> None:
    pieces = subtract(Rect(0, 0, 100, 100), [Rect(20, 20, 30, 30), Rect(90, -10, 50, 50)])
    assert area_of(pieces) == 100 * 100 - 30 * 30 - 10 * 40
    for a_index, a in enumerate(pieces):
        for b in pieces[a_index + 1 :]:
            assert a.intersect(b) is None
    assert not contains_point(pieces, 25, 25) and contains_point(pieces, 5, 5)
    assert subtract(Rect(0, 0, 10, 10), [Rect(-5, -5, 30, 30)]) == []


# ---------------------------------------------------------------------- rules


def test_rules_match_by_class_title_or_either() -> None:
    keepass = win(1, (0, 0, 10, 10), "Passwords.kdbx - KeePassXC", "KeePassXC")
    browser = win(2, (0, 0, 10, 10), "My bank — Firefox", "firefox")
    by_class = WindowRule(wm_class="keepassxc")
    assert by_class.matches(keepass) and not by_class.matches(browser)
    assert not WindowRule(wm_class="keepass").matches(keepass)  # the whole class name
    assert WindowRule(title="bank").matches(browser)
    either = parse_rule("KeePass")
    assert either.matches(keepass) and not either.matches(browser)
    assert parse_rule("class:firefox").wm_class == "firefox"
    assert parse_rule("title:^My bank").title == "^My bank"
    both = WindowRule(title="bank", wm_class="chromium")
    assert not both.matches(browser)


def test_bad_rules_are_refused_with_a_reason() -> None:
    with pytest.raises(ValidationError, match="regular expression"):
        WindowRule(title="([")
    with pytest.raises(ValidationError, match="needs a title"):
        WindowRule()


def test_suggested_rules_cover_the_common_password_managers() -> None:
    for cls in ("KeePassXC", "Bitwarden", "1Password"):
        assert any(r.matches(win(1, (0, 0, 5, 5), "x", cls)) for r in SUGGESTED_MASK_RULES)


def test_a_picked_window_becomes_a_class_rule() -> None:
    rule = window_for_rule(win(1, (0, 0, 5, 5), "Chat (3)", "Signal"))
    assert rule.wm_class == "Signal" and rule.matches(win(9, (1, 1, 5, 5), "other", "Signal"))
    untitled = window_for_rule(WindowInfo(2, Rect(0, 0, 5, 5), title="a.b (1)"))
    assert untitled.matches(WindowInfo(3, Rect(0, 0, 5, 5), title="a.b (1)"))
    assert not untitled.matches(WindowInfo(3, Rect(0, 0, 5, 5), title="axb (1)"))


def test_profiles_and_settings_keep_the_new_fields() -> None:
    profile = Profile(
        name="p",
        mask_windows=[{"wm_class": "keepassxc"}],  # type: ignore[list-item]
        only_windows=[{"title": "^Editor$"}],  # type: ignore[list-item]
    )
    again = Profile.model_validate(profile.model_dump(mode="json"))
    assert again == profile and again.mask_windows[0].wm_class == "keepassxc"
    settings = Settings(profiles=[Profile(name="local")])
    settings.privacy.keep_days = 30
    assert settings.with_profile(Profile(name="x")).privacy.keep_days == 30
    with pytest.raises(ValidationError):
        Settings.model_validate({"privacy": {"secret_patterns": ["(("]}})


# ---------------------------------------------------------------------- plans


def test_a_masked_window_is_masked_where_it_is_visible_only() -> None:
    vault = win(1, (100, 100, 300, 200), "Vault", "KeePassXC")
    browser = win(2, (200, 150, 400, 400), "Browser", "firefox")  # above part of the vault
    plan = plan_privacy([vault, browser], SCREEN, [WindowRule(wm_class="keepassxc")])
    assert covered(plan.mask, 110, 110)  # visible part of the vault
    assert not covered(plan.mask, 250, 200)  # the browser on top stays visible
    assert not covered(plan.mask, 700, 700)
    assert plan.masked == (vault,) and not plan.confined


def test_a_masked_window_on_top_is_masked_whole_and_its_dialogs_and_popups_too() -> None:
    browser = win(1, (0, 0, 1000, 800), "Browser", "firefox", pid=10)
    vault = win(2, (100, 100, 300, 200), "Vault", "KeePassXC", pid=20)
    dialog = win(3, (600, 100, 100, 100), "Unlock", "KeePassXC", transient_for=2)
    menu = win(4, (120, 300, 80, 120), "", "", pid=20, override_redirect=True)
    tooltip = win(5, (700, 600, 50, 20), "", "", pid=10, override_redirect=True)
    plan = plan_privacy([browser, vault, dialog, menu, tooltip], SCREEN,
                        [WindowRule(wm_class="keepassxc")])  # fmt: skip
    assert {w.id for w in plan.masked} == {2, 3, 4}
    for x, y in ((101, 101), (650, 150), (150, 400)):
        assert covered(plan.mask, x, y)
    assert not covered(plan.mask, 720, 605) and not covered(plan.mask, 50, 50)


def test_only_this_app_masks_everything_else_including_windows_on_top() -> None:
    editor = win(1, (100, 100, 500, 400), "Editor", "gedit", pid=7)
    chat = win(2, (400, 300, 300, 300), "Chat", "signal")  # overlaps the editor, on top
    menu = win(3, (150, 450, 100, 100), "", "", pid=7, override_redirect=True)
    plan = plan_privacy([editor, chat, menu], SCREEN, only_rules=[parse_rule("^Editor$")])
    assert plan.confined and plan.allowed == (editor,)
    assert not covered(plan.mask, 110, 110)  # the editor
    assert not covered(plan.mask, 160, 520)  # its menu, below its own rectangle
    assert covered(plan.mask, 450, 350)  # the chat window over the editor
    assert covered(plan.mask, 900, 50) and covered(plan.mask, 0, 0)
    assert area_of(subtract(SCREEN, list(plan.mask))) == 500 * 400 - 200 * 200 + 100 * 50
    assert "Editor" in plan.confinement()


def test_only_this_app_without_a_match_masks_the_whole_screen() -> None:
    plan = plan_privacy([win(1, (0, 0, 10, 10), "x", "y")], SCREEN, only_rules=[parse_rule("z")])
    assert subtract(SCREEN, list(plan.mask)) == []
    assert "no window matches" in plan.confinement()
    assert plan.keyboard_refusal([1]) is not None


def test_keyboard_refusals_follow_the_focus() -> None:
    editor = win(1, (0, 0, 100, 100), "Editor", "gedit", client=11)
    vault = win(2, (200, 0, 100, 100), "Vault", "KeePassXC")
    other = win(3, (400, 0, 100, 100), "Other", "xterm")
    masked = plan_privacy([editor, vault, other], SCREEN, [WindowRule(wm_class="keepassxc")])
    assert masked.keyboard_refusal([2]) is not None
    assert masked.keyboard_refusal([3]) is None
    only = plan_privacy([editor, vault, other], SCREEN, only_rules=[parse_rule("Editor")])
    assert only.keyboard_refusal([11, 1]) is None  # focus on the client inside the frame
    assert only.keyboard_refusal([3]) is not None
    assert only.keyboard_refusal([]) is not None
