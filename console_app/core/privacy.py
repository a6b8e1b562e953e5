"""Window rules: which windows the model may never see or touch, and "only this app".

Plain data and pure functions (no X11 here; ``capture/windows.py`` lists the real windows):

* `WindowRule` — one rule of a profile: a title regex, a WM_CLASS regex, or a pattern that may
  match either. ``console-app run --mask-window/--only-window`` build them with `parse_rule`.
* `plan_privacy` — given the windows on screen (bottom to top) and the rules, the rectangles to
  paint black and to refuse as targets, which windows were masked and which the agent is
  confined to.

Semantics, chosen so that the safe reading wins where it matters:

* A **masked** window is masked where it is *visible*: the parts covered by ordinary windows
  above it are not blacked out (a password manager behind the browser must not hide the
  browser). Its dialogs (``WM_TRANSIENT_FOR``) and its pop-ups (override-redirect windows of the
  same process: menus, tooltips) count as the window itself.
* **Only this app**: everything on the screen is masked except the visible parts of the chosen
  windows (and their dialogs and pop-ups); other windows lying on top of them are masked too.
  When no window matches, *everything* is masked and every target is refused: the run cannot
  silently escape its confinement.
* Keys go wherever the keyboard focus is, so a keyboard action is refused when the focused
  window is masked or (in "only" mode) not one of the chosen windows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from console_app.core.geometry import Rect
from console_app.core.regions import subtract


@dataclass(frozen=True)
class WindowInfo:
    """One top-level window as the window system reports it (screen pixels)."""

    id: int
    rect: Rect
    title: str = ""
    instance: str = ""
    """WM_CLASS instance name (``keepassxc``)."""
    wm_class: str = ""
    """WM_CLASS class name (``KeePassXC``)."""
    pid: int | None = None
    transient_for: int | None = None
    override_redirect: bool = False
    client: int | None = None
    """The application's own window when ``id`` is a window manager frame around it."""

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(i for i in (self.id, self.client) if i)

    def describe(self) -> str:
        title = self.title or "(untitled)"
        cls = self.wm_class or self.instance
        return f"{title!r} ({cls})" if cls else repr(title)


