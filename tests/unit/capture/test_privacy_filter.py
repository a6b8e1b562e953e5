"""`PrivacyFilter` with a scripted window list: masks, status, keyboard checks, failing closed;
and the screen / computer wrappers the session puts around the loop's collaborators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console_app.capture.privacy import (
    EVERYWHERE,
    CombinedGuard,
    PrivacyComputer,
    PrivacyFilter,
    PrivacyScreen,
)
from console_app.capture.windows import WindowListError
from console_app.core.geometry import Rect
from console_app.core.privacy import WindowInfo, parse_rule
from console_app.core.settings import Profile, Settings
from console_app.core.settings_store import SettingsStore

SCREEN = Rect(0, 0, 1000, 800)
VAULT = WindowInfo(2, Rect(600, 100, 200, 200), title="Vault", instance="keepassxc",
                   wm_class="KeePassXC")  # fmt: skip
EDITOR = WindowInfo(1, Rect(0, 0, 500, 500), title="notes.txt - Editor", instance="gedit",
                    wm_class="Gedit", client=11)  # fmt: skip


class FakeLister:
    def __init__(self, windows: list[WindowInfo], focused: list[int] | None = None) -> None:
        self.list = windows
        self.focus = focused or []
        self.broken = False
        self.closed = False

    def windows(self) -> list[WindowInfo]:
        if self.broken:
            raise WindowListError("the X server went away")
        return list(self.list)

    def screen_rect(self) -> Rect:
        return SCREEN

    def focused(self) -> list[int]:
        return list(self.focus)

    def close(self) -> None:
        self.closed = True


def test_masks_status_and_keyboard() -> None:
    lister = FakeLister([EDITOR, VAULT], focused=[2])
    privacy = PrivacyFilter([parse_rule("class:keepassxc")], lister=lister)
    assert privacy.rects() == [(600, 100, 200, 200)]
    assert privacy.status() == "1 window masked by privacy rules"
    assert "privacy rule" in (privacy.check() or "")
    lister.focus = [11, 1]
    assert privacy.check() is None
    lister.list = [EDITOR]
    assert privacy.rects() == [] and "no window matches" in privacy.status()
    privacy.close()
    assert lister.closed


def test_only_mode_status_and_focus() -> None:
    lister = FakeLister([EDITOR, VAULT], focused=[11, 1])
    privacy = PrivacyFilter(only_rules=[parse_rule("Editor")], lister=lister)
    rects = [Rect.of(r) for r in privacy.rects()]
    assert not any(r.contains(10, 10) for r in rects) and any(r.contains(700, 150) for r in rects)
    assert privacy.status().startswith("Confined to: 'notes.txt - Editor' (Gedit)")
    assert privacy.check() is None
    lister.focus = [2]
    assert "outside the window" in (privacy.check() or "")


def test_it_fails_closed_when_the_windows_cannot_be_listed() -> None:
    lister = FakeLister([VAULT])
    lister.broken = True
    privacy = PrivacyFilter([parse_rule("class:keepassxc")], lister=lister)
    assert privacy.rects() == [EVERYWHERE.as_tuple()]
    assert "cannot be listed" in privacy.status() and privacy.check()


def test_without_rules_nothing_is_listed() -> None:
    lister = FakeLister([VAULT])
    lister.broken = True
    privacy = PrivacyFilter(lister=lister)
    assert not privacy.active and privacy.rects() == [] and privacy.check() is None
    assert privacy.status() == ""


def test_wrappers_add_the_rules_to_every_capture_and_execution() -> None:
    privacy = PrivacyFilter([parse_rule("Vault")], lister=FakeLister([VAULT]))
    seen: dict[str, Any] = {}

    class Screen:
        def capture(self, mask: Any = ()) -> str:
            seen["mask"] = list(mask)
            return "shot"

        def monitor(self) -> str:
            return "monitor 1"

    class Computer:
        def execute(self, action: Any, mapping: Any, *, forbidden: Any = ()) -> str:
            seen["forbidden"] = list(forbidden)
            return "done"

        def held(self) -> list[str]:
            return ["key:shift"]

    screen, computer = PrivacyScreen(Screen(), privacy), PrivacyComputer(Computer(), privacy)
    assert screen.capture([(0, 0, 5, 5)]) == "shot" and screen.monitor() == "monitor 1"
    assert seen["mask"] == [(0, 0, 5, 5), (600, 100, 200, 200)]
    assert computer.execute("click", None, forbidden=[(1, 1, 1, 1)]) == "done"
    assert seen["forbidden"] == [(1, 1, 1, 1), (600, 100, 200, 200)]
    assert computer.held() == ["key:shift"]


def test_combined_guards_note_all_and_report_the_first_refusal() -> None:
    calls: list[str] = []

    class Guard:
        def __init__(self, name: str, refusal: str | None) -> None:
            self.name, self.refusal = name, refusal

        def note(self) -> None:
            calls.append(self.name)

        def check(self) -> str | None:
            return self.refusal

    combined = CombinedGuard(Guard("a", None), Guard("b", "no"), Guard("c", "later"))
    combined.note()
    assert calls == ["a", "b", "c"] and combined.check() == "no"


def test_settings_file_round_trip_keeps_rules_and_retention(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    profile = Profile(name="work", mask_windows=[parse_rule("class:KeePassXC")],
                      only_windows=[parse_rule("title:^Editor$")])  # fmt: skip
    settings = Settings().with_profile(profile)
    settings.privacy.keep_days = 30
    settings.privacy.secret_patterns = [r"\bEMP-\d{6}\b"]
    store.save(settings)
    loaded = SettingsStore(store.path).load()
    assert loaded.profile("work") == profile
    assert loaded.privacy == settings.privacy
