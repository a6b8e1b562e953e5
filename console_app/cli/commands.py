"""Registers every terminal sub-command on the top-level parser.

Each command module exposes ``add_parser(subparsers)`` and sets ``handler`` on its parser;
the handler receives the parsed namespace and returns the exit code.
"""

from __future__ import annotations

from typing import Any


def register(commands: Any) -> None:
    """Add the sub-commands. Modules are imported when registered, but their heavy
    dependencies (httpx, uvicorn, OCR) only when a handler runs."""
    from console_app.cli import engine_cmd, responses_cmd, run_cmd, runs_cmd

    run_cmd.add_parser(commands)
    engine_cmd.add_parser(commands)
    responses_cmd.add_parser(commands)
    runs_cmd.add_parser(commands)
