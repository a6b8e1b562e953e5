"""``python -m console_app.engine [--host …] [--port N] [--ready-file F] [--data-dir D]
[--keep-days N]``: the same as ``console-app engine``, without building the other commands'
parsers first (they import the executor and the client: ~0.3 s of every engine start, up to a
second on a busy machine). The console starts the engine this way when it runs from source."""

from __future__ import annotations

import argparse

from console_app.engine.launch import add_arguments, run


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console_app.engine", description="Run the local engine."
    )
    add_arguments(parser)
    return run(parser.parse_args())


raise SystemExit(main())
