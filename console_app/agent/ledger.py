"""The response ledger's entry for an API response.

Why: the Responses API has no list endpoint, so the console records every response it creates
or retrieves — the loop, the history view and the CLI alike — and all three must record the
same fields the same way.
"""

from __future__ import annotations

from console_app.api.types import Response
from console_app.core.records import ResponseRecord


def response_record(
    response: Response,
    *,
    backend: str,
    profile: str,
    run_id: str | None = None,
    response_id: str | None = None,
) -> ResponseRecord:
    """``response_id`` is used when the response itself carries no id (a retrieve by id)."""
    return ResponseRecord(
        response_id=response.id or response_id or "",
        backend=backend,
        profile=profile,
        status=response.status,
        model=response.model,
        created_at=None if response.created_at is None else str(response.created_at),
        run_id=run_id,
    )
