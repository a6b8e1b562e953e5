"""``console-app responses list|get|cancel|delete``: the response ledger from a terminal.

The Responses API has no list endpoint, so ``list`` reads the console's own ledger (every
response the console created or retrieved, kept in the history database). ``get``, ``cancel``
and ``delete`` talk to a backend: the one given with ``--profile``, else the profile the ledger
entry was recorded with, else the active profile. ``get`` and ``cancel`` update the ledger.

``delete`` deletes on the backend first, then from the ledger. When the backend answers 404
(it does not know the id) or 405 (it cannot delete, e.g. SDK ≥ 2.34 backends), nothing is
removed and the message says so: removing the entry locally is a separate, explicit step —
``delete ID --local-only``, which never contacts a backend. A script can therefore trust that
exit 0 from ``delete ID`` means the response is gone from the server.

Exit codes: 0 done, 1 an API or user error (one line on stderr), 2 a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from console_app.cli.runs_cmd import (
    fail,
    guarded,
    load_settings,
    not_negative,
    open_history,
    positive_limit,
    print_json,
    print_table,
)

if TYPE_CHECKING:
    from console_app.api.types import Response
    from console_app.core.records import ResponseRecord
    from console_app.core.settings import Profile
    from console_app.history.store import HistoryStore

_LEDGER_NOTE = (
    "The Responses API has no list endpoint: this lists the console's local ledger of "
    "responses it created or retrieved."
)


_DELETE_NOTE = (
    "Delete a response on its backend, then from the local ledger. If the backend answers 404 "
    "(unknown id) or 405 (it cannot delete), nothing is removed and the message says so; "
    "--local-only removes the ledger entry without contacting any backend. Exit 0 without "
    "--local-only means the response is gone from the server."
)


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "responses",
        help="list, get, cancel or delete responses",
        description="Responses the console created. " + _LEDGER_NOTE,
    )
    actions = parser.add_subparsers(dest="responses_action", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list",
        help="list the local ledger (the API has no list endpoint)",
        description=_LEDGER_NOTE,
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--status", action="append", help="only this status (repeatable)")
    listing.add_argument("--profile", dest="filter_profile", help="only this profile")
    listing.add_argument("--text", help="only entries whose id, model or profile contains this")
    listing.add_argument("--limit", type=positive_limit, default=50, help="at most N (50)")
    listing.add_argument("--offset", type=not_negative, default=0, help="skip the first N")
    listing.set_defaults(handler=guarded(_list))

    for name, help_text, handler in (
        ("get", "retrieve a response from its backend (updates the ledger)", _get),
        ("cancel", "cancel a response that is still running", _cancel),
        ("delete", "delete a response on its backend, then from the ledger", _delete),
    ):
        action = actions.add_parser(name, help=help_text, description=help_text)
        action.add_argument("response_id", metavar="ID")
        action.add_argument("--json", action="store_true", help="print JSON")
        action.add_argument(
            "--profile", dest="use_profile", help="the profile whose backend to ask"
        )
        if name == "delete":
            action.description = _DELETE_NOTE
            action.add_argument(
                "--local-only",
                action="store_true",
                help="only remove the ledger entry; the backend is not contacted",
            )
        action.set_defaults(handler=guarded(handler))


# ---------------------------------------------------------------------- list


def _list(args: argparse.Namespace) -> int:
    from console_app.history.models import ResponseFilter

    with open_history() as store:
        ledger_filter = ResponseFilter(
            status=args.status, profile=args.filter_profile, text=args.text
        )
        entries = store.list_responses(ledger_filter, limit=args.limit, offset=args.offset)
        total = store.count_responses(ledger_filter)
    if args.json:
        print_json([entry.model_dump(mode="json") for entry in entries])
        return 0
    rows = [
        (
            e.response_id,
            e.status or "?",
            e.profile,
            e.model or "",
            e.last_seen.strftime("%Y-%m-%d %H:%M"),
            e.run_id or "",
        )
        for e in entries
    ]
    print_table(("ID", "STATUS", "PROFILE", "MODEL", "LAST SEEN (UTC)", "RUN"), rows)
    print(f"{len(entries)} of {total} response(s) in the local ledger", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------- get / cancel


def _get(args: argparse.Namespace) -> int:
    return asyncio.run(_remote(args, "get"))


def _cancel(args: argparse.Namespace) -> int:
    return asyncio.run(_remote(args, "cancel"))


async def _remote(args: argparse.Namespace, verb: str) -> int:
    from console_app.agent.backend import connected
    from console_app.api.errors import APIError

    with open_history() as store:
        entry = store.get_response(args.response_id)
        profile = _pick_profile(args, entry)
        if profile is None:
            return 1
        async with connected(profile) as client:
            try:
                if verb == "get":
                    response = await client.retrieve(args.response_id)
                else:
                    response = await client.cancel(args.response_id)
            except APIError as exc:
                return fail(f"{client.base_url} (profile {profile.name!r}): {exc.user_text()}")
            _update_ledger(store, entry, profile, client.base_url, args.response_id, response)
    if args.json:
        print_json(response.model_dump(mode="json", exclude_none=True))
    elif verb == "get":
        _print_response(args.response_id, response)
    else:
        print(f"cancelled {args.response_id} (status: {response.status or 'unknown'})")
    return 0


def _update_ledger(
    store: HistoryStore,
    entry: ResponseRecord | None,
    profile: Profile,
    backend: str,
    response_id: str,
    response: Response,
) -> None:
    from console_app.agent.ledger import response_record

    store.record_response(
        response_record(
            response,
            backend=backend,
            profile=profile.name,
            run_id=entry.run_id if entry else None,
            response_id=response_id,
        )
    )


def _print_response(response_id: str, response: Response) -> None:
    calls = response.computer_calls()
    lines = [
        ("id", response.id or response_id),
        ("status", response.status or "unknown"),
        ("model", response.model or ""),
        ("created", str(response.created_at or "")),
        ("output", f"{len(response.items)} item(s), {len(calls)} computer call(s)"),
    ]
    text = response.output_text()
    if text:
        lines.append(("text", text))
    error = response.error_message()
    if error:
        lines.append(("error", error))
    from console_app.history.scrub import scrub

    for key, value in lines:
        print(f"{key + ':':9}{scrub(value)}")


# ---------------------------------------------------------------------- delete


def _delete(args: argparse.Namespace) -> int:
    if args.local_only:
        with open_history() as store:
            removed = store.delete_response_local(args.response_id)
        if not removed:
            return fail(f"{args.response_id} is not in the local ledger")
        _done(args, remote=False, local=True, text="removed from the local ledger "
              "(the backend was not contacted)")  # fmt: skip
        return 0
    return asyncio.run(_delete_remote(args))


async def _delete_remote(args: argparse.Namespace) -> int:
    from console_app.agent.backend import connected
    from console_app.api.errors import APIError, MethodNotAllowedError, NotFoundError

    rid = args.response_id
    keep = (
        f"the ledger entry was kept; `console-app responses delete {rid} --local-only` removes it"
    )
    with open_history() as store:
        entry = store.get_response(rid)
        profile = _pick_profile(args, entry)
        if profile is None:
            return 1
        async with connected(profile) as client:
            try:
                await client.delete(rid)
            except NotFoundError:
                return fail(f"{client.base_url} does not know {rid} (404); {keep}")
            except MethodNotAllowedError:
                return fail(f"{client.base_url} cannot delete responses (405); {keep}")
            except APIError as exc:
                return fail(f"{client.base_url} (profile {profile.name!r}): {exc.user_text()}")
            backend = client.base_url
        removed = store.delete_response_local(rid)
    _done(args, remote=True, local=removed, text=f"deleted on {backend}" + (
        " and from the local ledger" if removed else " (it was not in the local ledger)"
    ))  # fmt: skip
    return 0


def _done(args: argparse.Namespace, *, remote: bool, local: bool, text: str) -> None:
    if args.json:
        print_json({"id": args.response_id, "deleted_remote": remote, "deleted_local": local})
    else:
        print(f"{args.response_id}: {text}")


# ---------------------------------------------------------------------- helpers


def _pick_profile(args: argparse.Namespace, entry: ResponseRecord | None) -> Profile | None:
    """``--profile`` (here or before the command), else the entry's profile, else the active
    one. Prints the reason and returns ``None`` when none can be used."""
    settings = load_settings()
    wanted = args.use_profile or getattr(args, "profile", None)
    if wanted:
        if not settings.has_profile(wanted):
            fail(f"there is no profile named {wanted!r}")
            return None
        return settings.profile(wanted)
    if entry is not None:
        if settings.has_profile(entry.profile):
            return settings.profile(entry.profile)
        fail(
            f"{entry.response_id} was recorded with profile {entry.profile!r} "
            f"({entry.backend}), which no longer exists; choose one with --profile"
        )
        return None
    return settings.active()
