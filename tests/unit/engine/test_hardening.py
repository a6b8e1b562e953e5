"""The engine's defences against local abuse, in process: deadlines for headers, bodies and
idle keep-alive connections; a client hanging up mid-body is INFO, not an error; only the image
a turn uses is decoded; repeated failures are logged once per interval."""

from __future__ import annotations

import base64
import io
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from console_app.api.types import CreateParams
from console_app.core.logs import RateLimitFilter
from console_app.engine import conversation, images, limits
from console_app.engine.errors import EngineError
from tests.unit.engine.helpers import RunningEngine, engine_in_thread

SHORT = 0.6


@pytest.fixture
def quick_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningEngine]:
    monkeypatch.setattr(limits, "HEADER_TIMEOUT_S", SHORT)
    monkeypatch.setattr(limits, "BODY_TIMEOUT_S", SHORT)
    monkeypatch.setattr(limits, "KEEP_ALIVE_S", SHORT)
    monkeypatch.setattr("console_app.engine.server.KEEP_ALIVE_S", 1)
    with engine_in_thread(tmp_path) as running:
        yield running


def _connect(engine: RunningEngine) -> socket.socket:
    port = int(engine.base_url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """True once the server closed ``sock`` (reads until EOF or reset), within ``seconds``."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if sock.recv(65536) == b"":
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return False


def test_a_connection_that_never_finishes_its_headers_is_closed(
    quick_engine: RunningEngine,
) -> None:
    silent = _connect(quick_engine)
    trickling = _connect(quick_engine)
    trickling.sendall(b"GET /health HTTP/1.1\r\n")
    started = time.monotonic()
    for _ in range(4):  # a byte now and then never extends the deadline
        time.sleep(SHORT / 4)
        trickling.sendall(b"X")
    assert _closed_within(silent, 10) and _closed_within(trickling, 10)
    assert time.monotonic() - started < 8


def test_a_body_that_never_arrives_is_closed(quick_engine: RunningEngine) -> None:
    sock = _connect(quick_engine)
    sock.sendall(
        b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
        + f"Authorization: Bearer {quick_engine.token}\r\n\r\n".encode()
        + b'{"model": '
    )
    assert _closed_within(sock, 10)


def test_an_idle_keep_alive_connection_is_closed(quick_engine: RunningEngine) -> None:
    sock = _connect(quick_engine)
    sock.sendall(
        b"GET /health HTTP/1.1\r\nHost: x\r\n"
        + f"Authorization: Bearer {quick_engine.token}\r\n\r\n".encode()
    )
    sock.settimeout(10)
    assert b"200 OK" in sock.recv(65536)
    assert _closed_within(sock, 10)


def test_a_client_that_hangs_up_mid_body_is_info_not_an_error(
    quick_engine: RunningEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sock = _connect(quick_engine)
    sock.sendall(
        b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
        + f"Authorization: Bearer {quick_engine.token}\r\n\r\n".encode()
        + b'{"model": "local", "input": "'
        + b"a" * 5000
    )
    time.sleep(0.2)  # let the engine start reading the body
    sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any("hung up" in r.getMessage() for r in caplog.records):
            break
        time.sleep(0.05)
    hung_up = [r for r in caplog.records if "hung up" in r.getMessage()]
    assert hung_up and all(r.levelno == logging.INFO for r in hung_up)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _png(size: tuple[int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (255, 255, 255)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _request(urls: list[str]) -> CreateParams:
    content = [{"type": "input_image", "image_url": url} for url in urls]
    return CreateParams.model_validate(
        {"model": "local", "input": [{"role": "user", "content": content}]}
    )


def test_only_the_image_the_turn_uses_is_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[int] = []
    real = images._decode_bytes

    def counting(raw: bytes, param: str) -> images.Screenshot:
        decoded.append(len(raw))
        return real(raw, param)

    monkeypatch.setattr(images, "_decode_bytes", counting)
    big = _png((7680, 4320))
    small = _png((64, 48))
    result = conversation.read_input(_request([big] * 20 + [small]))
    assert len(decoded) == 1
    assert result.screenshot is not None and (
        result.screenshot.width,
        result.screenshot.height,
    ) == (
        64,
        48,
    )
    assert result.image_count == 21


def test_a_bad_earlier_image_is_still_refused_without_being_decoded() -> None:
    with pytest.raises(EngineError) as raised:
        conversation.read_input(_request(["data:image/png;base64,AAAA", _png((8, 8))]))
    assert raised.value.status == 400 and "content[0]" in str(raised.value)
    too_big = _png((images.MAX_SIDE + 1, 1))
    with pytest.raises(EngineError) as raised:
        conversation.read_input(_request([too_big, _png((8, 8))]))
    assert "out of range" in str(raised.value)


def test_one_log_line_per_kind_of_failure_per_interval() -> None:
    limiter = RateLimitFilter(interval=60)

    def record(msg: str, level: int = logging.WARNING) -> logging.LogRecord:
        return logging.LogRecord("engine", level, __file__, 1, msg, None, None)

    flood = [limiter.filter(record("too many open files")) for _ in range(1000)]
    assert flood.count(True) == 1
    assert limiter.filter(record("another kind"))
    assert all(limiter.filter(record("normal story", logging.INFO)) for _ in range(50))
    limiter.interval = 0  # the interval is over: the next one passes and counts the held ones
    passed = record("too many open files")
    assert limiter.filter(passed)
    assert "999 more like this" in passed.getMessage()


def test_the_connection_cap_stays_below_the_file_limit() -> None:
    for file_limit in (256, 1024, 4096, 65536):
        cap = limits.connection_cap(file_limit)
        assert 8 <= cap < file_limit - limits.FD_RESERVE - limits.ACCEPT_BACKLOG
