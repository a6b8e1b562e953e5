"""Wire a profile into a ready `AgentLoop`: client, screen, desktop, history, policy.

Both front ends (the console window and ``console-app run``) build their loops here, so a
profile means the same thing in both.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from console_app.agent.backend import open_client
from console_app.agent.context import (
    Approver,
    LoopConfig,
    ProblemHandler,
    RectSource,
    StaleHandler,
)
from console_app.agent.events import PrivacyStatus, ScreenCaptured
from console_app.agent.loop import AgentLoop
from console_app.agent.policy import PolicyTable
from console_app.agent.ports import FocusGuard
from console_app.agent.screen_truth import SettleConfig
from console_app.agent.turns import RequestSettings
from console_app.api.client import ResponsesClient
from console_app.api.local_engine import LocalEngine
from console_app.capture.privacy import (
    CombinedGuard,
    PrivacyComputer,
    PrivacyFilter,
    PrivacyScreen,
)
from console_app.capture.screen import ScreenCapturer
from console_app.core.dialect import WireNames, choose_api, wire_names
from console_app.core.records import Recorder
from console_app.core.settings import Profile
from console_app.executor import Computer, DesktopComputer

log = logging.getLogger(__name__)


@dataclass
class Session:
    """Everything a run needs that outlives one run (client, engine, capturer, computer)."""

    profile: Profile
    client: ResponsesClient
    screen: ScreenCapturer
    computer: Computer
    recorder: Recorder
    engine: LocalEngine | None = None
    privacy: PrivacyFilter | None = None
    """The profile's window rules (masked windows, "only this app"), when it has any."""
    _closed: bool = field(default=False, repr=False)

    @property
    def backend(self) -> str:
        return self.client.base_url

    def wire_names(self) -> tuple[WireNames, str]:
        """The dialect this session speaks and why (``core/dialect.py``)."""
        profile = self.profile
        api, reason = choose_api(
            profile_api=profile.api, model=profile.model, legacy_tool_type=profile.tool_type
        )
        return wire_names(api, profile.model, profile.environment), reason

    def loop(
        self,
        *,
        approve: Approver,
        on_event: Any = None,
        on_problem: ProblemHandler | None = None,
        exclusion: RectSource | None = None,
        focus_guard: FocusGuard | None = None,
        max_steps: int | None = None,
        policy: PolicyTable | None = None,
        on_stale: StaleHandler | None = None,
    ) -> AgentLoop:
        profile = self.profile
        config = LoopConfig(
            request=RequestSettings.for_wire(profile.model, self.wire_names()[0]),
            profile=profile.name,
            profile_kind=profile.kind,
            coordinates=profile.coordinates,
            backend=self.backend,
            max_steps=max_steps or profile.max_steps,
            stream=profile.stream,
            settle=SettleConfig(
                min_ms=profile.settle_min_ms,
                max_ms=profile.settle_max_ms,
                reaction_ms=profile.settle_reaction_ms,
            ),
            stale_guard=profile.stale_guard,
        )
        privacy = self.privacy
        screen: Any = self.screen
        computer: Any = self.computer
        if privacy is not None:
            # Rule-matched windows join the supervisor's own: masked in every capture (listed
            # on the capture thread) and refused as targets (checked on the input thread);
            # keys are refused while such a window has the focus.
            screen = PrivacyScreen(screen, privacy)
            computer = PrivacyComputer(computer, privacy)
            focus_guard = CombinedGuard(focus_guard, privacy) if focus_guard else privacy
            on_event = _with_privacy_status(on_event, privacy)
        return AgentLoop(
            client=self.client,
            screen=screen,
            computer=computer,
            recorder=self.recorder,
            approve=approve,
            config=config,
            policy=policy or PolicyTable(profile.policy),
            on_event=on_event,
            on_problem=on_problem,
            exclusion=exclusion,
            focus_guard=focus_guard,
            on_stale=on_stale,
        )

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self.computer.close()
        with contextlib.suppress(Exception):
            self.screen.close()
        if self.privacy is not None:
            with contextlib.suppress(Exception):
                self.privacy.close()
        with contextlib.suppress(Exception):
            await self.client.aclose()
        if self.engine is not None:
            self.engine.stop()


def _with_privacy_status(sink: Any, privacy: PrivacyFilter) -> Any:
    """``sink`` that also gets a `PrivacyStatus` after a capture whenever the status changed
    (the console and the terminal show which window the agent is confined to)."""
    shown = [""]

    def on_event(event: Any) -> None:
        if sink is not None:
            sink(event)
        if isinstance(event, ScreenCaptured):
            text = privacy.status()
            if text != shown[0]:
                shown[0] = text
                if sink is not None:
                    sink(PrivacyStatus(text))

    return on_event


async def open_session(
    profile: Profile,
    recorder: Recorder,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    computer: Computer | None = None,
    screen: ScreenCapturer | None = None,
) -> Session:
    """Open a client for ``profile`` (starting the local engine if needed) and the desktop."""
    if base_url:
        profile = profile.model_copy(update={"base_url": base_url})
    client, engine = await open_client(profile, api_key)
    try:
        screen = screen or ScreenCapturer(
            monitor=profile.monitor,
            viewport=(
                (profile.viewport_width, profile.viewport_height)
                if profile.viewport_width and profile.viewport_height
                else None
            ),
            max_width=profile.max_viewport_width,
            image_format=profile.image_format,
            quality=profile.image_quality,
            coordinates=profile.coordinates,
        )
        computer = computer or DesktopComputer(
            environment=profile.environment, scroll_unit_px=profile.scroll_unit_px
        )
    except Exception:
        await client.aclose()
        if engine is not None:
            engine.stop()
        raise
    privacy = (
        PrivacyFilter(profile.mask_windows, profile.only_windows)
        if profile.mask_windows or profile.only_windows
        else None
    )
    return Session(profile, client, screen, computer, recorder, engine, privacy)
