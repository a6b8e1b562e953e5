"""Start the console window: QApplication + qasync loop, logging, window, session, shutdown.

`run_console` is what ``console-app`` (no sub-command) calls. `build_console` assembles the
window and its controllers without starting anything, so tests can drive the real UI with a
fake loop or a real session.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any

from console_app.core.records import MemoryRecorder, Recorder

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1600, 1000)


@dataclass
class Console:
    """The assembled console (what `build_console` returns).

    Hook points for the views built elsewhere: connect the history view to
    ``window.history_action.triggered`` (the recorder is ``sessions.recorder``) and the settings
    dialog to ``window.settings_action.triggered``; after the dialog saves, it calls
    ``profiles.reload()`` so the pickers (and a changed local engine) follow.
    """

    window: Any  # MainWindow
    controller: Any  # ConsoleController
    profiles: Any  # ProfilesController | None
    sessions: Any  # SessionManager | None
    hotkey: Any  # GlobalHotkey | None
    supervision: Any = None  # ui.supervision.Supervision (compact panel, overlay, focus)

    async def aclose(self) -> None:
        """Stop a run, release the hotkey, close the session (stops a local engine)."""
        await self.controller.shutdown()
        if self.supervision is not None:
            self.supervision.close()
        if self.hotkey is not None:
            self.hotkey.stop()
        if self.sessions is not None:
            await self.sessions.close()


def open_recorder() -> Recorder:
    """The history database; a memory recorder if it cannot be opened (the run still works,
    and the message bar says the history is off)."""
    try:
        from console_app.history.store import HistoryStore

        store: Recorder = HistoryStore()
        return store
    except Exception as exc:
        from console_app.core import messages
        from console_app.core.records import StorageProblem

        if isinstance(exc, StorageProblem):  # a full disk: say which folder, keep the DB
            messages.warning(f"{exc} This session is not recorded.", "", source="history")
            return MemoryRecorder()
        messages.warning(
            "The history database could not be opened; this session is not recorded.",
            f"{type(exc).__name__}: {exc}",
            source="history",
        )
        return MemoryRecorder()


def build_console(
    *,
    make_loop: Any = None,
    recorder: Recorder | None = None,
    settings: Any = None,
    profile: str | None = None,
    opener: Any = None,
    global_hotkey: bool = True,
) -> Console:
    """Assemble the window and controllers. With ``make_loop`` (tests) no session is used;
    otherwise runs go through the session of the picked profile."""
    # The agent stack (numpy, OpenCV, httpx…) takes 1–3 s to import: do it now, before the
    # window is shown, not later on the GUI thread while the supervisor watches.
    import console_app.agent.session  # noqa: F401

    with contextlib.suppress(ImportError):  # httpx loads anyio's backend at the first request:
        import anyio._backends._asyncio  # noqa: F401  (30 ms, on the GUI thread at Start)
    from console_app.ui.console.console_controller import ConsoleController
    from console_app.ui.console.console_view import MainWindow
    from console_app.ui.console.engine_lifecycle import SessionManager, default_opener
    from console_app.ui.console.problems_controller import Entry
    from console_app.ui.console.profiles_controller import ProfilesController, load_settings
    from console_app.ui.desktop.hotkey import GlobalHotkey

    window = MainWindow()
    window.fit_to_screen(DEFAULT_SIZE)
    notice: str | None = None
    from_file = settings is None  # then changes made in the window are saved back
    if settings is None:
        settings, notice = load_settings()
    _apply_privacy_settings(settings)
    sessions = SessionManager(recorder or MemoryRecorder(), opener or default_opener)
    holder: dict[str, Any] = {}

    async def session_loop(**kwargs: Any) -> Any:
        return await holder["profiles"].make_loop(**kwargs)

    controller = ConsoleController(window, make_loop or session_loop)
    # The timeline keeps only the newest steps' screenshots; older ones are read back from the
    # history (when it is the SQLite store, which has them on disk).
    window.timeline_model.older_screenshots = getattr(sessions.recorder, "step_screenshot", None)
    profiles = ProfilesController(window, sessions, controller.problems, settings)
    holder["profiles"] = profiles
    if profile:
        profiles.select(profile)
    from console_app.ui.history.history_controller import attach_history
    from console_app.ui.settings.settings_controller import attach_settings

    attach_history(window, sessions, profiles)
    attach_settings(window, profiles)
    if notice:
        controller.problems.show(Entry("info", notice))
    hotkey = None
    if global_hotkey:
        hotkey = GlobalHotkey(parent=window)
        hotkey.start()
        hotkey.triggered.connect(controller.emergency_stop)
        window.run_controls.hotkey.setText(hotkey.status)
    console = Console(window, controller, profiles, sessions, hotkey)
    from console_app.ui.console.supervision import attach_supervision

    console.supervision = attach_supervision(console, persist=from_file)
    return console


def _apply_privacy_settings(settings: Any) -> None:
    """The user's typed-secret patterns, for everything this process records and exports."""
    privacy = getattr(settings, "privacy", None)
    if privacy is not None:
        from console_app.core.secret_patterns import configure

        configure(privacy.secret_patterns, builtin=privacy.redact_builtin_secrets)


