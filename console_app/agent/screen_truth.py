"""The screen the model sees is the screen that is there.

Three guards, used by the loop (all blocking calls run on the loop's capture/input threads):

* **Settle** (`ScreenTruth.settle`): after an action, probe the screen cheaply every
  `SettleConfig.interval_ms` until it has *reacted* (anything differs from the probe taken
  right before the action) and two consecutive probes are *still* (no change larger than a
  caret or a small spinner, see `capture.settle`), or the maximum passes. A screen that shows
  no reaction at all is given `reaction_ms` before it counts as still: a dialog that an app
  opens 700 ms after a click is on the next screenshot, while a typed character or a clicked
  button that repaints at once settles in two probes (~80 ms: the minimum, then 20 ms).
* **Stale-screen guard** (`ScreenTruth.check_stale`): right before an approved pointer action
  runs, a fresh capture is compared with the screenshot the model saw, in the square around
  each target point; a change beyond `capture.settle.STALE_FRACTION` makes it stale.
* **Blind captures** (`blind_reason`): a capture with nothing visible (one flat colour outside
  the masked areas) is never sent to the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from console_app.capture.settle import (
    STALE_BOX,
    STALE_FRACTION,
    Probe,
    changed_fraction_around,
    compare,
    is_blank,
    unmasked_area,
)
from console_app.core.actions import POINTER_ACTION_TYPES, Action

Rect = tuple[int, int, int, int]
StaleChoice = Literal["run", "resend", "stop"]

BLANK_CAPTURE = (
    "The screen capture came back blank (one flat colour), so nothing was sent to the model: "
    'the console cannot see this screen. On Wayland, log in to an X11 ("Xorg") session; '
    "otherwise unlock or wake the display, then try again."
)
ALL_MASKED = (
    "Everything on the captured screen is hidden from the model (masked), so nothing was sent: "
    "move the console or the masked windows off the agent's monitor, then try again."
)


@dataclass(frozen=True)
class SettleConfig:
    """How long the console waits for the screen after an action (profile settings)."""

    min_ms: float = 50.0
    max_ms: float = 3000.0
    reaction_ms: float = 1000.0
    interval_ms: float = 20.0
    enabled: bool = True


@dataclass(frozen=True)
class SettleResult:
    waited_ms: float
    probes: int
    reacted: bool
    timed_out: bool


@dataclass(frozen=True)
class StaleScreen:
    """An approved pointer action whose target changed since the model saw the screen.

    ``before`` is the screenshot the model saw, ``after`` a fresh one with the same mapping;
    ``points`` are the targets in viewport pixels, ``box`` the compared square's side."""

    action: Action
    before: Any
    after: Any
    points: tuple[tuple[float, float], ...]
    changed: float
    box: int = STALE_BOX
    threshold: float = STALE_FRACTION

    def describe(self) -> str:
        return (
            f"the screen changed under the target since the model saw it "
            f"({self.changed:.0%} of the {self.box}×{self.box} px around it)"
        )


class ScreenTruth:
    """Settling and stale checks over a screen source that can ``probe`` (see module doc)."""

    def __init__(
        self,
        screen: Any,
        config: SettleConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.screen = screen
        self.config = config
        self._clock = clock
        self._sleep = sleep

    @property
    def can_probe(self) -> bool:
        return callable(getattr(self.screen, "probe", None))

    def probe(self, mask: Sequence[Rect] = ()) -> Probe | None:
        if not self.can_probe:
            return None
        probe: Probe = self.screen.probe(mask)
        return probe

    # ------------------------------------------------------------------ settle
    def settle(
        self, before: Probe | None, mask: Sequence[Rect], stopped: Callable[[], bool]
    ) -> SettleResult:
        """Wait (blocking) until the screen reacted and is still, or the maximum passed."""
        cfg = self.config
        start = self._clock()
        if not cfg.enabled or not self.can_probe:
            return SettleResult(0.0, 0, False, False)
        self._sleep_until(start + cfg.min_ms / 1000, stopped)
        previous: Probe | None = None
        reacted = before is None
        count = 0
        while True:
            frame = self.probe(mask)
            count += 1
            elapsed = (self._clock() - start) * 1000
            if frame is None:
                return SettleResult(elapsed, count, reacted, False)
            if not reacted and before is not None and compare(before, frame).any:
                reacted = True
            still = previous is not None and not compare(previous, frame).significant
            if still and (reacted or elapsed >= cfg.reaction_ms):
                return SettleResult(elapsed, count, reacted, False)
            if elapsed >= cfg.max_ms or stopped():
                return SettleResult(elapsed, count, reacted, elapsed >= cfg.max_ms)
            previous = frame
            self._sleep_until(self._clock() + cfg.interval_ms / 1000, stopped)

    def _sleep_until(self, deadline: float, stopped: Callable[[], bool]) -> None:
        while not stopped():
            left = deadline - self._clock()
            if left <= 0:
                return
            self._sleep(min(left, 0.02))

    # ------------------------------------------------------------------ stale guard
    def check_stale(self, action: Action, seen: Any, fresh: Any) -> StaleScreen | None:
        """Compare the model's screenshot with a fresh one around the action's targets."""
        if action.type not in POINTER_ACTION_TYPES:
            return None
        before: Probe | None = getattr(seen, "probe", None)
        after: Probe | None = getattr(fresh, "probe", None)
        if before is None or after is None:
            return None
        points = target_points(action, seen.mapping)
        if not points:
            return None
        visible = None
        hidden = tuple(getattr(seen, "masked", ()) or ()) + tuple(
            getattr(fresh, "masked", ()) or ()
        )
        if hidden:
            visible = unmasked_area(before.shape[:2], hidden, seen.mapping.source.as_tuple())
        worst = max(
            changed_fraction_around(before, after, point, visible=visible) for point in points
        )
        if worst <= STALE_FRACTION:
            return None
        return StaleScreen(action, seen, fresh, points, worst)


def target_points(action: Action, mapping: Any) -> tuple[tuple[float, float], ...]:
    """The action's targets in viewport pixels (model coordinates may be 0–999)."""
    points_of = getattr(action, "points", None)
    if points_of is None:
        return ()
    source = mapping.source
    out = []
    for point in points_of():
        try:
            sx, sy = mapping.to_position(point.x, point.y)
        except ValueError:
            continue  # off the screen: the executor refuses it with its own message
        out.append(
            (
                (sx - source.left) / source.width * mapping.viewport_width,
                (sy - source.top) / source.height * mapping.viewport_height,
            )
        )
    return tuple(out)


def blind_reason(shot: Any) -> str | None:
    """Why this capture must not go to the model (a sentence), or ``None`` if it may."""
    probe: Probe | None = getattr(shot, "probe", None)
    if probe is None:
        return None
    mapping = getattr(shot, "mapping", None)
    masked = tuple(getattr(shot, "masked", ()) or ())
    visible = None
    if masked and mapping is not None:
        visible = unmasked_area(probe.shape[:2], masked, mapping.source.as_tuple())
        if not visible.any():
            return ALL_MASKED
    return BLANK_CAPTURE if is_blank(probe, visible) else None


__all__ = [
    "ALL_MASKED",
    "BLANK_CAPTURE",
    "ScreenTruth",
    "SettleConfig",
    "SettleResult",
    "StaleChoice",
    "StaleScreen",
    "blind_reason",
    "target_points",
]