class WindowRule(BaseModel):
    """Matches windows by title and/or WM_CLASS (regular expressions, case-insensitive).

    ``title`` is searched in the window title; ``wm_class`` must match the whole instance or
    class name; ``pattern`` is searched in the title *or* either class name. When several are
    given, all must match.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = None
    wm_class: str | None = None
    pattern: str | None = None
    label: str = ""

    @field_validator("title", "wm_class", "pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression ({exc}): {value!r}") from None
        return value

    @model_validator(mode="after")
    def _something(self) -> WindowRule:
        if self.title is None and self.wm_class is None and self.pattern is None:
            raise ValueError("a window rule needs a title, a WM_CLASS or a pattern")
        return self

    def matches(self, window: WindowInfo) -> bool:
        if self.title is not None and not re.search(self.title, window.title, re.IGNORECASE):
            return False
        names = [n for n in (window.instance, window.wm_class) if n]
        if self.wm_class is not None and not any(
            re.fullmatch(self.wm_class, n, re.IGNORECASE) for n in names
        ):
            return False
        return self.pattern is None or any(
            re.search(self.pattern, text, re.IGNORECASE) for text in (window.title, *names)
        )

    def describe(self) -> str:
        if self.label:
            return self.label
        parts = []
        if self.wm_class is not None:
            parts.append(f"class {self.wm_class}")
        if self.title is not None:
            parts.append(f"title ~ {self.title}")
        if self.pattern is not None:
            parts.append(f"title or class ~ {self.pattern}")
        return ", ".join(parts)


SUGGESTED_MASK_RULES: tuple[WindowRule, ...] = (
    WindowRule(wm_class="keepassxc", label="KeePassXC"),
    WindowRule(wm_class="bitwarden", label="Bitwarden"),
    WindowRule(wm_class="1password", label="1Password"),
)
"""Password managers, by WM_CLASS: offered in Settings, applied only when the user accepts."""


def parse_rule(text: str) -> WindowRule:
    """``class:REGEX`` (WM_CLASS), ``title:REGEX`` (title) or ``REGEX`` (title or class)."""
    text = text.strip()
    kind, sep, rest = text.partition(":")
    if sep and kind.lower() in ("class", "wm_class"):
        return WindowRule(wm_class=rest)
    if sep and kind.lower() == "title":
        return WindowRule(title=rest)
    return WindowRule(pattern=text)


def window_for_rule(window: WindowInfo) -> WindowRule:
    """A rule for a window the user picked (by clicking it): its class, else its exact title."""
    if window.wm_class or window.instance:
        return WindowRule(
            wm_class=re.escape(window.wm_class or window.instance), label=window.describe()
        )
    return WindowRule(title=f"^{re.escape(window.title)}$", label=window.describe())


@dataclass(frozen=True)
class PrivacyPlan:
    """What the rules mean on the screen right now."""

    mask: tuple[Rect, ...] = ()
    """Paint black and refuse as targets (screen pixels; may overlap)."""
    masked: tuple[WindowInfo, ...] = ()
    confined: bool = False
    """"Only this app" is on."""
    allowed: tuple[WindowInfo, ...] = ()
    """The windows the agent is confined to (only when ``confined``)."""
    keyboard_ok: frozenset[int] = field(default_factory=frozenset)
    """Window ids keys may go to in "only" mode."""
    keyboard_blocked: frozenset[int] = field(default_factory=frozenset)
    """Window ids keys must never go to (masked windows)."""

    def keyboard_refusal(self, focused: Iterable[int]) -> str | None:
        """Why keys must not be sent while ``focused`` (a window and its ancestors) has the
        focus, or ``None``."""
        ids = set(focused)
        if ids & self.keyboard_blocked:
            return "the keyboard focus is on a window a privacy rule protects"
        if self.confined and not ids & self.keyboard_ok:
            return (
                "the keyboard focus is outside the window(s) the agent is confined to "
                f"({self.confinement()})"
            )
        return None

    def confinement(self) -> str:
        if not self.confined:
            return ""
        if not self.allowed:
            return "no window matches, so the whole screen is masked"
        return "; ".join(w.describe() for w in self.allowed)


def _related(windows: Sequence[WindowInfo], chosen: list[WindowInfo]) -> list[WindowInfo]:
    """``chosen`` plus their dialogs and their process's pop-ups (menus, tooltips)."""
    ids = set().union(*(w.ids for w in chosen)) if chosen else set()
    pids = {w.pid for w in chosen if w.pid}
    out = []
    for window in windows:
        dialog = window.transient_for is not None and window.transient_for in ids
        popup = window.override_redirect and window.pid is not None and window.pid in pids
        if window in chosen or dialog or popup:
            out.append(window)
    return out


def _visible_parts(
    windows: Sequence[WindowInfo], group: list[WindowInfo], screen: Rect
) -> list[Rect]:
    """The parts of ``group``'s windows not covered by windows above them outside the group."""
    members = {w.id for w in group}
    parts: list[Rect] = []
    for position, window in enumerate(windows):
        if window.id not in members:
            continue
        rect = window.rect.intersect(screen)
        if rect is None:
            continue
        above = [w.rect for w in windows[position + 1 :] if w.id not in members]
        parts.extend(subtract(rect, above))
    return parts


def plan_privacy(
    windows: Sequence[WindowInfo],
    screen: Rect,
    mask_rules: Sequence[WindowRule] = (),
    only_rules: Sequence[WindowRule] = (),
) -> PrivacyPlan:
    """``windows`` bottom to top (X stacking order); ``screen`` the whole desktop."""
    masked = _related(windows, [w for w in windows if any(r.matches(w) for r in mask_rules)])
    mask = _visible_parts(windows, masked, screen)
    blocked = frozenset().union(*(w.ids for w in masked)) if masked else frozenset()
    if not only_rules:
        return PrivacyPlan(tuple(mask), tuple(masked), keyboard_blocked=blocked)
    chosen = [w for w in windows if w not in masked and any(r.matches(w) for r in only_rules)]
    allowed = [w for w in _related(windows, chosen) if w not in masked]
    visible = _visible_parts(windows, allowed, screen)
    outside = subtract(screen, visible)
    ok = frozenset().union(*(w.ids for w in allowed)) if allowed else frozenset()
    return PrivacyPlan(
        tuple(outside + mask),
        tuple(masked),
        confined=True,
        allowed=tuple(w for w in allowed if w in chosen),
        keyboard_ok=ok,
        keyboard_blocked=blocked,
    )
