"""Keys held during a pointer action: press before the pointer input, release right after.

Why a separate wrapper: OpenAI's click, double_click, drag, move and scroll carry ``keys`` (the
modifiers held while the pointer acts). Dropping them runs a plain click where the model meant
a shift- or ctrl-click, so the planner wraps the pointer steps instead:

* every held key is checked (known, pressable) together with the rest of the action, before
  any input — an unknown key refuses the whole action;
* keys are pressed *after* the pointer has moved onto the target (a modifier held while the
  pointer travels would be a different gesture for some applications) and released in reverse
  order right after the last pointer step;
* each press is tracked like a ``key_down``, so a stop or a failure half-way releases it
  (`BaseComputer.release_all`), and nothing stays held after the action;
* keys already held by an earlier ``key_down`` are neither pressed again nor released (the
  earlier hold stays, exactly as for a chord).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from console_app.executor.backend import MoveTo, Pause, PressKey, ReleaseKey, Step

KeyResolver = Callable[[Sequence[str]], list[tuple[str, str]]]


def hold_keys_around(
    steps: list[Step], keys: Sequence[str], held: Sequence[str], resolve: KeyResolver
) -> list[Step]:
    """``steps`` with ``keys`` pressed after the initial pointer move and released at the end.

    ``resolve`` is the planner's key check (``Planner.keys``): it raises `ActionRefused` for a
    key that cannot be pressed, so nothing runs if any held key is wrong.
    """
    if not keys:
        return steps
    resolved = [k for k in resolve(keys) if f"key:{k[1]}" not in held]
    if not resolved:
        return steps
    lead = 0
    while lead < len(steps) and isinstance(steps[lead], (MoveTo, Pause)) and lead < 2:
        lead += 1
    if lead == len(steps):  # a move: hold the keys around the move itself
        lead = 0
    presses: list[Step] = [PressKey(*k) for k in resolved]
    releases: list[Step] = [ReleaseKey(*k) for k in reversed(resolved)]
    return [*steps[:lead], *presses, *steps[lead:], *releases]


__all__ = ["hold_keys_around"]
