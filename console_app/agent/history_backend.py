"""What the history view does on a backend: refresh, cancel, delete, open by id — no Qt here.

Why a module of its own: these are the same semantics as ``console-app responses`` (see
``cli/responses_cmd.py``), and they must not depend on widgets to be right:

* **Which backend.** A ledger entry names the profile it was recorded with; that profile (from
  the current settings, for its key) is asked. An entry whose profile no longer exists cannot
  be asked anything — the message says so, and local removal is offered.
* **Which client.** `BackendPool` hands out one client per profile: the console's own session
  when it is open on that profile (for a local profile that is the engine the console started:
  a second engine on the same data would mark the first one's running responses failed), else
  a client it opens itself (starting a local engine if needed) and closes in `aclose`. Tests
  inject a ``factory`` that points at an engine or server they started.
* **Delete** is remote first, then local. When the backend answers 404 (it does not know the
  id) or 405 (it cannot delete), nothing is removed: the outcome says so and offers local
  removal, which is a separate, explicit step (`remove_local`).

Ledger writes go through ``asyncio.to_thread``: the store commits on disk, which must not run on
the GUI thread.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from console_app.agent.backend import BackendError, close_backend, open_client
from console_app.agent.ledger import response_record
from console_app.api.client import ResponsesClient
from console_app.api.errors import (
    APIError,
    ConflictError,
    MethodNotAllowedError,
    NotFoundError,
)
from console_app.api.local_engine import EngineStartError, LocalEngine
from console_app.api.types import Response
from console_app.core.records import ResponseRecord
from console_app.core.settings import Profile, Settings
from console_app.history.store import HistoryStore

log = logging.getLogger(__name__)

ClientFactory = Callable[[Profile], Awaitable[ResponsesClient]]
"""Makes a client for a profile (tests: a client for an engine or server they started)."""

CANCELLABLE = frozenset({"in_progress", "queued"})


class ProfileMissingError(LookupError):
    """The entry's profile is gone from the settings; the message says what to do."""


@dataclass(frozen=True)
class Outcome:
    """What one action did, in words the status line can show as they are."""

    ok: bool
    text: str
    response: Response | None = None
    offer_local_removal: bool = False  # the remote side cannot (or need not) be asked again
    removed_locally: bool = False


def profile_for(settings: Settings, entry: ResponseRecord | None) -> Profile:
    """The profile to ask about ``entry``: its own profile, or the active one for an id that is
    not in the ledger (Open by ID)."""
    if entry is None:
        return settings.active()
    if settings.has_profile(entry.profile):
        return settings.profile(entry.profile)
    raise ProfileMissingError(
        f"{entry.response_id} was recorded with the profile {entry.profile!r} "
        f"({entry.backend}), which no longer exists, so its backend cannot be asked."
    )