RETENTION_INTERVAL_MS = 6 * 3600 * 1000


def start_retention(recorder: Any, window: Any) -> Any:
    """Apply the history retention settings now and every 6 hours while the console is open,
    each time in a worker thread (re-reading the settings, which Settings… may have changed)."""
    import threading

    from PySide6.QtCore import QTimer

    def prune() -> None:
        from console_app.core.settings_store import SettingsError, SettingsStore
        from console_app.history.retention import apply_retention

        try:
            privacy = SettingsStore().load().privacy
        except (SettingsError, OSError):
            return
        apply_retention(recorder, privacy.keep_days, privacy.max_history_mb)

    def start() -> None:
        threading.Thread(target=prune, name="history-retention", daemon=True).start()

    timer = QTimer(window)
    timer.setInterval(RETENTION_INTERVAL_MS)
    timer.timeout.connect(start)
    timer.start()
    start()
    return timer


def freeze_startup_objects() -> None:
    """Keep what exists once the console is built (modules, classes, the window — all of it
    lives as long as the app) out of every later full garbage collection.

    Why: a full collection walks every tracked object on the GUI thread; with Qt, pydantic and
    the agent stack loaded one took ~60 ms in the middle of a run (bench/console_run.py), a
    visible freeze. After this it walks only what the runs created."""
    gc.collect()
    gc.freeze()


def display_problem() -> str | None:
    """Why the window cannot open here, in words (Qt would abort the process instead)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(("offscreen", "minimal", "vnc")) or not sys.platform.startswith("linux"):
        return None
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return (
            "no display: the console is a desktop window and needs an X11 session (DISPLAY). "
            "Without one, `console-app run` works at a terminal with a virtual screen "
            "(xvfb-run), and `console-app --self-test` checks an installation."
        )
    return None


def run_console(profile: str | None = None) -> int:
    """Run the window until it is closed; returns the process exit code."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from console_app.core.logs import setup_logging

    log_file = setup_logging()
    log.info("starting the console (log: %s)", log_file)
    problem = display_problem()
    if problem:
        print(f"console-app: {problem}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    from console_app.ui.desktop import synthetic_input

    synthetic_input.install(app)  # approvals never come from XSendEvent'd keys or clicks
    app.setApplicationName("Operator Console")
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    console = build_console(recorder=open_recorder(), profile=profile)
    start_retention(console.sessions.recorder, console.window)
    freeze_startup_objects()
    window = console.window
    closed = asyncio.Event()

    async def close_sequence() -> None:
        window.setEnabled(False)
        window.engine_status.setText("Stopping…")
        try:
            await console.aclose()
        finally:
            window.allow_close = True
            window.close()
            closed.set()

    closing: list[asyncio.Future[None]] = []

    def close_once() -> None:
        if not closing:
            closing.append(asyncio.ensure_future(close_sequence()))

    window.closeRequested.connect(close_once)
    wake = install_stop_signals(lambda: loop.call_soon_threadsafe(close_once))
    window.show()
    log.info("window shown")  # the installer test checks the engine starts after this line
    console.profiles.open_current()  # a local profile's engine starts now, in the background
    code = 0
    with loop:
        try:
            loop.run_until_complete(closed.wait())
        except KeyboardInterrupt:
            log.info("interrupted: stopping the run and the engine")
            code = 130
            loop.run_until_complete(console.aclose())
    wake.stop()
    log.info("the console closed")
    return code


def install_stop_signals(stop: Any) -> Any:
    """SIGTERM, SIGHUP and SIGINT (a logout, a service manager, ``kill``, Ctrl+C) close the
    console the way its Close does: the run stops like Stop (held input released, recorded as
    stopped), the engine stops, the process exits. Python runs signal handlers only between
    bytecodes, so a timer wakes the interpreter while Qt waits in C. Returns the timer."""
    import signal

    from PySide6.QtCore import QTimer

    def handler(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping the run and the engine, then closing", signum)
        stop()

    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, handler)
    timer = QTimer()
    timer.timeout.connect(lambda: None)
    timer.start(200)
    return timer
