"""The privacy rules at run time: what to mask and refuse now, and whether keys may be sent.

`PrivacyFilter` turns a profile's window rules (``core/privacy.py``) into the rectangles the
loop paints black before every capture and passes as forbidden targets to every execution
(the same path the console's own windows take), and checks the keyboard focus before every
keyboard action (it has the loop's ``FocusGuard`` shape: ``note`` / ``check``).

It fails closed: when rules are set but the windows cannot be listed (no X11, the X server went
away), the whole screen is masked and every action refused, with the reason in ``status``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from console_app.capture.windows import WindowLister, WindowListError
from console_app.core.geometry import Rect, RectTuple
from console_app.core.privacy import PrivacyPlan, WindowInfo, WindowRule, plan_privacy

log = logging.getLogger(__name__)

EVERYWHERE = Rect(-(1 << 20), -(1 << 20), 1 << 21, 1 << 21)
"""What is masked when the windows cannot be listed: more than any screen."""


class Lister(Protocol):
    def windows(self) -> list[WindowInfo]: ...

    def screen_rect(self) -> Rect: ...

    def focused(self) -> list[int]: ...

    def close(self) -> None: ...


class PrivacyFilter:
    def __init__(
        self,
        mask_rules: Sequence[WindowRule] = (),
        only_rules: Sequence[WindowRule] = (),
        lister: Lister | None = None,
    ) -> None:
        self.mask_rules = tuple(mask_rules)
        self.only_rules = tuple(only_rules)
        self._lister: Lister = lister or WindowLister()
        self._lock = threading.Lock()
        self._last = PrivacyPlan(confined=bool(self.only_rules))
        self._error: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.mask_rules or self.only_rules)

    @property
    def confined(self) -> bool:
        return bool(self.only_rules)

    def plan(self) -> PrivacyPlan:
        """The rules applied to the windows on screen now (the last plan is kept for status)."""
        if not self.active:
            return PrivacyPlan()
        try:
            plan = plan_privacy(
                self._lister.windows(),
                self._lister.screen_rect(),
                self.mask_rules,
                self.only_rules,
            )
            error = None
        except WindowListError as exc:
            log.warning("privacy rules: %s; masking the whole screen", exc)
            plan = PrivacyPlan(mask=(EVERYWHERE,), confined=self.confined)
            error = str(exc)
        with self._lock:
            self._last, self._error = plan, error
        return plan

    def rects(self) -> list[RectTuple]:
        """The loop's exclusion source: masked in the capture and refused as targets."""
        return [r.as_tuple() for r in self.plan().mask]

    @property
    def last(self) -> PrivacyPlan:
        with self._lock:
            return self._last

    def status(self) -> str:
        """One line for the supervisor: confinement and what was masked at the last capture."""
        if not self.active:
            return ""
        with self._lock:
            plan, error = self._last, self._error
        if error is not None:
            return f"Privacy: the windows cannot be listed ({error}); the whole screen is masked"
        parts = []
        if plan.confined:
            parts.append(f"Confined to: {plan.confinement()}")
        if plan.masked:
            count = len(plan.masked)
            parts.append(f"{count} window{'s' if count != 1 else ''} masked by privacy rules")
        elif self.mask_rules:
            parts.append("no window matches the privacy rules now")
        return " · ".join(parts)

    # ------------------------------------------------------------------ the loop's FocusGuard

    def note(self) -> None:
        """Nothing to remember at capture time (the focus is read when keys are about to go)."""

    def check(self) -> str | None:
        """Before a keyboard action: why it must not run (focus on a protected window, or
        outside the confinement), or ``None``."""
        if not self.active:
            return None
        plan = self.plan()
        if self._error is not None:
            return f"privacy rules are set but the windows cannot be listed ({self._error})"
        try:
            focused = self._lister.focused()
        except WindowListError as exc:
            return (
                f"the keyboard focus could not be read ({exc}), so keys might reach a "
                "protected window"
            )
        return plan.keyboard_refusal(focused)

    def close(self) -> None:
        self._lister.close()


class FocusGuard(Protocol):
    def note(self) -> None: ...

    def check(self) -> str | None: ...


class CombinedGuard:
    """Several focus guards as one: every ``note``, the first refusal of ``check``."""

    def __init__(self, *guards: FocusGuard) -> None:
        self.guards = guards

    def note(self) -> None:
        for guard in self.guards:
            guard.note()

    def check(self) -> str | None:
        for guard in self.guards:
            refusal = guard.check()
            if refusal:
                return refusal
        return None


class _Screen(Protocol):
    def capture(self, mask: Sequence[Any] = ()) -> Any: ...

    def probe(self, mask: Sequence[Any] = ()) -> Any: ...


class _Computer(Protocol):
    def execute(self, action: Any, mapping: Any, *, forbidden: Sequence[Any] = ()) -> Any: ...


class PrivacyScreen:
    """A screen source whose captures also mask what the rules protect. The windows are listed
    on the capture thread (a few ms of X round trips), never on the GUI thread."""

    def __init__(self, screen: _Screen, privacy: PrivacyFilter) -> None:
        self.inner = screen
        self.privacy = privacy

    def capture(self, mask: Sequence[Any] = ()) -> Any:
        return self.inner.capture([*mask, *self.privacy.rects()])

    def probe(self, mask: Sequence[Any] = ()) -> Any:
        """The settle probe masks the same windows (a chat updating in a masked window must not
        keep the screen from settling)."""
        return self.inner.probe([*mask, *self.privacy.rects()])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class PrivacyComputer:
    """A computer that refuses targets on what the rules protect, checked on the input thread
    right before the action (the windows may have moved since the capture)."""

    def __init__(self, computer: _Computer, privacy: PrivacyFilter) -> None:
        self.inner = computer
        self.privacy = privacy

    def execute(self, action: Any, mapping: Any, *, forbidden: Sequence[Any] = ()) -> Any:
        return self.inner.execute(action, mapping, forbidden=[*forbidden, *self.privacy.rects()])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