class BackendPool:
    """One client per profile for the history view (see the module docstring)."""

    def __init__(self, *, sessions: Any = None, factory: ClientFactory | None = None) -> None:
        self.sessions = sessions
        self.factory = factory
        self._owned: dict[str, tuple[ResponsesClient, LocalEngine | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def client_for(self, profile: Profile) -> ResponsesClient:
        key = profile.model_dump_json()
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if self.factory is None:
                shared = await self._session_client(profile)
                if shared is not None:
                    return shared
            if key not in self._owned:
                if self.factory is not None:
                    self._owned[key] = (await self.factory(profile), None)
                else:
                    client, engine = await open_client(profile)
                    if engine is not None:
                        # The console may exit without closing this window first: never leave
                        # an engine process behind.
                        atexit.register(engine.stop)
                    self._owned[key] = (client, engine)
            return self._owned[key][0]

    async def _session_client(self, profile: Profile) -> ResponsesClient | None:
        sessions = self.sessions
        current = getattr(sessions, "profile", None)
        if sessions is None or current is None or not _same_backend(current, profile):
            return None
        try:
            session = await sessions.ensure(current)
        except Exception as exc:  # the window already told the user; open our own instead
            log.debug("the console's session is not usable: %s", exc)
            return None
        client = getattr(session, "client", None)
        return client if isinstance(client, ResponsesClient) else None

    async def aclose(self) -> None:
        owned, self._owned = self._owned, {}
        for client, engine in owned.values():
            try:
                await close_backend(client, engine)
            except Exception:
                log.exception("closing a history client failed")
            if engine is not None:
                atexit.unregister(engine.stop)


def _same_backend(a: Profile, b: Profile) -> bool:
    return (a.name, a.kind, a.base_url) == (b.name, b.kind, b.base_url)


# ---------------------------------------------------------------------- actions

_OPEN_ERRORS = (APIError, BackendError, EngineStartError, ValueError, OSError)


async def refresh(
    pool: BackendPool, store: HistoryStore, profile: Profile, response_id: str,
    entry: ResponseRecord | None,
) -> Outcome:  # fmt: skip
    """Retrieve ``response_id`` from ``profile``'s backend and update the ledger."""
    try:
        client = await pool.client_for(profile)
    except _OPEN_ERRORS as exc:
        return Outcome(False, _failure(profile, exc))
    try:
        response = await client.retrieve(response_id)
    except NotFoundError:
        return _gone(client, response_id, "refresh")
    except (APIError, ValueError) as exc:
        return Outcome(False, _failure(profile, exc))
    await _record(store, response, response_id, profile, client.base_url, entry)
    return Outcome(True, f"{response_id}: {response.status or 'unknown status'} "
                   f"(retrieved from {client.base_url}).", response)  # fmt: skip


async def cancel(
    pool: BackendPool, store: HistoryStore, profile: Profile, response_id: str,
    entry: ResponseRecord | None,
) -> Outcome:  # fmt: skip
    """Cancel a running response; a 409 means it finished meanwhile (refresh shows how)."""
    try:
        client = await pool.client_for(profile)
    except _OPEN_ERRORS as exc:
        return Outcome(False, _failure(profile, exc))
    try:
        response = await client.cancel(response_id)
    except ConflictError:
        return Outcome(
            False,
            f"{response_id} is not running any more, so it cannot be cancelled (409); "
            "Refresh shows its final status.",
        )
    except NotFoundError:
        return _gone(client, response_id, "cancel")
    except (APIError, ValueError) as exc:
        return Outcome(False, _failure(profile, exc))
    await _record(store, response, response_id, profile, client.base_url, entry)
    return Outcome(True, f"Cancelled {response_id} (status: {response.status or 'unknown'}).",
                   response)  # fmt: skip


async def delete(
    pool: BackendPool, store: HistoryStore, profile: Profile, response_id: str
) -> Outcome:
    """Delete on the backend, then from the ledger; 404/405 keep the entry and offer removal."""
    keep = "It is still in the local history: Remove from local history deletes it there."
    try:
        client = await pool.client_for(profile)
    except _OPEN_ERRORS as exc:
        return Outcome(False, _failure(profile, exc))
    try:
        await client.delete(response_id)
    except NotFoundError:
        return Outcome(
            False,
            f"{client.base_url} does not know {response_id} (404): it was deleted there or "
            f"never existed. {keep}",
            offer_local_removal=True,
        )
    except MethodNotAllowedError:
        return Outcome(
            False,
            f"{client.base_url} cannot delete responses (405). {keep}",
            offer_local_removal=True,
        )
    except (APIError, ValueError) as exc:
        return Outcome(False, _failure(profile, exc))
    removed = await asyncio.to_thread(store.delete_response_local, response_id)
    where = " and from the local history" if removed else " (it was not in the local history)"
    return Outcome(True, f"Deleted {response_id} on {client.base_url}{where}.",
                   removed_locally=removed)  # fmt: skip


async def remove_local(store: HistoryStore, response_id: str) -> Outcome:
    """Remove a ledger entry only; no backend is contacted."""
    removed = await asyncio.to_thread(store.delete_response_local, response_id)
    if not removed:
        return Outcome(False, f"{response_id} is not in the local history.")
    return Outcome(True, f"Removed {response_id} from the local history (the backend was not "
                   "contacted).", removed_locally=True)  # fmt: skip


# ---------------------------------------------------------------------- helpers


async def _record(
    store: HistoryStore,
    response: Response,
    response_id: str,
    profile: Profile,
    backend: str,
    entry: ResponseRecord | None,
) -> None:
    record = response_record(
        response,
        backend=backend,
        profile=profile.name,
        run_id=entry.run_id if entry else None,
        response_id=response_id,
    )
    await asyncio.to_thread(store.record_response, record)


def _gone(client: ResponsesClient, response_id: str, verb: str) -> Outcome:
    return Outcome(
        False,
        f"{client.base_url} does not know {response_id} (404), so it cannot {verb} it: it was "
        "deleted there or never existed. "
        "Remove from local history deletes the entry here.",
        offer_local_removal=True,
    )


def _failure(profile: Profile, exc: Exception) -> str:
    text = exc.user_text() if isinstance(exc, APIError) else str(exc)
    return f"Profile {profile.name!r}: {text}"
