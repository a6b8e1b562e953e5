"""Supervise on one screen: the compact panel, the on-desktop overlay and the keyboard focus.

`attach_supervision(console)` wires three things onto an assembled console (``ui/main.py``):

1. **Layout.** When a run starts and the agent's monitor is the console's monitor (setting
   ``compact``: ``auto``; ``always``/``never`` force it), the full window hides and the
   `CompactPanel` docks to the chosen screen edge, always on top. It comes back when the run
   ends, when a problem waits for Retry/Stop, or on demand ("Full window"). With the console
   on another monitor nothing changes and nothing of the agent's monitor is masked.
2. **The proposed action on the desktop** (`DesktopOverlay`), shown while an approval is
   pending, hidden (and the unmap flushed) before every capture and every execution, so it is
   never in a screenshot and gone before the action runs. Setting ``desktop_overlay`` turns it
   off.
3. **Keys** (`SupervisorFocus`): the console takes the focus when it asks (or grabs only the
   approval keys), the loop's focus guard hands it back to the last application window the
   human used before every action; without a known target the panel asks which window gets
   the keys and the human clicks it. An idle console that is activated puts the focus in its
   task box (Ctrl+Enter starts).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from PySide6.QtCore import QObject, QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from console_app.core.actions import KEYBOARD_ACTION_TYPES
from console_app.core.geometry import RectTuple
from console_app.ui.console.compact_panel import CompactPanel
from console_app.ui.console.keys_target import KeysTarget
from console_app.ui.console.supervision_settings import (
    REAL_DESKTOPS,
    SupervisionOptions,
    build_view_menu,
    set_option,
)
from console_app.ui.desktop.exclusion import on_monitor, wait_until_off_screen
from console_app.ui.desktop.window_tracker import SupervisorFocus
from console_app.ui.widgets.desktop_overlay import DesktopOverlay
from console_app.ui.widgets.image_loader import decode_here
from console_app.ui.widgets.mask_marks import MaskMarks, labelled_capture, mask_rects_in_image

log = logging.getLogger(__name__)

FULL_WINDOW_GONE_S = 1.0


class Supervision(QObject):
    """One-screen supervision of an assembled console (see the module docstring).

    It owns the `CompactPanel`, the `DesktopOverlay` and the `SupervisorFocus`, wraps the
    controller's ``exclusion`` (hide the overlay; mask a full window still on screen) and
    ``focus_guard``, and listens to the controller (``runStarted``, ``runFinished``,
    ``stateChanged``, ``problems.changed``), the approval controller (``pendingChanged``,
    ``overlaysChanged``), the panel's buttons and shortcuts, the grabbed approval keys and the
    application's ``focusWindowChanged``. It emits no signals of its own.
    """

    def __init__(self, console: Any, options: SupervisionOptions | None = None) -> None:
        super().__init__(console.window)
        self.console = console
        self.window = console.window
        self.controller = console.controller
        self.approval = self.controller.approval
        self.options = options or SupervisionOptions.of(getattr(console.profiles, "settings", None))
        self._init_state()
        self._init_widgets()
        self._init_loop_hooks()
        self._connect_panel()
        self._connect_signals()
        build_view_menu(self)

    def _init_state(self) -> None:
        self.compact = False
        self.last_mask: list[RectTuple] = []
        self.persist = False  # the View menu's choices are saved (attach_supervision)
        self.focus_method = ""  # how the console got the approval keys last time (tests)
        self._saved_geometry: QRect | None = None
        # Set by build_view_menu.
        self._compact_action: Any = None
        self.compact_setting: Any = None
        self.overlay_setting: Any = None
        self.dock_left_setting: Any = None

    def _init_widgets(self) -> None:
        self.panel = CompactPanel()
        self.overlay = DesktopOverlay()
        # Only on a real desktop: offscreen / minimal platforms have nothing to draw on.
        self.overlay.enabled = (
            self.options.desktop_overlay and QApplication.platformName() in REAL_DESKTOPS
        )
        self.focus = SupervisorFocus(self.controller.console_windows, self)
        self.keys_target = KeysTarget(self.panel, self.focus, on_picked=self._redraw_overlay)
        self.mask_marks = MaskMarks(self.window.screenshot.canvas)
        self.mask_marks.setVisible(False)
        # Several changes in a row (show, refresh, edit) draw the overlay once.
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(0)

    def _init_loop_hooks(self) -> None:
        """The loop's focus guard and exclusion callbacks, wrapped."""
        old = self.controller.focus_guard
        self.controller.focus_guard = self.focus.make_guard()
        old.close()
        inner_exclusion = self.controller.exclusion

        def exclusion() -> list[RectTuple]:
            # GUI thread, before every capture and every execution: the overlay must not be in
            # the screenshot, and must be gone before the input happens.
            self.overlay.hide_now()
            rects = list(inner_exclusion())
            rects += self._full_window_still_shown()
            self.last_mask = rects
            return rects

        self.controller.exclusion = exclusion

    def _connect_panel(self) -> None:
        p, a, c = self.panel, self.approval, self.controller
        p.approve_button.clicked.connect(a.approve)
        p.reject_button.clicked.connect(a.reject)
        p.edit_button.clicked.connect(self._edit_in_full_window)
        p.skip_button.clicked.connect(a.skip)
        p.pause_button.clicked.connect(c.toggle_pause)
        p.stop_button.clicked.connect(c.stop)
        p.shortcuts["approve"].activated.connect(a.on_enter)
        p.shortcuts["reject"].activated.connect(a.on_escape)
        p.shortcuts["edit"].activated.connect(self._edit_in_full_window)
        p.shortcuts["skip"].activated.connect(a.skip)
        p.shortcuts["pause"].activated.connect(c.toggle_pause)
        p.shortcuts["stop"].activated.connect(c.emergency_stop)
        p.pick_button.clicked.connect(self.keys_target.start_pick)
        p.fullWindowRequested.connect(self.show_full)

    def _connect_signals(self) -> None:
        a, c = self.approval, self.controller
        queued = Qt.ConnectionType.QueuedConnection
        self.focus.approvalKey.connect(self._grabbed_key, queued)
        self.focus.targetChanged.connect(lambda _w: self.keys_target.show(), queued)
        self._redraw_timer.timeout.connect(self._redraw_overlay)
        a.pendingChanged.connect(self._pending)
        a.overlaysChanged.connect(self._overlays_changed)
        c.runStarted.connect(self._run_started)
        c.runFinished.connect(self._run_finished)
        c.stateChanged.connect(self._state)
        c.problems.changed.connect(self._problems_changed)
        app = QApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._focus_window_changed)

    # ------------------------------------------------------------------ layout

    def agent_on_console_monitor(self) -> bool:
        """Whether the agent's monitor (the profile's) holds the console window."""
        if QApplication.platformName() not in REAL_DESKTOPS:
            return False  # offscreen / minimal: the window is on no monitor the agent sees
        try:
            from console_app.capture.monitors import list_monitors

            index = int(getattr(self.console.profiles.profile, "monitor", 1))
            monitors = {m.index: m for m in list_monitors()}
        except Exception:  # no real desktop to share (offscreen, no display)
            return False
        monitor = monitors.get(index)
        if monitor is None or len(monitors) < 2:
            return bool(monitors)
        return on_monitor(self.window, monitor.rect)

    def set_option(self, **changes: Any) -> None:
        """Change a supervision setting (View menu); saved when the console owns the file."""
        set_option(self, **changes)

    def _run_started(self) -> None:
        self.panel.set_step("Starting…")
        self.panel.set_note("")
        self.panel.set_thumbnail(None)
        self.panel.details.clear()
        self.keys_target.new_run()
        mode = self.options.compact
        if mode == "always" or (mode == "auto" and self.agent_on_console_monitor()):
            self.show_compact()
        self._compact_action.setEnabled(True)

    def _run_finished(self, _result: Any) -> None:
        self.overlay.hide_now()
        self.focus.release_keys()
        self.focus.cancel_pick()
        self._compact_action.setEnabled(False)
        if self.compact:
            self.show_full()

    def show_compact(self) -> None:
        if self.compact:
            return
        screen = self.window.screen() or QGuiApplication.primaryScreen()
        self._saved_geometry = self.window.geometry()
        self.panel.show()
        self.panel.dock(screen.availableGeometry(), self.options.dock_edge)
        self.window.hide()
        self.compact = True
        self.controller.console_windows.refresh()
        log.info("supervising from the compact panel")

    def show_full(self) -> None:
        if not self.compact:
            self.window.show()
            return
        self.compact = False
        if self._saved_geometry is not None:
            self.window.setGeometry(self._saved_geometry)
        self.window.show()
        self.panel.hide()
        self.controller.console_windows.refresh()
        if self.approval.pending:
            self._take_focus()

    def _full_window_still_shown(self) -> list[RectTuple]:
        """After `show_compact` the first capture waits for the full window's frame to leave the
        screen (up to `FULL_WINDOW_GONE_S`), and masks it if it stays: a capture taken before
        the window manager unmapped it saw the task box, or a black mask over the application."""
        x11 = self.focus.x11
        if not self.compact or x11 is None:
            return []
        own = int(self.window.winId())
        return wait_until_off_screen(lambda: x11.on_screen(own), self.window, FULL_WINDOW_GONE_S)

    def supervising_widget(self) -> QWidget:
        return self.panel if self.compact else self.window

    def _edit_in_full_window(self) -> None:
        """Editing needs the screenshot: E (or Edit) in the panel opens the full window."""
        if not self.approval.pending:
            return
        self.show_full()
        self.approval.toggle_edit()

    # ------------------------------------------------------------------ approvals

    def _pending(self, pending: bool) -> None:
        p = self.panel
        for button in (p.approve_button, p.reject_button, p.edit_button, p.skip_button):
            button.setEnabled(pending)
        for name in ("approve", "reject", "edit", "skip"):
            p.shortcuts[name].setEnabled(pending)
        if not pending:
            self.overlay.hide_now()
            self.focus.release_keys()
            self.focus.cancel_pick()
            p.pick_button.setVisible(False)
            if self.controller.running:
                p.set_step(p.step.text().split(" — waiting")[0])
            return
        request = self.approval.request
        if request is None:
            return
        # The approval keys first, then the title that says an approval waits: an Enter pressed
        # the moment "waiting for your approval" shows (the thumbnail below takes a while) went
        # to the application that had the focus.
        self._take_focus()
        summary = f"Step {request.step_index + 1}: {request.proposal.summary()}"
        p.set_step(f"{summary} — waiting for your approval")
        notes = [n for n in (request.note, request.policy_reason) if n]
        if request.proposal.pending_safety_checks:
            notes.append("Safety checks to acknowledge: open the full window to tick them.")
        p.set_note("\n".join(notes))
        p.set_details(request.reasoning or "", request.message or "")
        p.approve_button.setEnabled(self.approval.can_approve())
        self._show_thumbnail(request)
        self._redraw_timer.start()
        kind = request.proposal.kind
        if kind in KEYBOARD_ACTION_TYPES and self.focus.available and self.focus.target() is None:
            self.keys_target.ask()

    def _take_focus(self) -> None:
        how = self.focus.take_focus(self.supervising_widget())
        self.focus_method = how
        log.debug("approval keys: %s", how)

    def _grabbed_key(self, name: str) -> None:
        a = self.approval
        if not a.pending:
            return
        {"enter": a.on_enter, "escape": a.on_escape, "e": self._edit_in_full_window, "s": a.skip}[
            name
        ]()

    def _overlays_changed(self) -> None:
        if not self.approval.pending:
            self.overlay.hide_now()  # at once: the action may run next
            return
        self._redraw_timer.start()

    def _redraw_overlay(self) -> None:
        request = self.approval.request
        if request is None or not self.approval.pending:
            self.overlay.hide_now()
            return
        overlays = self.approval.overlays()
        focus_rect = None
        target = self.focus.target()
        if target is not None and self.focus.x11 is not None:
            focus_rect = self.focus.x11.window_rect(target)
        try:
            self.overlay.show_action(
                overlays,
                request.screenshot.mapping,
                (request.screenshot.width, request.screenshot.height),
                focus_rect,
            )
        except Exception:
            log.exception("drawing the proposed action on the desktop failed")
            self.overlay.hide_now()

    def _show_thumbnail(self, request: Any) -> None:
        image = decode_here(request.screenshot.data)
        if image.isNull():
            self.panel.set_thumbnail(None)
            return
        size = (request.screenshot.width, request.screenshot.height)
        rects = mask_rects_in_image(self.last_mask, request.screenshot.mapping, size)
        self.panel.mask_hint.setVisible(bool(rects))
        self.panel.set_thumbnail(labelled_capture(image, size, rects))
        self.mask_marks.set_rects(rects)

    # ------------------------------------------------------------------ other signals

    def _state(self, state: Any) -> None:
        # The controller writes the state's text right after it emits: read it then.
        QTimer.singleShot(
            0, lambda: self.panel.state.setText(self.window.run_controls.state.text())
        )

    def _problems_changed(self) -> None:
        problems = self.controller.problems
        if problems.waiting and self.compact:
            self.show_full()  # Retry / Stop live in the full window's message bar
        entry = problems.current
        if self.compact and entry is not None and not self.approval.pending:
            self.panel.set_note(entry.text)

    def _focus_window_changed(self, window: QWindow | None) -> None:
        """While an approval waits, the approval keys stay with the console even if the human
        clicks into another window (they are grabbed until the console has the focus again).
        An idle console that is activated: the focus goes to its task box."""
        if self.approval.pending and self.focus.grab is not None:
            if window is None:
                if self.focus.grab.grab():
                    self.focus.fallback_grabs += 1
            else:
                self.focus.release_keys()
        if window is None or self.controller.running:
            return
        if window is self.window.windowHandle():
            focused = QApplication.focusWidget()
            typing = isinstance(focused, (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox))
            if not typing or focused is None or focused.window() is not self.window:
                self.window.task_box.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def close(self) -> None:
        self.focus.close()
        with contextlib.suppress(RuntimeError):  # already deleted with the application
            self.overlay.hide_now()
            self.panel.hide()
            self.overlay.deleteLater()
            self.panel.deleteLater()


def attach_supervision(
    console: Any, options: SupervisionOptions | None = None, *, persist: bool = False
) -> Supervision:
    """``persist``: the View menu's choices are saved to the settings file."""
    supervision = Supervision(console, options)
    supervision.persist = persist
    return supervision
