"""Logging: a rotating file in the log dir, stderr, and no secret in either."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import pytest

from console_app.core.logs import setup_logging
from console_app.core.paths import log_dir
from console_app.core.redact import register_secret

SECRET = "tz-log-secret-4f8a1c2e9b"


def ours() -> list[logging.Handler]:
    return [
        h for h in logging.getLogger().handlers if getattr(h, "_operator_console_handler", False)
    ]


def flush() -> None:
    for handler in ours():
        handler.flush()


def test_the_file_is_in_the_log_dir_and_rotates(home: Path) -> None:
    path = setup_logging("DEBUG")
    assert path == log_dir() / "console.log" and path.is_relative_to(home)
    (file_handler,) = [h for h in ours() if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert file_handler.maxBytes > 0 and file_handler.backupCount >= 1
    logging.getLogger("console_app.test").debug("hello %s", "file")
    flush()
    assert "hello file" in path.read_text()


def test_a_secret_in_an_exception_never_reaches_the_file_or_stderr(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register_secret(SECRET)
    path = setup_logging("DEBUG", stderr_level="ERROR")
    log = logging.getLogger("console_app.api.client")  # a child logger: propagates to root
    try:
        try:
            raise ConnectionError(f"server said: bad key {SECRET}")
        except ConnectionError as inner:
            raise RuntimeError(f"request with Authorization: Bearer {SECRET} failed") from inner
    except RuntimeError:
        log.exception("create failed for key %s", SECRET)
    log.warning("headers were %r", {"Authorization": f"Bearer {SECRET}"})
    flush()
    written = path.read_text()
    stderr = capsys.readouterr().err
    assert "RuntimeError" in written and "ConnectionError" in written  # the traceback is kept
    assert "create failed for key [REDACTED]" in written
    assert "create failed for key [REDACTED]" in stderr
    for text in (written, stderr):
        assert SECRET not in text
    assert "headers were" in written and "headers were" not in stderr  # below stderr's level


def test_setting_up_twice_does_not_duplicate_lines(home: Path) -> None:
    setup_logging("INFO", stderr=False)
    path = setup_logging("INFO", stderr=False)
    assert path is not None and len(ours()) == 1
    logging.getLogger("console_app").info("exactly once")
    flush()
    assert path.read_text().count("exactly once") == 1


def test_no_file_when_asked(home: Path) -> None:
    assert setup_logging("INFO", to_file=False) is None
    assert not (log_dir() / "console.log").exists()
    with pytest.raises(ValueError, match="unknown log level"):
        setup_logging("LOUD", to_file=False)
