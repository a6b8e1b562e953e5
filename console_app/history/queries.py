"""Read queries of the history store: paged, sorted, filtered lists and their counts.

Built for the history view over 10,000+ runs and responses: the default sorts (newest first)
and the status/profile filters are served by the v2 indexes; the free-text filter is a
case-insensitive ``LIKE`` over a few short columns, a scan that stays in the low milliseconds
at that size. Sort keys map to fixed SQL through a table (never interpolated from input), and
every order has the primary key as tie-breaker, so pages never overlap or skip a row.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from console_app.core.records import ResponseRecord, Timings
from console_app.history.files import ScreenshotFiles
from console_app.history.models import (
    ResponseFilter,
    ResponseSortKey,
    RunFilter,
    RunSortKey,
    RunSummary,
    StoredStep,
    from_db_time,
    to_db_time,
)

MAX_PAGE = 1000

RUN_COLUMNS = (
    "run_id, task, profile, backend, model, status, result, started_at, ended_at, coordinates, "
    "step_count, upload_bytes, input_tokens, output_tokens"
)
RESPONSE_COLUMNS = "response_id, backend, profile, status, model, created_at, run_id, last_seen"

_RUN_SORT: dict[str, str] = {
    "started_at": "started_at",
    "ended_at": "ended_at",
    "status": "status",
    "profile": "profile",
    "model": "model",
    "task": "task COLLATE NOCASE",
    "steps": "step_count",
    "tokens": "(input_tokens + output_tokens)",
    "upload": "upload_bytes",
}
_RESPONSE_SORT: dict[str, str] = {
    "last_seen": "last_seen",
    "created_at": "created_at",
    "status": "status",
    "profile": "profile",
    "model": "model",
    "backend": "backend",
    "response_id": "response_id",
}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _common(
    f: RunFilter | ResponseFilter, time_column: str, text_columns: tuple[str, ...]
) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if f.text:
        clauses.append(
            "(" + " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in text_columns) + ")"
        )
        params.extend([_like(f.text)] * len(text_columns))
    if f.status:
        clauses.append(f"status IN ({', '.join('?' for _ in f.status)})")
        params.extend(f.status)
    if f.profile:
        clauses.append("profile = ?")
        params.append(f.profile)
    if f.since is not None:
        clauses.append(f"{time_column} >= ?")
        params.append(to_db_time(f.since))
    if f.until is not None:
        clauses.append(f"{time_column} < ?")
        params.append(to_db_time(f.until))
    return clauses, params


def _where(clauses: list[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


def _page(limit: int, offset: int) -> tuple[int, int]:
    if limit < 1 or limit > MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise ValueError("offset must not be negative")
    return limit, offset


def _run_where(f: RunFilter | None) -> tuple[str, list[Any]]:
    clauses, params = _common(f or RunFilter(), "started_at", ("task", "result", "run_id"))
    return _where(clauses), params


def _response_where(f: ResponseFilter | None) -> tuple[str, list[Any]]:
    f = f or ResponseFilter()
    clauses, params = _common(
        f, "last_seen", ("response_id", "model", "profile", "backend", "run_id")
    )
    if f.run_id:
        clauses.append("run_id = ?")
        params.append(f.run_id)
    if f.backend:
        clauses.append("backend = ?")
        params.append(f.backend)
    return _where(clauses), params


def list_runs(
    conn: sqlite3.Connection,
    f: RunFilter | None,
    sort: RunSortKey,
    descending: bool,
    limit: int,
    offset: int,
) -> list[RunSummary]:
    where, params = _run_where(f)
    order = _order(_RUN_SORT, sort, "run_id", descending)
    limit, offset = _page(limit, offset)
    rows = conn.execute(
        f"SELECT {RUN_COLUMNS} FROM runs{where} ORDER BY {order} LIMIT ? OFFSET ?",  # noqa: S608
        [*params, limit, offset],
    ).fetchall()
    return [run_from_row(row) for row in rows]


def count_runs(conn: sqlite3.Connection, f: RunFilter | None) -> int:
    where, params = _run_where(f)
    row = conn.execute(f"SELECT count(*) FROM runs{where}", params).fetchone()  # noqa: S608
    return int(row[0])


def list_responses(
    conn: sqlite3.Connection,
    f: ResponseFilter | None,
    sort: ResponseSortKey,
    descending: bool,
    limit: int,
    offset: int,
) -> list[ResponseRecord]:
    where, params = _response_where(f)
    order = _order(_RESPONSE_SORT, sort, "response_id", descending)
    limit, offset = _page(limit, offset)
    rows = conn.execute(
        f"SELECT {RESPONSE_COLUMNS} FROM responses{where} "  # noqa: S608
        f"ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return [response_from_row(row) for row in rows]


def count_responses(conn: sqlite3.Connection, f: ResponseFilter | None) -> int:
    where, params = _response_where(f)
    row = conn.execute(f"SELECT count(*) FROM responses{where}", params).fetchone()  # noqa: S608
    return int(row[0])


def _order(table: dict[str, str], sort: str, key: str, descending: bool) -> str:
    if sort not in table:
        raise ValueError(f"cannot sort by {sort!r}; choose one of {', '.join(table)}")
    direction = "DESC" if descending else "ASC"
    return f"{table[sort]} {direction}, {key} {direction}"


# ---------------------------------------------------------------------- rows → models


def run_from_row(row: sqlite3.Row) -> RunSummary:
    return RunSummary(
        run_id=row["run_id"],
        task=row["task"],
        profile=row["profile"],
        backend=row["backend"],
        model=row["model"],
        status=row["status"],
        result=row["result"],
        started_at=from_db_time(row["started_at"]),
        ended_at=from_db_time(row["ended_at"]) if row["ended_at"] else None,
        coordinates=row["coordinates"],
        step_count=row["step_count"],
        upload_bytes=row["upload_bytes"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
    )


def response_from_row(row: sqlite3.Row) -> ResponseRecord:
    return ResponseRecord(
        response_id=row["response_id"],
        backend=row["backend"],
        profile=row["profile"],
        status=row["status"],
        model=row["model"],
        created_at=row["created_at"],
        run_id=row["run_id"],
        last_seen=from_db_time(row["last_seen"]),
    )


def step_from_row(row: sqlite3.Row, files: ScreenshotFiles) -> StoredStep:
    sha = row["screenshot_sha256"]
    viewport = (
        (row["viewport_w"], row["viewport_h"])
        if row["viewport_w"] is not None and row["viewport_h"] is not None
        else None
    )
    return StoredStep(
        run_id=row["run_id"],
        index=row["idx"],
        response_id=row["response_id"],
        call_id=row["call_id"],
        action_type=row["action_type"],
        action=_json(row["action_json"]),
        raw_action=_json(row["raw_action_json"]),
        action_error=row["action_error"],
        edited_action=_json(row["edited_action_json"]),
        summary=row["summary"],
        reasoning=row["reasoning"],
        message=row["message"],
        decision=row["decision"],
        feedback=row["feedback"],
        acknowledged_safety_checks=json.loads(row["safety_json"] or "[]"),
        execution=row["execution"],
        execution_detail=row["execution_detail"],
        screenshot_mime=row["screenshot_mime"],
        viewport=viewport,
        timings=Timings.model_validate_json(row["timings_json"] or "{}"),
        upload_bytes=row["upload_bytes"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        created_at=from_db_time(row["created_at"]),
        screenshot_sha256=sha,
        screenshot_path=files.find(sha, row["screenshot_mime"]),
    )


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)
