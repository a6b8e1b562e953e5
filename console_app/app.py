"""Entry point of ``console-app``: the window by default, terminal commands by name.

Imports are lazy so ``console-app engine`` and ``console-app run`` never load Qt, and
``console-app`` (the window) never loads the OCR stack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from console_app import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="console-app",
        description="Operator Console: supervise a computer-use agent on this desktop.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check Qt, the local engine, screen capture, the keyring and the data dirs; "
        "print one line per check and exit non-zero on any failure",
    )
    parser.add_argument("--profile", help="profile to start with (default: the active one)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    from console_app.cli import commands as cli_commands

    cli_commands.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    handler = getattr(args, "handler", None)
    if handler is not None:
        return _run_command(handler, args)
    if args.self_test:
        from console_app.ui.self_test import run_self_test

        return run_self_test()
    from console_app.ui.main import run_console

    return run_console(profile=args.profile)


def _run_command(handler: Any, args: argparse.Namespace) -> int:
    """A terminal command; broken local state is one clear line and exit 2, not a traceback."""
    import sqlite3

    from console_app.core.settings_store import SettingsError
    from console_app.history.models import HistoryError

    try:
        result: int = handler(args)
    except (sqlite3.Error, HistoryError) as exc:
        from console_app.core.paths import data_dir

        print(
            f"console-app: the history database in {data_dir()} cannot be used ({exc}). "
            "Move history.sqlite3 away to start a new one.",
            file=sys.stderr,
        )
        return 2
    except SettingsError as exc:
        print(f"console-app: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
