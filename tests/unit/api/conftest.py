"""Fixtures for the API layer: a real HTTP server on 127.0.0.1 and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from console_app.api.client import ResponsesClient
from tests.unit.api.http_server import ScriptedServer

# A key no generic pattern would recognise: only the secret registry can redact it.
API_KEY = "tzk_live_Q9x7Vb3Lm2Np8Rk4Hs6Jd1"

ClientFactory = Callable[..., ResponsesClient]


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with ScriptedServer() as running:
        yield running
    assert not running.errors, f"the test server's handlers failed: {running.errors!r}"


@pytest.fixture
async def make_client(server: ScriptedServer) -> AsyncIterator[ClientFactory]:
    """``make_client(**options)`` → a client for ``server`` (closed after the test)."""
    clients: list[ResponsesClient] = []

    def make(**options: Any) -> ResponsesClient:
        settings: dict[str, Any] = {
            "base_url": server.url,
            "api_key": API_KEY,
            "read_env": False,
            "max_retries": 2,
            **options,
        }
        client = ResponsesClient(**settings)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
