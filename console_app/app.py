"""Entry point of ``console-app``: the window by default, terminal commands by name.

Imports are lazy so ``console-app engine`` and ``console-app run`` never load Qt, and
``console-app`` (the window) never loads the OCR stack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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
        result: int = handler(args)
        return result
    if args.self_test:
        from console_app.ui.self_test import run_self_test

        return run_self_test()
    from console_app.ui.main import run_console

    return run_console(profile=args.profile)


if __name__ == "__main__":
    sys.exit(main())
