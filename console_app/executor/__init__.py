"""executor layer: one normalised action → desktop input; held input tracked and released.

Importing this package never loads pyautogui (`DesktopComputer` imports it when constructed).
"""

from console_app.executor.computer import (
    ActionRefused,
    Computer,
    ExecutionError,
    ExecutionInterrupted,
    ExecutionResult,
    FailSafeTriggered,
)
from console_app.executor.desktop import DesktopComputer, DesktopUnavailable
from console_app.executor.planner import MAX_WHEEL_NOTCHES, Timing, wheel_notches
from console_app.executor.recording import RecordedAction, RecordingBackend, RecordingComputer

__all__ = [
    "MAX_WHEEL_NOTCHES",
    "ActionRefused",
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
