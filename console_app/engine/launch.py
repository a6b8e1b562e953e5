"""The engine's command line, shared by ``console-app engine`` and ``python -m console_app.engine``.

Kept free of heavy imports: `add_arguments` only touches argparse, and `run` starts loading the
OCR models *before* it imports the web stack, so both load at once.
"""

from __future__ import annotations

import argparse
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
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
    parser.add_argument(
        "--keep-days",
        type=_days,
        help="delete stored responses older than this many days, at start and hourly "
        "(default 7, or $CONSOLE_ENGINE_KEEP_DAYS; 0 keeps everything)",
    )


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from None
    if not 0 <= days < float("inf"):
        raise argparse.ArgumentTypeError("must be 0 (keep everything) or more")
    return days


def run(args: argparse.Namespace) -> int:
    from console_app.engine.ocr_models import finish_preload, preload
    from console_app.engine.retention import KEEP_DAYS_ENV

    preload()  # the OCR models load while the web stack is imported and the port bound
    from console_app.engine.server import serve

    if args.keep_days is not None:
        os.environ[KEEP_DAYS_ENV] = repr(args.keep_days)
    try:
        return serve(
            host=args.host,
            port=args.port,
            ready_file=args.ready_file,
            data_dir=args.data_dir,
            log_file=args.log_file,
            parent_pid=args.parent_pid,
            watch_stdin=args.watch_stdin,
        )
    finally:
        finish_preload()  # exiting while onnxruntime loads its models aborts the process
