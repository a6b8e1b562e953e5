"""The settings dialog's controller: profiles being edited, validation, API keys, Save, Test
connection — and `attach_settings`, which connects it to the console's "Settings…" action.

Rules it keeps:

* **Validated as typed.** Every edit re-validates every profile with the pydantic models
  (``core/settings_validation.py``); messages appear under their fields, the list marks profiles
  with problems, and Save stays disabled while anything is invalid.
* **Keys never touch the file.** A typed key lives in memory until Save, then goes to the
  keyring (`core.secrets.set_api_key`) under the profile's name; the settings file is written
  by `SettingsStore.save`, which has no place for a key and refuses to write anything that
  looks like one. Renaming a profile moves its key; deleting a profile removes it; "Remove
  key" removes it on Save (``core/settings_keys.py``). Where a key comes from (keyring /
  ``TZAFON_API_KEY`` / none) is shown, never the key.
* **Save writes the file first, then the keys**, and tells the console (``saved``), which
  reloads its profiles. A keyring failure keeps the dialog open with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from console_app.agent.connection import ConnectionReport, test_connection
from console_app.core import secrets
from console_app.core.secret_patterns import configure as configure_secret_patterns
from console_app.core.settings import LIGHTCONE_URL, PrivacySettings, Profile, Settings
from console_app.core.settings_keys import Draft, apply_key_changes, key_problem
from console_app.core.settings_store import SettingsError, SettingsStore
from console_app.core.settings_validation import (
    SettingsCheck,
    check_settings,
    parse_chords,
)
from console_app.ui.settings.settings_view import SettingsDialog

log = logging.getLogger(__name__)

Tester = Callable[[Profile, str | None], Awaitable[ConnectionReport]]

_BASE_URL_HINTS = {
    "local": "empty: the console starts the local engine itself",
    "lightcone": f"empty: {LIGHTCONE_URL}",
    "openai": "required, e.g. http://localhost:8000/v1",
}


class SettingsController(QObject):
    """The settings dialog's logic: the profiles being edited, validation, keys, Save, Test.

    Signals:
        saved(object): the `Settings` that were written.
    """

    saved = Signal(object)  # the saved Settings

    def __init__(
        self,
        view: SettingsDialog,
        settings: Settings,
        *,
        store: SettingsStore | None = None,
        tester: Tester = test_connection,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.store = store or SettingsStore()
        self.tester = tester
        settings = self._load(settings)
        self.drafts = [Draft.of(p, p.name) for p in settings.profiles]
        self.original_names = [p.name for p in settings.profiles]
        # The active profile is a draft, not a name: names change while editing (even swap).
        self.active_draft = next(
            (d for d in self.drafts if d.name == settings.active_profile), self.drafts[0]
        )
        self.current = 0
        self.privacy: PrivacySettings | None = settings.privacy
        view.history_privacy.set_values(settings.privacy.model_dump())
        self.check: SettingsCheck = check_settings([], "")
        self.test_task: asyncio.Task[ConnectionReport] | None = None
        self._sources: dict[tuple[str, str], str | None] = {}
        form = view.form
        view.path.setText(f"Settings file: {self.store.path}")
        view.keyring.setText(secrets.keyring_status())
        form.monitors.setText(_monitor_list())
        view.profiles.currentRowChanged.connect(self.select)
        view.add_button.clicked.connect(self.add)
        view.duplicate_button.clicked.connect(self.duplicate)
        view.rename_button.clicked.connect(self.rename)
        view.delete_button.clicked.connect(self.delete)
        view.active_button.clicked.connect(self.make_active)
        view.save_button.clicked.connect(self.save)
        view.cancel_button.clicked.connect(view.reject)
        form.edited.connect(self.edited)
        view.history_privacy.changed.connect(self._validate)
        form.remove_key.clicked.connect(self.remove_key)
        form.test_button.clicked.connect(self.test)
        self._fill_list()
        view.profiles.setCurrentRow(0)
        self.select(0)

    def _load(self, fallback: Settings) -> Settings:
        """The file as it is (so unknown fields survive Save); its problems in the banner."""
        try:
            settings = self.store.load()
        except SettingsError as exc:
            self.view.banner.setText(
                "The settings file has problems; Save replaces it with what you see here:\n"
                + "\n".join(f"• {p}" for p in exc.problems)
            )
            self.view.banner.setVisible(True)
            return fallback
        if self.store.warnings:
            self.view.banner.setText("\n".join(f"• {w}" for w in self.store.warnings))
            self.view.banner.setVisible(True)
        return settings if self.store.exists() else fallback

    # ------------------------------------------------------------------ list

    def _fill_list(self) -> None:
        self.view.profiles.blockSignals(True)
        self.view.profiles.clear()
        self.view.profiles.addItems([self._item_text(n) for n in range(len(self.drafts))])
        self.view.profiles.setCurrentRow(self.current)
        self.view.profiles.blockSignals(False)

    def _item_text(self, n: int) -> str:
        draft = self.drafts[n]
        text = draft.name or "(no name)"
        if draft is self.active_draft:
            text += "  (active)"
        profiles = self.check.profiles
        if n < len(profiles) and not profiles[n].ok:
            text += "  ⚠"
        return text

    def select(self, row: int) -> None:
        if not 0 <= row < len(self.drafts):
            return
        self.current = row
        draft = self.drafts[row]
        self.view.form.set_values(draft.values, draft.chords)
        self.view.form.api_key.setText(draft.key)
        self.view.form.test_result.setText("")
        self._validate()

    def _unique(self, base: str) -> str:
        names = {d.name.casefold() for d in self.drafts}
        name, n = base, 2
        while name.casefold() in names:
            name, n = f"{base} {n}", n + 1
        return name

    def _insert(self, draft: Draft) -> None:
        self.drafts.append(draft)
        self.current = len(self.drafts) - 1
        self._fill_list()
        self.select(self.current)

    def add(self) -> None:
        self._insert(Draft.of(Profile(name=self._unique("new profile"), kind="lightcone"), None))

    def duplicate(self) -> None:
        source = self.drafts[self.current]
        values = {**source.values, "name": self._unique(f"{source.name} copy")}
        self._insert(Draft(values, source.chords, None))

    def rename(self) -> None:
        """Names are edited in the form; this puts the cursor there."""
        self.view.form.name.setFocus()
        self.view.form.name.selectAll()

    def delete(self) -> None:
        if len(self.drafts) <= 1:
            return
        removed = self.drafts.pop(self.current)
        if removed is self.active_draft:
            self.active_draft = self.drafts[0]
        self.current = min(self.current, len(self.drafts) - 1)
        self._fill_list()
        self.select(self.current)

    def make_active(self) -> None:
        self.active_draft = self.drafts[self.current]
        self._validate()

    # ------------------------------------------------------------------ editing

    def edited(self) -> None:
        draft = self.drafts[self.current]
        values = self.view.form.values()
        policy = {
            **values.pop("policy"),
            "blocked_chords": parse_chords(self.view.form.policy.chords.toPlainText())[0],
        }
        draft.values = {**draft.values, **values, "policy": policy}
        draft.chords = self.view.form.policy.chords.toPlainText()
        typed = self.view.form.api_key.text().strip()
        if typed != draft.key:
            draft.key = typed
            draft.remove_key = draft.remove_key and not typed
        self._validate()

    def remove_key(self) -> None:
        draft = self.drafts[self.current]
        draft.key, draft.remove_key = "", True
        self.view.form.api_key.clear()
        self._validate()

    def _extras(self, draft: Draft) -> dict[str, list[str]]:
        extra: dict[str, list[str]] = {}
        chord_errors = parse_chords(draft.chords)[1]
        if chord_errors:
            extra["blocked_chords"] = chord_errors
        problem = key_problem(draft.key)
        if draft.key and problem:
            extra["api_key"] = [problem]
        return extra

    def _validate(self) -> None:
        self.check = check_settings(
            [d.values for d in self.drafts],
            self.active_draft.name,
            [self._extras(d) for d in self.drafts],
        )
        form = self.view.form
        errors = dict(self.check.profiles[self.current].errors)
        known = set(form.errors) | {"blocked_chords"}
        for field in [f for f in errors if f not in known]:
            errors.setdefault("general", []).extend(errors.pop(field))
        form.show_errors(errors)
        self.view.problems.setText("\n".join(self.check.problems))
        self.view.problems.setVisible(bool(self.check.problems))
        self.privacy = self._check_privacy()
        self.view.save_button.setEnabled(self.check.ok and self.privacy is not None)
        self.view.delete_button.setEnabled(len(self.drafts) > 1)
        for n in range(len(self.drafts)):
            item = self.view.profiles.item(n)
            if item is not None and item.text() != self._item_text(n):
                item.setText(self._item_text(n))
        self._render_key()

    def _check_privacy(self) -> PrivacySettings | None:
        """The history and secret-pattern settings as typed, or ``None`` (message shown)."""
        box = self.view.history_privacy
        try:
            privacy = PrivacySettings.model_validate(box.values())
        except ValidationError as exc:
            box.error.setText(
                "\n".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            )
            box.error.setVisible(True)
            return None
        box.error.setVisible(False)
        return privacy

    def key_source(self, draft: Draft) -> str | None:
        """``keyring`` / ``env`` / ``None`` for a draft's saved key (cached per dialog)."""
        name = draft.origin or draft.name
        kind = str(draft.values.get("kind"))
        if (name, kind) not in self._sources:
            found = secrets.find_api_key(name, kind) if name else None
            self._sources[(name, kind)] = found[1] if found else None
        return self._sources[(name, kind)]

    def _render_key(self) -> None:
        form, draft = self.view.form, self.drafts[self.current]
        kind = str(draft.values.get("kind"))
        form.base_url.setPlaceholderText(_BASE_URL_HINTS.get(kind, ""))
        local = kind == "local"
        source = None if local else self.key_source(draft)
        form.api_key.setEnabled(not local)
        form.remove_key.setEnabled(not local and source == "keyring" and not draft.remove_key)
        if local:
            text = "The local engine needs no API key: it uses its own per-start token."
        elif draft.remove_key:
            text = "The stored key will be removed from the keyring on Save."
        elif draft.key:
            text = "The new key will be stored in the system keyring on Save (never in a file)."
        elif source == "keyring":
            text = "Key: stored in the system keyring."
        elif source == "env":
            text = f"Key: from the environment variable {secrets.ENV_API_KEY}."
        else:
            text = "Key: none." + (
                f" Lightcone needs one: type it here or set {secrets.ENV_API_KEY}."
                if kind == "lightcone"
                else ""
            )
        form.key_source.setText(text)

    # ------------------------------------------------------------------ save

    def save(self) -> bool:
        self._validate()
        settings = self.check.settings
        if not self.check.ok or settings is None or self.privacy is None:
            return False
        settings = settings.model_copy(update={"privacy": self.privacy})
        try:
            self.store.save(settings)
            apply_key_changes(self.drafts, self.original_names)
            self._sources.clear()
        except (SettingsError, secrets.SecretStoreError, OSError, ValueError) as exc:
            problems = exc.problems if isinstance(exc, SettingsError) else [str(exc)]
            self.view.problems.setText("Not saved: " + "\n".join(problems))
            self.view.problems.setVisible(True)
            return False
        configure_secret_patterns(
            settings.privacy.secret_patterns, builtin=settings.privacy.redact_builtin_secrets
        )
        self.saved.emit(settings)
        self.view.accept()
        return True

    # ------------------------------------------------------------------ test

    def test(self) -> None:
        draft = self.drafts[self.current]
        check = self.check.profiles[self.current]
        form = self.view.form
        if check.profile is None or "api_key" in check.errors:
            form.test_result.setText("Fix the problems shown in red first.")
            return
        key: str | None = draft.key or None
        if draft.remove_key:
            key = ""
        elif key is None and draft.origin and draft.origin != draft.name:
            key = secrets.get_api_key(draft.origin, str(draft.values.get("kind")))
        self.test_task = asyncio.ensure_future(self._test(check.profile, key))

    async def _test(self, profile: Profile, key: str | None) -> ConnectionReport:
        form = self.view.form
        form.test_button.setEnabled(False)
        starting = profile.is_local and profile.base_url is None
        form.test_result.setText(
            "Starting the local engine to test it…" if starting else "Testing the connection…"
        )
        form.test_result.setStyleSheet("")
        try:
            report = await self.tester(profile, key)
        except Exception as exc:  # the tester reports in words; anything else is shown too
            log.exception("test connection failed")
            message = f"{type(exc).__name__}: {exc}"
            report = ConnectionReport(
                ok=False, profile=profile.name, base_url=None, key_present=bool(key),
                message=message,
            )  # fmt: skip
        finally:
            form.test_button.setEnabled(True)
        text = report.message + (f"\n{report.detail}" if report.detail and not report.ok else "")
        form.test_result.setText(text)
        form.test_result.setStyleSheet("color:#2e7d32;" if report.ok else "color:#c62828;")
        return report


def _monitor_list() -> str:
    try:
        from console_app.capture.monitors import list_monitors

        return "Monitors: " + "; ".join(m.label() for m in list_monitors())
    except Exception as exc:  # no display (tests, a server): the number still works
        return f"Monitors could not be listed ({exc})."


def open_settings(
    parent: Any, settings: Settings, on_saved: Callable[[Settings], None]
) -> SettingsController:
    """Open the dialog (window-modal, non-blocking); ``on_saved`` gets the saved settings."""
    dialog = SettingsDialog(parent)
    controller = SettingsController(dialog, settings, parent=dialog)
    controller.saved.connect(on_saved)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return controller


def attach_settings(window: Any, profiles: Any) -> None:
    """Connect the console window's "Settings…" action: the dialog edits the profiles, and a
    Save reloads them in the window (`ProfilesController.reload`)."""
    window.settings_action.triggered.connect(
        lambda: open_settings(window, profiles.settings, profiles.reload)
    )
