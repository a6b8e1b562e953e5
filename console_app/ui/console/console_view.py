"""The console's main window: a view that lays out the parts and owns the keyboard shortcuts.

Layout (left to right, top to bottom)::

    [toolbar: profile ▾  model ▾  History…  Settings…  Keys…]
    [message bar (hidden when empty)                                   ]
    [screenshot with overlay             | task box            [Start] ]
    [                                    | run controls, busy indicator]
    [approval bar: Approve Reject Edit … | reasoning / message / result]
    [step timeline (thumbnails, action, decision, timings)             ]

Hook points for later views: `history_action` and `settings_action` are plain QActions that the
history view and the settings dialog connect to; nothing here knows about them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStatusBar,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from console_app.ui.console.approval_view import ApprovalBar
from console_app.ui.console.live_panel import LivePanel
from console_app.ui.console.problems_view import MessageBar
from console_app.ui.console.run_controls import RunControls
from console_app.ui.console.timeline import TimelineModel, TimelineView
from console_app.ui.widgets.screenshot_view import ScreenshotView

KEYS_HELP = """Keys while an action waits for approval:
  Enter       approve (with the feedback line focused: reject with that feedback)
  Esc         reject, sending the feedback line's text to the model (if any)
  E           edit: click on the screenshot to move the target; edit text / keys
              (in edit mode Enter runs the edited action, Esc leaves edit mode)
  S           skip the action (the model is told it was skipped)
Run:
  Ctrl+Enter  start the task (in the task box)
  F6, Ctrl+.  pause / resume
  Ctrl+Alt+Esc  emergency stop — works from any application (X11 global grab)
  Mouse into a screen corner while an action runs: pyautogui fail-safe stop
