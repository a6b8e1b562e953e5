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
    parser.add_argument("--log-file", help="log here (rotating, size-capped) instead of stderr")
    parser.add_argument("--parent-pid", type=int, help="exit when this process (the console) dies")
    parser.add_argument(
        "--watch-stdin",
        action="store_true",
        help="exit when stdin reaches end-of-file (the console keeps a pipe open)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from console_app.engine.server import serve

    return serve(
        host=args.host,
        port=args.port,
        ready_file=args.ready_file,
        data_dir=args.data_dir,
        log_file=args.log_file,
        parent_pid=args.parent_pid,
        watch_stdin=args.watch_stdin,
    )
