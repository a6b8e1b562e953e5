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

    from console_app.cli.redacted_output import redacted_stdio
    from console_app.core.records import StorageProblem
    from console_app.core.settings_store import SettingsError
    from console_app.history.models import HistoryError

    try:
        with redacted_stdio():  # every printed line is redacted, like the logs and the DB
            result: int = handler(args)
    except StorageProblem as exc:  # full disk, read-only folder: the database is intact
        print(f"console-app: {exc}", file=sys.stderr)
        return 2
    except (sqlite3.Error, HistoryError) as exc:
        from console_app.core.paths import data_dir

        print(f"console-app: {_history_advice(exc, data_dir())}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"console-app: {exc}", file=sys.stderr)
        return 2
    return result


def _history_advice(exc: BaseException, folder: Any) -> str:
    """Moving the database away is advised only when SQLite says the file itself is damaged
    or not a database — never for a full disk, a lock or a permission problem."""
    text = str(exc)
    damaged = any(m in text.lower() for m in ("malformed", "not a database", "corrupt"))
    if damaged:
        return (
            f"the history database in {folder} is damaged ({text}). Move history.sqlite3 away "
            "to start a new one."
        )
    return f"the history database in {folder} cannot be used now ({text}); it was not changed."


if __name__ == "__main__":
    sys.exit(main())
