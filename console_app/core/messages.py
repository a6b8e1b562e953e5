"""A message bridge: any layer can tell the user something without importing Qt.

Why: the agent loop, the executor and the history store run without a GUI (the terminal mode,
the tests), but when the console is open their errors must appear in its message bar. They call
`error` / `warning` / `info`; whoever presents messages (the console window, the CLI) registers
a listener. With no listener the message goes to the log, so nothing is lost.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from console_app.core.redact import redact

log = logging.getLogger(__name__)


class Level(Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class UserMessage:
    """One message for the user: ``text`` in plain words, ``detail`` one click away."""

    level: Level
    text: str
    detail: str = ""
    source: str = ""
    time: datetime = field(default_factory=lambda: datetime.now(UTC))


Listener = Callable[[UserMessage], None]

_lock = threading.Lock()
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Register a listener; returns a function that unregisters it."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def post(level: Level, text: str, detail: str = "", source: str = "") -> UserMessage:
    message = UserMessage(level, redact(text), redact(detail), source)
    log.log(
        {Level.INFO: logging.INFO, Level.WARNING: logging.WARNING, Level.ERROR: logging.ERROR}[
            level
        ],
        "%s%s",
        message.text,
        f" ({message.detail})" if message.detail else "",
    )
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(message)
        except Exception:  # a broken listener must not break the caller
            log.exception("message listener failed")
    return message


def info(text: str, detail: str = "", source: str = "") -> UserMessage:
    return post(Level.INFO, text, detail, source)


def warning(text: str, detail: str = "", source: str = "") -> UserMessage:
    return post(Level.WARNING, text, detail, source)


def error(text: str, detail: str = "", source: str = "") -> UserMessage:
    return post(Level.ERROR, text, detail, source)
