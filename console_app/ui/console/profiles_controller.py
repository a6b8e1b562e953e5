"""The profile and model pickers, and the production ``make_loop`` built on the open session.

Picking a profile opens its session at once (for a local profile that starts the engine, so
it is warm before Start); the previous session is closed (its engine stopped). The model picker
is editable: the profile's model is the default, any name can be typed.
Settings come from ``core.settings_store`` (the settings dialog, written elsewhere, edits them;
`reload` re-reads them — the hook it calls after saving).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QObject

from console_app.core.settings import DEFAULT_MODEL, LOCAL_MODEL, Profile, Settings
from console_app.ui.console.console_view import MainWindow
from console_app.ui.console.engine_lifecycle import SessionManager
from console_app.ui.console.problems_controller import Entry, ProblemController

log = logging.getLogger(__name__)

KNOWN_MODELS = (DEFAULT_MODEL, "tzafon.sm-1")
LOCAL_ENGINE_MODEL = "local engine"


def load_settings() -> tuple[Settings, str | None]:
    """The settings to start with and a notice for the user (first start, problems)."""
    try:
        from console_app.core.settings_store import resolve_startup

        startup = resolve_startup()
        return startup.settings, startup.notice
    except Exception as exc:  # a broken file must not keep the console from opening
        log.warning("could not load the settings: %s", exc)
        return Settings(), f"The settings could not be loaded, using defaults: {exc}"


class ProfilesController(QObject):
    def __init__(
        self,
        window: MainWindow,
        sessions: SessionManager,
        problems: ProblemController,
        settings: Settings,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.sessions = sessions
        self.problems = problems
        self.settings = settings
        self._opening: asyncio.Task[Any] | None = None
        sessions.statusChanged.connect(window.engine_status.setText)
        sessions.failed.connect(lambda text, detail: problems.show(Entry("error", text, detail)))
        self._fill()
        window.profile_combo.currentTextChanged.connect(self._profile_picked)

    def _fill(self) -> None:
        combo = self.window.profile_combo
        combo.blockSignals(True)
        combo.clear()
        for profile in self.settings.profiles:
            combo.addItem(profile.name)
            combo.setItemData(combo.count() - 1, f"{profile.kind} profile", 3)  # tooltip role
        combo.setCurrentText(self.settings.active_profile)
        combo.blockSignals(False)
        self._fill_models(self.profile)

    def _fill_models(self, profile: Profile) -> None:
        combo = self.window.model_combo
        combo.clear()
        if profile.is_local and profile.base_url is None:
            # The local engine is not a Lightcone model: it has no model to pick.
            combo.addItem(LOCAL_ENGINE_MODEL, LOCAL_MODEL)  # the id is the item's data
            combo.setCurrentIndex(0)
            combo.setToolTip("The local engine (an instruction follower; no model to choose)")
            return
        combo.setToolTip("The model asked for each step")
        names = [profile.model, *(m for m in KNOWN_MODELS if m != profile.model)]
        combo.addItems(names)
        combo.setCurrentText(profile.model)

    @property
    def profile(self) -> Profile:
        name = self.window.profile_combo.currentText()
        if self.settings.has_profile(name):
            return self.settings.profile(name)
        return self.settings.active()

    def select(self, name: str) -> None:
        if not self.settings.has_profile(name):
            self.problems.show(Entry("warning", f"There is no profile named {name!r}."))
            return
        self.window.profile_combo.setCurrentText(name)

    def reload(self, settings: Settings | None = None) -> None:
        """Re-read the settings (the settings dialog calls this after saving)."""
        self.settings = settings or load_settings()[0]
        self._fill()
        self.open_current()

    def _profile_picked(self, _name: str) -> None:
        self._fill_models(self.profile)
        self.open_current()

    def open_current(self) -> None:
        """Open the picked profile's session in the background (starts a local engine)."""
        self._opening = asyncio.ensure_future(self._open_quietly(self.profile))

    async def _open_quietly(self, profile: Profile) -> None:
        try:
            await self.sessions.ensure(profile)
        except Exception as exc:  # SessionManager.failed already told the user
            log.debug("opening %s failed: %s", profile.name, exc)

    async def make_loop(self, *, model: str | None = None, **hooks: Any) -> Any:
        """The production ``make_loop``: a loop on the picked profile's session."""
        profile = self.profile
        session = await self.sessions.ensure(profile)
        if model in (LOCAL_ENGINE_MODEL, LOCAL_MODEL):
            model = None  # the local engine: the profile's own id
        if model and model != session.profile.model:
            session.profile = session.profile.model_copy(update={"model": model})
        return session.loop(**hooks)
