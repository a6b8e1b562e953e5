"""The policy table: per action type, run without asking, ask, or block.

Why it also looks at held keys: a blocked chord can be assembled over several actions
(``key_down ctrl``, ``key_down alt``, ``keypress delete``). The verdict for a key action is
taken on the union of what is already held and what the action presses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from console_app.core.actions import (
    FINAL_ACTION_TYPES,
    Action,
    KeyDown,
    Keypress,
    Navigate,
    PointAndType,
    TypeText,
)
from console_app.core.actions import held_keys as keys_held_during
from console_app.core.keys import UnknownKeyError, canonical_chord, canonical_key, chord_label
from console_app.core.settings import ActionLimits, Policy, PolicyChoice


@dataclass(frozen=True)
class Verdict:
    choice: PolicyChoice
    reason: str


class PolicyTable:
    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()
        # Policy validates and canonicalises its chords, so every one here is meaningful.
        self._blocked = [frozenset(chord) for chord in self.policy.blocked_chords]
        self._auto_for_run: set[str] = set()

    def remember_auto(self, action_type: str) -> None:
        """ "Auto-approve this action type for this run" (never overrides a block)."""
        self._auto_for_run.add(action_type)

    @property
    def auto_for_run(self) -> frozenset[str]:
        return frozenset(self._auto_for_run)

    def evaluate(self, action: Action, held_keys: Iterable[str] = ()) -> Verdict:
        if action.type in FINAL_ACTION_TYPES:
            return Verdict("auto", "ends the run; nothing is sent to the desktop")
        too_long = over_limit(action, self.policy.limits)
        if too_long is not None:
            return Verdict("block", too_long)
        chord = self._blocked_chord(action, held_keys)
        if chord is not None:
            return Verdict("block", f"the key combination {chord} is blocked by the policy")
        choice = self.policy.choice_for(action.type)
        if choice == "block":
            return Verdict("block", f"{action.type} actions are blocked by the policy")
        if action.type in self._auto_for_run:
            return Verdict("auto", f"{action.type} was auto-approved for this run")
        if choice == "auto":
            return Verdict("auto", f"{action.type} actions are auto-approved by the policy")
        return Verdict("ask", "")

    def _blocked_chord(self, action: Action, held_keys: Iterable[str]) -> str | None:
        pressed = keys_pressed_by(action)
        if pressed is None:
            return None
        for name in held_keys:
            try:
                pressed.update(canonical_chord([name.removeprefix("key:")]))
            except UnknownKeyError:
                continue
        for blocked in self._blocked:
            if blocked <= pressed:
                return chord_label(sorted(blocked, key=_modifier_first))
        return None


def over_limit(action: Action, limits: ActionLimits) -> str | None:
    """Why ``action`` is longer than the profile allows, or ``None``."""
    path = getattr(action, "path", None)
    if action.type == "drag" and path is not None and len(path) > limits.max_drag_points:
        return (
            f"the drag has {len(path)} points and the profile allows at most "
            f"{limits.max_drag_points} (policy limits: max_drag_points)"
        )
    text = getattr(action, "text", None)
    if isinstance(text, str) and len(text) > limits.max_type_chars:
        return (
            f"the text to type has {len(text)} characters and the profile allows at most "
            f"{limits.max_type_chars} (policy limits: max_type_chars)"
        )
    return None


def keys_pressed_by(action: Action) -> set[str] | None:
    """Every key an action may press, for the chord check (``None``: it presses none).

    Not only key actions: a pointer action presses the keys it holds (``keys`` on a click,
    drag, move or scroll), typing presses its characters (and Enter for a line break), and
    navigating a browser presses Ctrl+L and Enter. With a modifier held by an earlier
    ``key_down``, any of them can complete a blocked chord.
    """
    if isinstance(action, (Keypress, KeyDown)):
        return set(action.keys)
    if isinstance(action, (TypeText, PointAndType)):
        pressed = {"enter"} if "\n" in action.text or "\r" in action.text else set()
        for character in set(action.text):
            try:
                pressed.add(canonical_key(character))
            except UnknownKeyError:
                continue  # typed by keysym, not a key a chord can name
        return pressed
    if isinstance(action, Navigate):
        return {"ctrl", "l", "enter"}
    held = keys_held_during(action)
    if held:
        return set(held)  # a pointer action holding keys presses them for its duration
    return None


def _modifier_first(key: str) -> tuple[int, str]:
    order = {"ctrl": 0, "alt": 1, "shift": 2, "meta": 3}
    return (order.get(key, 9), key)
