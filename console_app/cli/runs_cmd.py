"""``console-app runs list|export|delete|prune``: the run history from a terminal.

Exit codes (shared with ``responses``): 0 done, 1 an API or user error (one line on stderr),
2 a usage error (argparse). ``--json`` prints machine-readable output on stdout only.

Also home of the small helpers both history commands use (error guard, JSON output, opening
the store and the settings).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console_app.core.settings import Settings
    from console_app.history.store import HistoryStore

RUN_SORT_KEYS = ("started_at", "ended_at", "status", "profile", "model", "task", "steps", "tokens")


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "runs",
        help="list, export, delete and prune past runs",
        description="The console's run history (the SQLite database in the data dir).",
    )
    actions = parser.add_subparsers(dest="runs_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="list runs, newest first")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--status", action="append", help="only runs with this status (repeat)")
    listing.add_argument("--profile", dest="filter_profile", help="only runs of this profile")
    listing.add_argument("--text", help="only runs whose task, result or id contains this")
    listing.add_argument("--sort", choices=RUN_SORT_KEYS, default="started_at")
    listing.add_argument("--ascending", action="store_true", help="oldest / smallest first")
    listing.add_argument("--limit", type=positive_limit, default=50, help="at most N runs (50)")
    listing.add_argument("--offset", type=not_negative, default=0, help="skip the first N")
    listing.set_defaults(handler=guarded(_list))

    export = actions.add_parser(
        "export",
        help="write <run id>.html (self-contained) and <run id>.json",
        description="Export a run: one self-contained HTML file (screenshots inlined, actions "
        "drawn on them, decisions, timings, final result) and a JSON file. Neither contains "
        "an API key, token or auth header.",
    )
    export.add_argument("run_id", metavar="ID")
    export.add_argument("--out", type=Path, default=Path(), help="folder to write to (.)")
    export.add_argument("--json", action="store_true", help="print the file paths as JSON")
    export.add_argument(
        "--no-screenshots",
        action="store_true",
        help="leave every screenshot out of the report",
    )
    export.set_defaults(handler=guarded(_export))

    delete = actions.add_parser(
        "delete", help="delete runs with their steps and screenshots (not their responses)"
    )
    delete.add_argument("run_ids", metavar="ID", nargs="+")
    delete.set_defaults(handler=guarded(_delete))

    prune = actions.add_parser(
        "prune",
        help="delete old runs (and their screenshots) by age and/or total size",
        description="Delete runs that started more than DAYS ago, then the oldest runs until "
        "the history (database + screenshots) fits in SIZE; then remove screenshot files no "
        "step uses and compact the database. Without options, the retention settings "
        "(privacy.keep_days / privacy.max_history_mb) are used. Running runs are kept.",
    )
    prune.add_argument("--older-than", type=_days, metavar="DAYS", help="age limit in days")
    prune.add_argument("--max-size", type=_size, metavar="SIZE", help="e.g. 500M, 2G, 750k")
    prune.add_argument("--json", action="store_true", help="print the result as JSON")
    prune.set_defaults(handler=guarded(_prune))


def _list(args: argparse.Namespace) -> int:
    from console_app.history.models import RunFilter
    from console_app.history.retention import disk_usage

    with open_history() as store:
        run_filter = RunFilter(status=args.status, profile=args.filter_profile, text=args.text)
        runs = store.list_runs(
            run_filter, args.sort, not args.ascending, limit=args.limit, offset=args.offset
        )
        total = store.count_runs(run_filter)
        usage = disk_usage(store)
    if args.json:
        print_json([run.model_dump(mode="json") for run in runs])
        return 0
    rows = [
        (
            run.run_id,
            run.status,
            str(run.step_count),
            run.profile,
            run.started_at.strftime("%Y-%m-%d %H:%M"),
            _short(run.task, 50),
        )
        for run in runs
    ]
    print_table(("RUN", "STATUS", "STEPS", "PROFILE", "STARTED (UTC)", "TASK"), rows)
    print(f"{len(runs)} of {total} run(s); history: {usage.describe()}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    from console_app.history.report import export_run

    configure_secret_patterns()
    with open_history() as store:
        files = export_run(
            store, args.run_id, args.out, include_screenshots=not args.no_screenshots
        )
    if args.json:
        print_json({"run_id": args.run_id, "html": str(files.html), "json": str(files.json)})
    else:
        print(files.html)
        print(files.json)
    return 0


def _delete(args: argparse.Namespace) -> int:
    from console_app.history.models import HistoryError

    missing = []
    with open_history() as store:
        for run_id in args.run_ids:
            if store.delete_run(run_id):
                print(f"deleted {run_id}")
            else:
                missing.append(run_id)
    if missing:
        raise HistoryError(f"no run {', '.join(map(repr, missing))} in the history")
    return 0


def _prune(args: argparse.Namespace) -> int:
    from console_app.history.retention import prune

    days, size = args.older_than, args.max_size
    if days is None and size is None:
        privacy = load_settings().privacy
        days = privacy.keep_days
        size = int(privacy.max_history_mb * 1024 * 1024) if privacy.max_history_mb else None
        if days is None and size is None:
            return fail(
                "nothing to prune by: give --older-than DAYS and/or --max-size SIZE, or set "
                "privacy.keep_days / privacy.max_history_mb in the settings"
            )
    with open_history() as store:
        result = prune(store, older_than_days=days, max_bytes=size)
    if args.json:
        print_json(
            {
                "deleted_runs": result.runs,
                "files_removed": result.files_removed,
                "kept_running": result.skipped_running,
                "bytes_before": result.before.total if result.before else None,
                "bytes_after": result.after.total if result.after else None,
            }
        )
    else:
        print(result.describe())
    return 0


def configure_secret_patterns() -> None:
    """Apply the user's typed-secret patterns (settings ``privacy``) to this process; an
    unreadable settings file leaves the built-in patterns on."""
    from console_app.core.secret_patterns import configure
    from console_app.core.settings_store import SettingsError

    try:
        privacy = load_settings().privacy
    except (SettingsError, OSError):
        return
    configure(privacy.secret_patterns, builtin=privacy.redact_builtin_secrets)


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from None
    if not days >= 0 or days == float("inf"):
        raise argparse.ArgumentTypeError("must be a number of days, 0 or more")
    return days


def _size(value: str) -> int:
    from console_app.history.retention import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# ---------------------------------------------------------------------- shared helpers


def guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a handler with logging set up; known errors become one line on stderr and exit 1."""

    def run(args: argparse.Namespace) -> int:
        from console_app.agent.backend import BackendError
        from console_app.api.errors import APIError
        from console_app.api.local_engine import EngineStartError
        from console_app.core.logs import setup_logging
        from console_app.core.secrets import SecretStoreError
        from console_app.core.settings_store import SettingsError
        from console_app.history.models import HistoryError

        setup_logging("INFO", stderr_level="ERROR")
        try:
            return handler(args)
        except APIError as exc:
            return fail(exc.user_text())
        except SettingsError as exc:
            return fail("the settings cannot be used: " + "; ".join(exc.problems))
        except (HistoryError, SecretStoreError, BackendError, EngineStartError, OSError) as exc:
            return fail(str(exc))
        except KeyboardInterrupt:
            return fail("interrupted", code=130)

    return run


def fail(message: str, *, code: int = 1) -> int:
    from console_app.core.redact import redact

    print(f"console-app: {redact(message)}", file=sys.stderr)
    return code


def print_json(value: Any) -> None:
    from console_app.history.scrub import scrub_obj

    print(json.dumps(scrub_obj(value), indent=2, ensure_ascii=False))


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


def open_history() -> HistoryStore:
    from console_app.history.store import HistoryStore

    return HistoryStore()


def load_settings() -> Settings:
    from console_app.core.settings_store import SettingsStore

    return SettingsStore().load()


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def positive_limit(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 1000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000")
    return number


def not_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return number
