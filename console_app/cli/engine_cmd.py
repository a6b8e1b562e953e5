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
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from console_app.engine.ocr_models import finish_preload, preload

    preload()  # the OCR models load while the web stack is imported and the port bound
    from console_app.engine.server import serve

    try:
        return serve(
            host=args.host, port=args.port, ready_file=args.ready_file, data_dir=args.data_dir
        )
    finally:
        finish_preload()
