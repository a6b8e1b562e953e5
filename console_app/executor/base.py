"""The part of every `Computer` that is not the input backend: plan, run, track what is held.

Held input is the dangerous part of desktop automation: a ``key_down shift`` whose ``key_up``
never comes leaves the supervisor's own keyboard shifted. So every press of a key or button is
recorded (in order) before the next step runs, every release removes it, and `release_all`
releases the rest in reverse order — on stop (from any thread: it interrupts a running
``wait``), on an error half-way through an action, on `close` and, for the desktop, at exit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import assert_never

from console_app.capture.mapping import ViewportMapping
from console_app.core.actions import Action
from console_app.core.geometry import RectTuple
from console_app.core.settings import Environment
from console_app.executor.backend import (
    InputBackend,
    MoveTo,
    OpenUrl,
    Pause,
    PressButton,
    PressKey,
    ReleaseButton,
    ReleaseKey,
    Step,
    Wheel,
    WriteText,
)
from console_app.executor.outcomes import (
    ActionRefused,
    ExecutionError,
    ExecutionInterrupted,
    ExecutionResult,
    FailSafeError,
    FailSafeTriggered,
)
from console_app.executor.planner import Plan, Planner, Timing


class BaseComputer:
    """A `Computer` over any `InputBackend`: plans each action, runs its steps, tracks holds.

    ``execute`` runs under one lock (one action at a time); ``interrupt``, ``held`` and the
    start of ``release_all`` / ``close`` never wait for it, so the stop button answers at once
    while a long action runs on the input thread. Subclasses choose the backend
    (`DesktopComputer`, `RecordingComputer`) and may hook `_executed`.
    """

    def __init__(
        self,
        backend: InputBackend,
        *,
        environment: Environment = "desktop",
        scroll_unit_px: int = 100,
        timing: Timing | None = None,
    ) -> None:
        self.backend = backend
        self.planner = Planner(
            backend,
            environment=environment,
            scroll_unit_px=scroll_unit_px,
            timing=timing or Timing(),
        )
        self._lock = threading.RLock()
        self._stop = threading.Event()
        # label → the step that releases it; dicts keep insertion (= press) order. Guarded by
        # its own lock so held() answers at once even while a long action holds self._lock.
        self._held: dict[str, Step] = {}
        self._held_lock = threading.Lock()
        self._closed = False
        # Bumped by every release_all/close: an execute() that was already waiting for the lock
        # when the supervisor pressed stop is refused instead of running after the release.
        self._generation = 0
        self._generation_lock = threading.Lock()

    @property
    def environment(self) -> Environment:
        return self.planner.environment

    # -- Computer protocol ------------------------------------------------------------------
    def execute(
        self,
        action: Action,
        mapping: ViewportMapping,
        *,
        forbidden: Sequence[RectTuple] = (),
    ) -> ExecutionResult:
        started = time.perf_counter()
        generation = self._generation
        with self._lock:
            if self._closed:
                raise ActionRefused("the executor is closed")
            # Clear first, then compare: a stop between the two is seen by one or the other.
            self._stop.clear()
            if generation != self._generation:
                raise ActionRefused("stopped (release_all) before this action started")
            plan = self.planner.plan(action, mapping, forbidden, self.held())
            self._run(plan)
            self._executed(action, plan)
        return ExecutionResult(
            ok=True,
            detail=_with_points(plan),
            duration_ms=(time.perf_counter() - started) * 1000,
            screen_points=tuple(plan.points),
        )

    def release_all(self) -> list[str]:
        self._interrupt()
        with self._lock:
            return self._release_all_locked()

    def interrupt(self) -> None:
        """Stop a running action at its next step and refuse one waiting for the lock; never
        blocks (the stop button calls it from the loop's thread while the input thread runs)."""
        self._interrupt()

    def held(self) -> list[str]:
        with self._held_lock:
            return list(self._held)

    def close(self) -> None:
        self._interrupt()
        with self._lock:
            if self._closed:
                return
            try:
                self._release_all_locked()
            finally:
                self._closed = True
                self.backend.close()

    # -- running ----------------------------------------------------------------------------
    def _interrupt(self) -> None:
        with self._generation_lock:
            self._generation += 1
        self._stop.set()  # a running wait/drag/typing stops at its next step

    def _executed(self, action: Action, plan: Plan) -> None:
        """Hook for subclasses (the recording computer stores the action and its steps)."""

    def _run(self, plan: Plan) -> None:
        done = 0
        try:
            for step in plan.steps:
                if self._stop.is_set():
                    raise ExecutionInterrupted(
                        f"{plan.detail}: interrupted after {done} of {len(plan.steps)} steps",
                        steps_done=done,
                    )
                self._apply(step)
                done += 1
        except ExecutionInterrupted:
            # Whoever interrupted (release_all / close) releases right after, under the lock.
            raise
        except FailSafeError as exc:
            released = self._release_all_locked()
            raise FailSafeTriggered(
                f"{plan.detail}: pyautogui's fail-safe fired (the pointer is in a screen "
                f"corner) after {done} of {len(plan.steps)} steps: {exc}",
                released=released,
                steps_done=done,
            ) from exc
        except Exception as exc:
            released = self._release_all_locked()
            raise ExecutionError(
                f"{plan.detail}: input failed after {done} of {len(plan.steps)} steps: {exc}",
                released=released,
                steps_done=done,
            ) from exc

    def _apply(self, step: Step) -> None:
        backend = self.backend
        match step:
            case MoveTo(x=x, y=y):
                backend.move_to(x, y)
            case PressButton(button=button):
                # Tracked before sending: if the press half-happens, release_all still tries.
                self._track(f"button:{button}", ReleaseButton(button))
                backend.press_button(button)
            case ReleaseButton(button=button):
                backend.release_button(button)
                self._untrack(f"button:{button}")
            case PressKey(key=key, name=name):
                self._track(f"key:{name}", ReleaseKey(key, name))
                backend.press_key(key)
            case ReleaseKey(key=key, name=name):
                backend.release_key(key)
                self._untrack(f"key:{name}")
            case Wheel(down=down, right=right):
                backend.wheel(down, right)
            case WriteText(text=text):
                backend.write_text(text, self._stop)
            case Pause(seconds=seconds):
                if seconds > 0:
                    backend.pause(seconds, self._stop)
                    if self._stop.is_set():
                        raise ExecutionInterrupted(f"interrupted during a {seconds:g} s pause")
            case OpenUrl(url=url):
                backend.open_url(url)
            case _:  # pragma: no cover - mypy checks that every step type has a case
                assert_never(step)

    def _track(self, label: str, release: Step) -> None:
        with self._held_lock:
            self._held[label] = release

    def _untrack(self, label: str) -> None:
        with self._held_lock:
            self._held.pop(label, None)

    def _release_all_locked(self) -> list[str]:
        released: list[str] = []
        errors: list[str] = []
        with self._held_lock:
            holds = list(self._held.items())
        for label, step in reversed(holds):
            try:
                if isinstance(step, ReleaseKey):
                    self.backend.release_key(step.key, force=True)
                elif isinstance(step, ReleaseButton):
                    self.backend.release_button(step.button, force=True)
                released.append(label)
            except Exception as exc:  # keep releasing the others
                errors.append(f"{label}: {exc}")
            finally:
                self._untrack(label)
        if errors:
            raise ExecutionError("could not release " + "; ".join(errors), released=released)
        return released


def _with_points(plan: Plan) -> str:
    if not plan.points:
        return plan.detail
    points = ", ".join(f"({x}, {y})" for x, y in plan.points)
    return f"{plan.detail} → screen {points}"
