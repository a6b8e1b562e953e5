""" "Test connection": can this profile reach its backend, and is the key accepted?

Why a retrieve of a response id that cannot exist: the Responses API has no free "ping" or
"whoami" endpoint, and a create would cost a model call. ``GET /v1/responses/<probe>`` goes
through the same auth as every real request: a 404 means the server answered and did not
refuse the key, a 401/403 means the key was refused, a connection error means it was not
reached. Nothing is created, nothing is billed. (A server that answers 404 before checking
auth cannot be told apart — the report says "not refused", not "valid".)
"""

from __future__ import annotations

import time

from pydantic import BaseModel

from console_app.agent.backend import BackendError, base_url_for, close_backend, open_client
from console_app.api.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
)
from console_app.api.local_engine import EngineStartError
from console_app.core.redact import redact
from console_app.core.settings import Profile

PROBE_ID = "resp_operator_console_connection_test"
PROBE_TIMEOUT = 10.0


class ConnectionReport(BaseModel):
    """What the settings dialog shows after "Test connection"."""

    ok: bool
    profile: str
    base_url: str | None
    key_present: bool
    status_code: int | None = None
    latency_ms: float | None = None
    message: str  # one sentence for the user
    detail: str = ""  # the server's own words, redacted


async def test_connection(profile: Profile, api_key: str | None) -> ConnectionReport:
    """Probe ``profile``'s backend with ``api_key`` (``None``: the stored key, if any).

    A local profile without a base URL starts the engine (and stops it again), which is what
    "can the console work with this profile" means for it.
    """
    base = base_url_for(profile)
    try:
        client, engine = await open_client(
            profile, api_key, request_timeout=PROBE_TIMEOUT, max_retries=0
        )
    except (BackendError, EngineStartError) as exc:
        return ConnectionReport(
            ok=False, profile=profile.name, base_url=base, key_present=False, message=str(exc)
        )
    key_present = client.has_api_key
    base = client.base_url
    started = time.perf_counter()
    try:
        await client.retrieve(PROBE_ID)
        status: int | None = 200
        error: APIError | None = None
    except APIError as exc:
        status = exc.status_code if isinstance(exc, APIStatusError) else None
        error = exc
    finally:
        latency = (time.perf_counter() - started) * 1000
        await close_backend(client, engine)
    ok, message = _verdict(error, base, latency, key_present)
    return ConnectionReport(
        ok=ok,
        profile=profile.name,
        base_url=base,
        key_present=key_present,
        status_code=status,
        latency_ms=None if isinstance(error, APIConnectionError) else round(latency, 1),
        message=message,
        detail=redact(error.message) if error is not None else "",
    )


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _verdict(
    error: APIError | None, base: str, latency: float, key_present: bool
) -> tuple[bool, str]:
    reached = f"{base} answered in {latency:.0f} ms"
    if error is None or isinstance(error, NotFoundError):
        key = "the API key was not refused" if key_present else "no API key was needed"
        return True, f"Connected: {reached} and {key}."
    if isinstance(error, (AuthenticationError, PermissionDeniedError)):
        if not key_present:
            return False, f"{base} needs an API key: add one to this profile."
        return False, f"{base} refused the API key ({error.status_code})."
    if isinstance(error, (MethodNotAllowedError, BadRequestError)):
        return True, (
            f"Connected: {reached}, but it does not support retrieving responses "
            f"({error.status_code}); runs will work, the history's refresh may not."
        )
    if isinstance(error, APIConnectionError):
        return False, f"Could not reach {base}: {error.message}"
    if isinstance(error, APIStatusError):
        return False, f"{base} answered with an error ({error.status_code}): {error.message}"
    return False, f"{base} sent something the console cannot read: {error.message}"
