"""Every line ``console-app run`` prints is redacted like the logs and the DB: a backend that
echoes the bearer key in its message, reasoning, action or errors never gets it printed —
in text mode or with ``--json``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console_app.cli.redacted_output import RedactingStream, redacted_stdio
from console_app.core.redact import forget_secrets, register_secret
from tests.unit.cli.fake_backend import FakeBackend

KEY = "sk-echoed-key-0123456789abcdefXYZ"


@pytest.fixture
def echoing_backend() -> Iterator[FakeBackend]:
    backend = FakeBackend(required_key=KEY).start()
    try:
        yield backend
    finally:
        backend.stop()


@pytest.mark.parametrize("as_json", [False, True])
def test_run_never_prints_the_key_the_backend_echoes(
    echoing_backend: FakeBackend, tmp_path: Path, as_json: bool, backdrop: None
) -> None:
    env = {**os.environ, "CONSOLE_APP_HOME": str(tmp_path), "TZAFON_API_KEY": KEY}
    done = subprocess.run(
        [sys.executable, "-m", "console_app", "run", "--task", "look", "--profile", "lightcone",
         "--base-url", echoing_backend.url, "--max-steps", "1", *(["--json"] if as_json else [])],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,  # no terminal: the proposed click is rejected, never run
        timeout=120,
        check=False,
    )  # fmt: skip
    printed = done.stdout + done.stderr
    assert echoing_backend.seen, "the backend was never asked"
    assert "[REDACTED]" in printed, printed  # the echo was printed, redacted
    assert KEY not in printed and KEY[3:20] not in printed


def test_the_stream_wrapper_redacts_every_write() -> None:
    register_secret("wrapper-secret-123456")
    try:
        sink = io.StringIO()
        stream = RedactingStream(sink)
        print("token wrapper-secret-123456 here", file=stream)
        stream.writelines(["Authorization: Bearer abcdefghijkl\n"])
        assert "wrapper-secret" not in sink.getvalue() and "abcdefghijkl" not in sink.getvalue()
        with redacted_stdio():
            assert isinstance(sys.stdout, RedactingStream)
        assert not isinstance(sys.stdout, RedactingStream)
    finally:
        forget_secrets()
