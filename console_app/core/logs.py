"""Logging set-up: a rotating file in the platform log dir, and stderr, both redacted.

Why the filter sits on the *handlers*: records from child loggers (``console_app.api.client``…)
reach the root handlers without passing the root logger's filters, so a filter on a logger
would miss them. Every handler installed here carries a `RedactingFilter`, which replaces
registered secrets (API keys, the engine token) and bearer-looking values in the message *and*
in the formatted exception text.

`setup_logging` is idempotent: calling it again replaces the handlers it installed before
(the CLI and the window may both call it), and leaves foreign handlers (pytest's) alone.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from console_app.core.paths import log_dir
from console_app.core.redact import RedactingFilter

LOG_FILE_NAME = "console.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

_MARK = "_operator_console_handler"


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
        file_handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
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
