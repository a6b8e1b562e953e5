"""executor layer: one normalised action → desktop input; held input tracked and released.

The package front names every implementation; the modules below it name none above them::

    Computer                 the port the agent loop calls   (computer.py)
    BaseComputer             plan → run steps → track holds  (base.py)
     ├── DesktopComputer     pyautogui + xdotool + XTest     (desktop.py)
     └── RecordingComputer   records instead of sending      (recording.py)
    ExecutionResult, ActionRefused, ExecutionError, …        (outcomes.py, the failure tree)

Importing this package never loads pyautogui (`DesktopComputer` imports it when constructed).
"""

from console_app.executor.base import BaseComputer
from console_app.executor.computer import Computer
from console_app.executor.desktop import DesktopComputer, DesktopUnavailable
from console_app.executor.outcomes import (
    ActionRefused,
    ExecutionError,
    ExecutionInterrupted,
    ExecutionResult,
    FailSafeTriggered,
)
from console_app.executor.planner import MAX_WHEEL_NOTCHES, Timing, wheel_notches
from console_app.executor.recording import RecordedAction, RecordingBackend, RecordingComputer

__all__ = [
    "MAX_WHEEL_NOTCHES",
    "ActionRefused",
    "BaseComputer",
    "Computer",
    "DesktopComputer",
    "DesktopUnavailable",
    "ExecutionError",
    "ExecutionInterrupted",
    "ExecutionResult",
    "FailSafeTriggered",
    "RecordedAction",
    "RecordingBackend",
    "RecordingComputer",
    "Timing",
    "wheel_notches",
]