Screenshot:
  Ctrl++ / Ctrl+- / Ctrl+0  zoom in / out / fit"""


class MainWindow(QMainWindow):
    """The console window: toolbar, message bar, screenshot, approval bar, task, timeline.

    A view only: it lays the parts out and owns the keyboard shortcuts; `ConsoleController`
    (``console_controller.py``) fills the parts and reacts to them. The shortcuts are plain
    ``QShortcut`` attributes (``approve_shortcut`` …) the controllers connect to.

    Signals:
        closeRequested: the window was asked to close while ``allow_close`` is false (the
            controller decides: stop a run first, or quit).
    """

    closeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleWindow")
        self.setWindowTitle("Operator Console")
        self.allow_close = False
        self._init_toolbar()
        self._init_menus()
        self._init_parts()
        self._init_layout()
        self._init_status_bar()
        self._init_shortcuts()
        self._connect_signals()

    def _init_toolbar(self) -> None:
        """Profile and model pickers, History…, Settings…, Keys…"""
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("profileCombo")
        self.profile_combo.setMinimumWidth(140)
        self.profile_combo.setToolTip("Which backend to use (profiles are edited in Settings…)")
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("modelCombo")
        self.model_combo.setEditable(True)
        self.model_combo.setMinimumWidth(240)
        self.model_combo.setToolTip("The model asked for each step")
        toolbar.addWidget(QLabel(" Profile "))
        toolbar.addWidget(self.profile_combo)
        toolbar.addWidget(QLabel("  Model "))
        toolbar.addWidget(self.model_combo)
        toolbar.addSeparator()
        self.history_action = QAction("History…", self)
        self.history_action.setObjectName("historyAction")
        self.history_action.setToolTip("Past runs, steps and responses")
        self.settings_action = QAction("Settings…", self)
        self.settings_action.setObjectName("settingsAction")
        self.settings_action.setToolTip("Profiles, API keys and the approval policy")
        self.keys_action = QAction("Keys…", self)
        self.keys_action.setToolTip(KEYS_HELP)
        toolbar.addAction(self.history_action)
        toolbar.addAction(self.settings_action)
        toolbar.addAction(self.keys_action)

    def _init_menus(self) -> None:
        menu = self.menuBar().addMenu("&Console")
        menu.addAction(self.history_action)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        self.quit_action = menu.addAction("Quit")
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.keys_action)

    def _init_parts(self) -> None:
        """The widgets the controllers fill (created in the order they are laid out)."""
        self.message_bar = MessageBar()
        self.screenshot = ScreenshotView()
        self.approval = ApprovalBar()
        self.task_box = QPlainTextEdit()
        self.task_box.setObjectName("taskBox")
        self.task_box.setPlaceholderText(
            "What should the agent do? (several lines are fine; Ctrl+Enter starts)"
        )
        self.task_box.setMaximumHeight(110)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.start_button.setMinimumHeight(32)
        self.start_button.setToolTip("Start the task (Ctrl+Enter)")
        self.start_button.setStyleSheet(
            "QPushButton:enabled { background:#2456c8; color:white; font-weight:600; }"
        )
        self.run_controls = RunControls()
        self.live = LivePanel()
        self.timeline_model = TimelineModel(self)
        self.timeline = TimelineView(self.timeline_model)

    def _init_layout(self) -> None:
        """Screenshot and approval bar left, task and live panel right, timeline below."""
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(4)
        left_layout.addWidget(self.screenshot, 1)
        left_layout.addWidget(self.approval)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(4)
        task_title = QLabel("Task")
        task_title.setStyleSheet("font-weight:600;")
        right_layout.addWidget(task_title)
        right_layout.addWidget(self.task_box)
        right_layout.addWidget(self.start_button)
        right_layout.addWidget(self.run_controls)
        right_layout.addWidget(self.live, 1)

        self.columns = QSplitter(Qt.Orientation.Horizontal)
        self.columns.addWidget(left)
        self.columns.addWidget(right)
        self.columns.setStretchFactor(0, 3)
        self.columns.setStretchFactor(1, 1)
        self.rows = QSplitter(Qt.Orientation.Vertical)
        self.rows.addWidget(self.columns)
        self.rows.addWidget(self.timeline)
        self.rows.setStretchFactor(0, 4)
        self.rows.setStretchFactor(1, 1)
        self.rows.setSizes([760, 200])
        self.columns.setSizes([1150, 430])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.rows, 1)
        self.setCentralWidget(central)

    def _init_status_bar(self) -> None:
        self.status = QStatusBar()
        self.status.setObjectName("statusBar")
        self.setStatusBar(self.status)
        self.engine_status = QLabel()
        self.engine_status.setObjectName("engineStatus")
        self.status.addPermanentWidget(self.engine_status)

    def _init_shortcuts(self) -> None:
        """One shortcut per command; extra keys are aliases that trigger the first."""
        self._aliases: dict[int, list[QShortcut]] = {}
        shortcut = self._shortcut
        self.approve_shortcut = shortcut("Return", "Enter")
        self.reject_shortcut = shortcut("Escape")
        self.edit_shortcut = shortcut("E")
        self.skip_shortcut = shortcut("S")
        self.pause_shortcut = shortcut("F6", "Ctrl+.")
        self.stop_shortcut = shortcut("Ctrl+Alt+Escape")
        self.start_shortcut = shortcut("Ctrl+Return", "Ctrl+Enter")
        self.zoom_in_shortcut = shortcut("Ctrl++", "Ctrl+=")
        self.zoom_out_shortcut = shortcut("Ctrl+-")
        self.zoom_fit_shortcut = shortcut("Ctrl+0")

    def _shortcut(self, *keys: str) -> QShortcut:
        # No auto-repeat: a key held a little too long must not approve the next action.
        first = QShortcut(QKeySequence(keys[0]), self)
        first.setContext(Qt.ShortcutContext.WindowShortcut)
        first.setAutoRepeat(False)
        aliases = self._aliases.setdefault(id(first), [])
        for extra in keys[1:]:
            more = QShortcut(QKeySequence(extra), self)
            more.setContext(Qt.ShortcutContext.WindowShortcut)
            more.setAutoRepeat(False)
            more.activated.connect(first.activated)
            aliases.append(more)
        return first

    def _connect_signals(self) -> None:
        self.zoom_in_shortcut.activated.connect(lambda: self.screenshot.step_zoom(+1))
        self.zoom_out_shortcut.activated.connect(lambda: self.screenshot.step_zoom(-1))
        self.zoom_fit_shortcut.activated.connect(lambda: self.screenshot.set_zoom(None))
        self.quit_action.triggered.connect(self.close)

    def fit_to_screen(self, size: tuple[int, int]) -> None:
        """``size``, or the screen's available area if that is smaller (on a 1280×720 screen
        a 1600-px window ran off its right edge, the task box and run buttons with it),
        centred on that area."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(*size)
            return
        area = screen.availableGeometry()
        least = self.minimumSizeHint()
        frame = 8  # room for a window manager's borders and title bar
        width = max(min(size[0], area.width() - 2 * frame), least.width())
        height = max(min(size[1], area.height() - 4 * frame), least.height())
        self.resize(width, height)
        self.move(
            area.left() + max(0, (area.width() - width) // 2),
            area.top() + max(0, (area.height() - height) // 2),
        )

    def set_approval_keys(self, enabled: bool) -> None:
        """The approval keys only exist while an action waits (Enter types a newline in the
        task box otherwise)."""
        for sc in (
            self.approve_shortcut,
            self.reject_shortcut,
            self.edit_shortcut,
            self.skip_shortcut,
        ):
            sc.setEnabled(enabled)
            for extra in self._aliases.get(id(sc), []):
                extra.setEnabled(enabled)

    def set_running(self, running: bool) -> None:
        """While a run is active the task, profile and model are fixed and Start says
        "Running…"; the run controls (pause, stop, busy spinner) follow."""
        self.task_box.setReadOnly(running)
        self.start_button.setEnabled(not running)
        self.start_button.setText("Running…" if running else "Start")
        self.profile_combo.setEnabled(not running)
        self.model_combo.setEnabled(not running)
        self.run_controls.set_running(running)
        if running:
            self.run_controls.auto_types.setVisible(False)
        else:
            self.run_controls.set_busy(False)
        self.run_controls.state.setText("Starting…" if running else "Idle")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.allow_close:
            event.accept()
            return
        event.ignore()
        self.closeRequested.emit()
