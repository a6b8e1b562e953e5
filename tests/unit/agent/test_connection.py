""" "Test connection" and `open_client`, against a real HTTP server (the fake backend)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from console_app.agent import backend as backend_module
from console_app.agent import connection
from console_app.agent.backend import BackendError, open_client
from console_app.core.secrets import set_api_key
from console_app.core.settings import Profile
from tests.unit.cli.fake_backend import FakeBackend

KEY = "tz-connection-key-31415926"


@pytest.fixture
def server() -> Iterator[FakeBackend]:
    fake = FakeBackend().start()
    yield fake
    fake.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_reachable_backend_that_accepts_the_key(home: Path, server: FakeBackend) -> None:
    server.required_key = KEY
    profile = Profile(name="fake", kind="openai", base_url=server.url)
    report = await connection.test_connection(profile, KEY)
    assert report.ok and report.key_present and report.status_code == 404
    assert report.latency_ms is not None and report.latency_ms >= 0
    assert "Connected" in report.message and "not refused" in report.message
    (probe,) = server.seen
    assert (probe.method, probe.path) == ("GET", f"/v1/responses/{connection.PROBE_ID}")
    assert probe.authorization == f"Bearer {KEY}"  # the key given, not a stored one
    assert KEY not in report.model_dump_json()  # the server echoed it; the report does not


async def test_a_refused_key_and_a_missing_key(home: Path, server: FakeBackend) -> None:
    server.required_key = KEY
    profile = Profile(name="fake", kind="openai", base_url=server.url)
    wrong = await connection.test_connection(profile, "tz-wrong-key-000000")
    assert not wrong.ok and wrong.status_code == 401
    assert "refused the API key" in wrong.message
    assert "tz-wrong-key-000000" not in wrong.model_dump_json()
    none = await connection.test_connection(profile, None)
    assert not none.ok and not none.key_present and "needs an API key" in none.message


async def test_the_stored_key_is_used_when_none_is_given(home: Path, server: FakeBackend) -> None:
    server.required_key = KEY
    set_api_key("stored", KEY)
    report = await connection.test_connection(
        Profile(name="stored", kind="openai", base_url=server.url), None
    )
    assert report.ok, report.message


async def test_an_unreachable_backend(home: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    report = await connection.test_connection(Profile(name="x", kind="openai", base_url=url), None)
    assert not report.ok and report.status_code is None and report.latency_ms is None
    assert report.message.startswith(f"Could not reach {url}")


async def test_a_backend_without_retrieve_is_reachable(home: Path, server: FakeBackend) -> None:
    server.retrieve_supported = False
    report = await connection.test_connection(
        Profile(name="fake", kind="openai", base_url=server.url), None
    )
    assert report.ok and report.status_code == 405
    assert "does not support retrieving responses" in report.message


async def test_lightcone_without_a_key_is_refused_before_any_request(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIGHTCONE_BASE_URL", "http://127.0.0.1:9")
    profile = Profile(name="lightcone", kind="lightcone")
    with pytest.raises(BackendError, match="no API key"):
        await open_client(profile)
    report = await connection.test_connection(profile, None)
    assert not report.ok and "no API key" in report.message
    assert report.base_url == "http://127.0.0.1:9"


async def test_lightcone_url_and_env_key(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIGHTCONE_BASE_URL", raising=False)
    monkeypatch.setenv("TZAFON_API_KEY", KEY)
    client, engine = await open_client(Profile(name="lightcone", kind="lightcone"))
    try:
        assert client.base_url == "https://api.tzafon.ai" and client.has_api_key
        assert engine is None
    finally:
        await client.aclose()
    assert (
        backend_module.base_url_for(
            Profile(name="c", kind="lightcone", base_url="https://eu.example.com")
        )
        == "https://eu.example.com"
    )


async def test_a_local_profile_with_a_url_uses_the_engine_token(
    home: Path, server: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSOLE_ENGINE_TOKEN", "engine-token-271828")
    monkeypatch.setenv("TZAFON_API_KEY", "tz-must-not-be-sent-to-the-engine")
    report = await connection.test_connection(
        Profile(name="local", kind="local", base_url=server.url), None
    )
    assert report.ok
    assert server.seen[-1].authorization == "Bearer engine-token-271828"
