"""Open a Responses client for a profile — starting the local engine when the profile needs it.

One place decides what a profile means on the wire, so the window, ``console-app run``, the
``responses``/``runs`` commands and "Test connection" all talk to the same backend the same
way:

* ``lightcone``: the profile's base URL, else ``LIGHTCONE_BASE_URL``, else the Lightcone URL;
  the key from ``core.secrets`` (keyring, then ``TZAFON_API_KEY``). No key is an error here,
  before any request, with a sentence saying where to put one.
* ``openai``: the profile's base URL (required by `Profile`); a key if there is one (many
  self-hosted servers need none).
* ``local`` without a base URL: a `LocalEngine` child process is started and the client
  authenticates with its per-start token. With a base URL (an engine started by hand): that
  URL, with the given key or ``CONSOLE_ENGINE_TOKEN``.

The caller owns what it gets: ``await close_backend(client, engine)`` (or use `connected`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

from console_app.api.client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ResponsesClient
from console_app.api.local_engine import LocalEngine
from console_app.core.redact import register_secret
from console_app.core.secrets import ENGINE_TOKEN_ENV, ENV_API_KEY, get_api_key
from console_app.core.settings import LIGHTCONE_URL, Profile


class BackendError(RuntimeError):
    """The profile cannot be used as it is (e.g. Lightcone without a key); says what to do."""


def base_url_for(profile: Profile) -> str | None:
    """The URL a profile talks to (``None``: the local engine, chosen when it starts)."""
    if profile.kind == "lightcone":
        return profile.base_url or os.environ.get("LIGHTCONE_BASE_URL") or LIGHTCONE_URL
    return profile.base_url


async def open_client(
    profile: Profile,
    api_key: str | None = None,
    *,
    request_timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> tuple[ResponsesClient, LocalEngine | None]:
    """A client for ``profile``, and the engine started for it (``None`` unless local).

    ``api_key=None`` looks the key up (``core.secrets.get_api_key``); pass a key to test one
    that is not saved yet.

    The client is built in a worker thread: httpx loads the CA bundle into an SSL context
    when a client is created (20–50 ms), which froze the console's window on the GUI thread
    (measured by bench/console_run.py).
    """
    if profile.is_local and profile.base_url is None:
        engine = LocalEngine()
        await asyncio.to_thread(engine.start)
        try:
            client = await asyncio.to_thread(
                ResponsesClient,
                base_url=engine.base_url,
                api_key=engine.token,
                timeout=request_timeout,
                max_retries=max_retries,
                read_env=False,
            )
        except BaseException:
            await asyncio.to_thread(engine.stop)
            raise
        return client, engine
    if profile.is_local:
        key = api_key or os.environ.get(ENGINE_TOKEN_ENV) or None
    else:
        key = api_key if api_key is not None else get_api_key(profile.name, profile.kind)
    if profile.kind == "lightcone" and not key:
        raise BackendError(
            f"profile {profile.name!r} has no API key: add one in Settings → Profiles "
            f"or set {ENV_API_KEY}"
        )
    register_secret(key)
    client = await asyncio.to_thread(
        ResponsesClient,
        base_url=base_url_for(profile),
        api_key=key,
        timeout=request_timeout,
        max_retries=max_retries,
        read_env=False,
    )
    return client, None


async def close_backend(client: ResponsesClient, engine: LocalEngine | None) -> None:
    """Close the client, then stop the engine if one was started for it."""
    try:
        await client.aclose()
    finally:
        if engine is not None:
            await asyncio.to_thread(engine.stop)


@contextlib.asynccontextmanager
async def connected(
    profile: Profile,
    api_key: str | None = None,
    *,
    request_timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> AsyncIterator[ResponsesClient]:
    """``async with connected(profile) as client:`` — `open_client` + `close_backend`."""
    client, engine = await open_client(
        profile, api_key, request_timeout=request_timeout, max_retries=max_retries
    )
    try:
        yield client
    finally:
        await close_backend(client, engine)
