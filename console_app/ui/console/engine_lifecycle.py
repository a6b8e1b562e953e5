"""The session behind the window: the backend client and, for a local profile, the local engine.

The console opens a session as soon as it starts (so a local profile's engine is warm by the
time the human has typed a task) and again when the profile changes; it closes it on exit,
which stops the engine. `agent.session.open_session` starts the engine in a worker thread
(``LocalEngine.start`` blocks up to 60 s), so awaiting it here keeps the GUI responsive; the
status line says "Starting the local engine…" meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from console_app.core.records import Recorder
from console_app.core.redact import redact
from console_app.core.settings import Profile

log = logging.getLogger(__name__)

SessionOpener = Callable[[Profile, Recorder], Awaitable[Any]]


async def default_opener(profile: Profile, recorder: Recorder) -> Any:
    """`agent.session.open_session`, with the desktop built in a worker thread: creating it
    imports pyautogui (~0.35 s), which must not freeze the window. (The heavy imports of the
    agent stack happen in `ui.main.build_console`, before the window is shown.)"""
    from console_app.agent.session import open_session
    from console_app.executor.desktop import DesktopComputer

    computer = await asyncio.to_thread(
        DesktopComputer, environment=profile.environment, scroll_unit_px=profile.scroll_unit_px
    )
    try:
        return await open_session(profile, recorder, computer=computer)
    except BaseException:
        computer.close()
        raise


class SessionManager(QObject):
    """Opens at most one session at a time; `ensure` is safe to await from several places.

    Signals:
        statusChanged(str): a one-line status of the session (engine starting, ready…).
        failed(str, str): opening a session failed: the text and its detail.
    """

    statusChanged = Signal(str)
    failed = Signal(str, str)  # text, detail

    def __init__(
        self,
        recorder: Recorder,
        opener: SessionOpener = default_opener,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.recorder = recorder
        self.opener = opener
        self.session: Any = None
        self.profile: Profile | None = None
        self._opening: asyncio.Task[Any] | None = None

    async def ensure(self, profile: Profile) -> Any:
        """The open session for ``profile``, opening (and closing another) if needed."""
        if self.session is not None and self.profile == profile:
            return self.session
        if self._opening is not None and not self._opening.done() and self.profile == profile:
            return await asyncio.shield(self._opening)
        await self.close()
        self.profile = profile
        self._opening = asyncio.ensure_future(self._open(profile))
        return await asyncio.shield(self._opening)

    async def _open(self, profile: Profile) -> Any:
        starting = (
            "Starting the local engine…"
            if profile.is_local and not profile.base_url
            else (f"Connecting to {profile.name}…")
        )
        self.statusChanged.emit(starting)
        log.info("opening a session for profile %s", profile.name)
        try:
            session = await self.opener(profile, self.recorder)
        except Exception as exc:
            self.profile = None
            text = (
                "The local engine could not be started."
                if profile.is_local and not profile.base_url
                else f"Could not open the profile {profile.name!r}."
            )
            detail = redact(f"{type(exc).__name__}: {exc}")
            log.warning("%s %s", text, detail)
            self.statusChanged.emit(text)
            self.failed.emit(text, detail)
            raise
        self.session = session
        backend = getattr(session, "backend", "")
        self.statusChanged.emit(
            f"Local engine ready ({backend})" if profile.is_local else f"Ready: {backend}"
        )
        return session

    async def close(self) -> None:
        """Close the session (stops a local engine). Safe to call twice."""
        opening, self._opening = self._opening, None
        if opening is not None and not opening.done():
            # Not cancelled: the engine start runs in a thread and would be orphaned. Let it
            # finish, then close what it opened.
            try:
                await opening
            except Exception:
                log.debug("a session that was still opening failed", exc_info=True)
        session, self.session = self.session, None
        self.profile = None
        if session is not None:
            try:
                await session.aclose()
            except Exception:
                log.exception("closing the session failed")
            self.statusChanged.emit("Disconnected")
