"""Logging set-up: a rotating file in the platform log dir, and stderr, both redacted.

Why the filter sits on the *handlers*: records from child loggers (``console_app.api.client``…)
reach the root handlers without passing the root logger's filters, so a filter on a logger
would miss them. Every handler installed here carries a `RedactingFilter`, which replaces
registered secrets (API keys, the engine token) and bearer-looking values in the message *and*
in the formatted exception text.

Every log file is a `RotatingFileHandler` with a size cap (`rotating_file`: 2 MB × 4 files);
`RateLimitFilter` lets one record per kind of failure through per interval, so a flood of
identical errors (the engine under a connection flood) cannot fill the disk.

`setup_logging` is idempotent: calling it again replaces the handlers it installed before
(the CLI and the window may both call it), and leaves foreign handlers (pytest's) alone.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import time
from pathlib import Path

from console_app.core.paths import log_dir
from console_app.core.redact import RedactingFilter

LOG_FILE_NAME = "console.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

_MARK = "_operator_console_handler"


def rotating_file(path: Path) -> logging.handlers.RotatingFileHandler:
    """A log file that never grows past ``MAX_BYTES × (BACKUP_COUNT + 1)``."""
    return logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )


class RateLimitFilter(logging.Filter):
    """At most one record per kind (logger, level, message template, exception type) per
    ``interval`` seconds; the next one that passes says how many were held back. Records below
    WARNING pass untouched (they are the normal story of a run)."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__()
        self.interval = interval
        self._lock = threading.Lock()
        self._last: dict[tuple[object, ...], float] = {}
        self._held: dict[tuple[object, ...], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        exc_type = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, record.levelno, str(record.msg)[:200], exc_type)
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key] = now
            held = self._held.pop(key, 0)
            if len(self._last) > 10_000:  # kinds are few; never let the table grow unbounded
                self._last.clear()
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {self.interval:.0f} s]"
        return True


def setup_logging(
    level: int | str = logging.INFO,
    to_file: bool = True,
    *,
    stderr: bool = True,
    stderr_level: int | str = logging.WARNING,
) -> Path | None:
    """Install the console's handlers on the root logger; returns the log file (or ``None``).

    ``level`` is the file's (and the root logger's) level; stderr shows ``stderr_level`` and up
    so terminal commands stay quiet unless something is wrong.
    """
    file_level, shown_level = _level(level), _level(stderr_level)  # fail before changing anything
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()
    path: Path | None = None
    handlers: list[logging.Handler] = []
    if to_file:
        path = log_dir() / LOG_FILE_NAME
        file_handler = rotating_file(path)
        file_handler.setLevel(file_level)
        handlers.append(file_handler)
    if stderr:
        stream_handler = logging.StreamHandler(sys.stderr)
        stream_handler.setLevel(shown_level)
        handlers.append(stream_handler)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactingFilter())
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(min([file_level, *(h.level for h in handlers)]))
    logging.captureWarnings(True)
    return path


def _level(level: int | str) -> int:
    if isinstance(level, int):
        return level
    value = logging.getLevelName(level.upper())
    if not isinstance(value, int):
        raise ValueError(f"unknown log level {level!r}")
    return value
