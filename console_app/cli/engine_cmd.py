"""``console-app engine``: run the local Responses API server in the foreground."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "engine",
        help="run the local engine (a loopback Responses API server)",
        description="Run the local engine: a loopback server speaking the Responses API, "
        "with a deterministic OCR-grounded instruction follower as its model.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    parser.add_argument(
        "--ready-file",
        help="write {port, pid} as JSON here once listening (used by the console)",
    )
    parser.add_argument("--data-dir", help="where the engine keeps its SQLite state")
    parser.add_argument(
        "--keep-days",
        type=_days,
        help="delete stored responses older than this many days, at start and hourly "
        "(default 7, or $CONSOLE_ENGINE_KEEP_DAYS; 0 keeps everything)",
    )
    parser.set_defaults(handler=_run)


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from None
    if not 0 <= days < float("inf"):
        raise argparse.ArgumentTypeError("must be 0 (keep everything) or more")
    return days


def _run(args: argparse.Namespace) -> int:
    import os

    from console_app.engine.retention import KEEP_DAYS_ENV
    from console_app.engine.server import serve

    if args.keep_days is not None:
        os.environ[KEEP_DAYS_ENV] = repr(args.keep_days)
    return serve(host=args.host, port=args.port, ready_file=args.ready_file, data_dir=args.data_dir)
