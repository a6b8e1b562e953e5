"""``console-app runs list|export``: the run history from a terminal.

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
        help="list past runs, export one as an HTML + JSON report",
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
    export.set_defaults(handler=guarded(_export))


def _list(args: argparse.Namespace) -> int:
    from console_app.history.models import RunFilter

    with open_history() as store:
        run_filter = RunFilter(status=args.status, profile=args.filter_profile, text=args.text)
        runs = store.list_runs(
            run_filter, args.sort, not args.ascending, limit=args.limit, offset=args.offset
        )
        total = store.count_runs(run_filter)
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
    print(f"{len(runs)} of {total} run(s)", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    from console_app.history.report import export_run

    with open_history() as store:
        files = export_run(store, args.run_id, args.out)
    if args.json:
        print_json({"run_id": args.run_id, "html": str(files.html), "json": str(files.json)})
    else:
        print(files.html)
        print(files.json)
    return 0


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
