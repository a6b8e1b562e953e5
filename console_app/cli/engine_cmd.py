"""``console-app engine``: run the local Responses API server in the foreground."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(commands: Any) -> None:
    from console_app.engine.launch import add_arguments

    parser: argparse.ArgumentParser = commands.add_parser(
        "engine",
        help="run the local engine (a loopback Responses API server)",
        description="Run the local engine: a loopback server speaking the Responses API, "
        "with a deterministic OCR-grounded instruction follower as its model.",
    )
    add_arguments(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from console_app.engine.launch import run

    return run(args)
