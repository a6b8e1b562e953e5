"""The loop's view of its collaborators, as protocols.

Why protocols: the loop is tested with plain asyncio, a scripted model and a recording
computer; the console wires in the real client, capturer and desktop. The loop only relies on
what is written here. The desktop's port is `executor.computer.Computer` (the executor is a
layer below, so the loop uses its port directly instead of a copy).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from console_app.api.types import CreateParams, Response, StreamEvent
from console_app.capture.mapping import ViewportMapping
from console_app.core.geometry import RectTuple


class ModelClient(Protocol):
    async def create(self, params: CreateParams | None = None, **fields: Any) -> Response: ...

    def create_stream(
        self, params: CreateParams | None = None, **fields: Any
    ) -> AsyncIterator[StreamEvent]: ...

    async def retrieve(self, response_id: str) -> Response: ...

    async def cancel(self, response_id: str) -> Response: ...


class Shot(Protocol):
    """What the loop needs from a capture (``capture.screen.Screenshot`` has all of it)."""

    @property
    def data(self) -> bytes: ...

    @property
    def mime(self) -> str: ...

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...

    @property
    def mapping(self) -> ViewportMapping: ...

    @property
    def grab_ms(self) -> float: ...

    @property
    def scale_ms(self) -> float: ...

    @property
    def encode_ms(self) -> float: ...

    @property
    def data_url(self) -> str: ...


class ScreenSource(Protocol):
    def capture(self, mask: Sequence[RectTuple] = ()) -> Shot: ...


class FocusGuard(Protocol):
    """Keeps synthetic keys out of the supervisor's own windows (``executor.keyboard_focus``).

    ``note`` runs on the capture thread after each capture (where the agent's keys belong);
    ``check`` runs on the input thread before each keyboard action and returns why it must not
    run (it fails closed), or ``None``."""

    def note(self) -> None: ...

    def check(self) -> str | None: ...
