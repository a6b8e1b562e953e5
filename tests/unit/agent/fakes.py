"""Test doubles for the loop: a scripted model, a fake screen. No Qt, no display, no network."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from console_app.api.errors import APIError, NotFoundError
from console_app.api.types import CreateParams, Response, StreamEvent
from tests.fakes import FakeShot, fake_mapping

STALL = "stall"


class FakeScreen:
    """Each capture returns a distinct tiny "image" so requests can be told apart."""

    def __init__(self, width: int = 1280, height: int = 720) -> None:
        self.width, self.height = width, height
        self.count = 0
        self.masks: list[tuple[tuple[int, int, int, int], ...]] = []
        self.fail_next = 0

    def capture(self, mask: Sequence[tuple[int, int, int, int]] = ()) -> FakeShot:
        self.masks.append(tuple(mask))
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("the X server went away")
        self.count += 1
        mapping = fake_mapping(self.width, self.height)
        return FakeShot(
            f"screen-{self.count}".encode(), "image/jpeg", self.width, self.height, mapping
        )


class ProbingScreen(FakeScreen):
    """A fake screen whose pixels the test controls: ``scene()`` returns the probe (a
    half-viewport grey frame) for this moment, so settling and the stale guard can be driven
    without a display. ``probes`` counts probe grabs."""

    def __init__(self, scene: Callable[[], Any], width: int = 1280, height: int = 720) -> None:
        super().__init__(width, height)
        self.scene = scene
        self.probes = 0

    def capture(self, mask: Sequence[tuple[int, int, int, int]] = ()) -> FakeShot:
        shot = super().capture(mask)
        shot.probe = self.scene().copy()
        shot.masked = tuple(mask)
        return shot

    def probe(self, mask: Sequence[tuple[int, int, int, int]] = ()) -> Any:
        self.probes += 1
        return self.scene().copy()


Script = dict[str, Any] | Callable[[CreateParams], dict[str, Any]] | Exception | str


class ScriptedModel:
    """Plays back responses in order and records every request.

    A script entry is a response dict, a function of the request returning one, an exception
    to raise, or ``STALL`` (never answers until cancelled)."""

    def __init__(self, script: list[Script], *, stream_events: bool = False) -> None:
        self.script = list(script)
        self.requests: list[CreateParams] = []
        self.cancelled: list[str] = []
        self.retrieved: list[str] = []
        self.request_cancelled = asyncio.Event()
        self.stalled = asyncio.Event()
        self.stored: dict[str, dict[str, Any]] = {}

    def _next(self, params: CreateParams) -> Script:
        self.requests.append(params)
        if not self.script:
            raise AssertionError("the model was asked more often than scripted")
        entry = self.script.pop(0)
        if callable(entry) and not isinstance(entry, Exception):
            return entry(params)
        return entry

    async def create(self, params: CreateParams | None = None, **fields: Any) -> Response:
        assert params is not None
        entry = self._next(params)
        if isinstance(entry, Exception):
            raise entry
        if entry == STALL:
            self.stalled.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.request_cancelled.set()
                raise
        assert isinstance(entry, dict)
        return Response.model_validate(entry)

    async def create_stream(
        self, params: CreateParams | None = None, **fields: Any
    ) -> AsyncIterator[StreamEvent]:
        assert params is not None
        entry = self._next(params)
        if isinstance(entry, Exception):
            raise entry
        if entry == STALL:
            yield StreamEvent(
                type="response.created",
                response=Response(id="resp_streaming", status="in_progress"),
            )
            self.stalled.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.request_cancelled.set()
                raise
        assert isinstance(entry, dict)
        response = Response.model_validate(entry)
        yield StreamEvent(
            type="response.created", response=Response(id=response.id, status="in_progress")
        )
        text = response.output_text()
        if text:
            yield StreamEvent(type="response.output_text.delta", delta=text)
        yield StreamEvent(type="response.completed", response=response)

    async def retrieve(self, response_id: str) -> Response:
        self.retrieved.append(response_id)
        if response_id not in self.stored:
            raise NotFoundError("no such response", status_code=404)
        return Response.model_validate(self.stored[response_id])

    async def cancel(self, response_id: str) -> Response:
        self.cancelled.append(response_id)
        return Response(id=response_id, status="cancelled")


def call(
    action: dict[str, Any],
    call_id: str = "call_1",
    rid: str = "resp_1",
    checks: list[dict[str, Any]] | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """A response with one computer_call (Lightcone shape)."""
    output: list[dict[str, Any]] = [
        {
            "type": "reasoning",
            "id": "rs",
            "summary": [{"type": "summary_text", "text": "thinking"}],
        },
        {
            "type": "computer_call",
            "id": f"item_{call_id}",
            "call_id": call_id,
            "action": action,
            **({"pending_safety_checks": checks} if checks else {}),
        },
    ]
    if message:
        output.insert(
            1,
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": message}],
            },
        )
    return {
        "id": rid,
        "object": "response",
        "status": "completed",
        "output": output,
        "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
    }


def message(text: str, rid: str = "resp_end") -> dict[str, Any]:
    return {
        "id": rid,
        "status": "completed",
        "output": [
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text}],
            }
        ],
    }


def api_error(status: int = 503, text: str = "overloaded") -> APIError:
    from console_app.api.errors import status_error_class

    return status_error_class(status)(text, status_code=status, request_id="req_1")


@dataclass
class ApprovalLog:
    requests: list[Any] = field(default_factory=list)


class SpyComputer:
    """Implements the loop's computer protocol; records what would have run.

    Refuses (like the real one) any target inside a forbidden rectangle, before doing anything;
    tracks key and button holds so release_all can be checked.
    """

    def __init__(self, recorder: Any = None) -> None:
        self.executed: list[Any] = []
        self.points: list[tuple[int, int]] = []
        self._held: list[str] = []
        self.released: list[list[str]] = []
        self.recorder = recorder
        self.seen_pending_before_execute: list[bool] = []
        self.fail_with: Exception | None = None
        self.delay: float = 0.0
        self.interrupted = threading.Event()
        self.started = threading.Event()

    def execute(self, action: Any, mapping: Any, *, forbidden: Sequence[Any] = ()) -> Any:
        from console_app.executor.outcomes import ActionRefused

        points = [mapping.to_screen(p.x, p.y) for p in getattr(action, "points", list)()]
        for x, y in points:
            for fx, fy, fw, fh in forbidden:
                if fx <= x < fx + fw and fy <= y < fy + fh:
                    raise ActionRefused("the target is on the console's own window")
        if self.recorder is not None:
            # the step must already be recorded as decided, with execution pending
            latest = self.recorder.history[-1]
            self.seen_pending_before_execute.append(latest.execution == "pending")
        self.started.set()
        # an interruptible wait, like the real executor's steps
        if self.delay and self.interrupted.wait(self.delay):
            from console_app.executor.outcomes import ExecutionInterrupted

            raise ExecutionInterrupted(f"{action.type}: interrupted")
        if self.fail_with is not None:
            raise self.fail_with
        self.executed.append(action)
        self.points.extend(points)
        if action.type == "key_down":
            self._held.extend(f"key:{k}" for k in action.keys if f"key:{k}" not in self._held)
        elif action.type == "key_up":
            self._held = [h for h in self._held if h.removeprefix("key:") not in action.keys]
        elif action.type == "mouse_down":
            self._held.append(f"button:{action.button}")
        elif action.type == "mouse_up":
            self._held = [h for h in self._held if h != f"button:{action.button}"]
        return _Result(True, "ok", 1.0)

    def interrupt(self) -> None:
        self.interrupted.set()

    def release_all(self) -> list[str]:
        released, self._held = list(reversed(self._held)), []
        self.released.append(released)
        return released

    def held(self) -> list[str]:
        return list(self._held)

    def close(self) -> None:
        self.release_all()


@dataclass(frozen=True)
class _Result:
    ok: bool
    detail: str
    duration_ms: float
