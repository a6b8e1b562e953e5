"""``python -m console_app.engine [--host …] [--port N] [--ready-file F] [--data-dir D]``: the
same as ``console-app engine``, without building the other commands' parsers first (they import
the executor and the client: ~0.3 s of every engine start, up to a second on a busy machine).
The console starts the engine this way when it runs from source."""

from __future__ import annotations

import argparse

from console_app.engine.ocr_models import finish_preload, preload


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console_app.engine", description="Run the local engine."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    parser.add_argument("--ready-file", help="write {port, pid} as JSON here once listening")
    parser.add_argument("--data-dir", help="where the engine keeps its SQLite state")
    args = parser.parse_args()
    preload()  # the OCR models load while the web stack is imported and the port bound
    from console_app.engine.server import serve

    try:
        return serve(
            host=args.host, port=args.port, ready_file=args.ready_file, data_dir=args.data_dir
        )
    finally:
        finish_preload()


raise SystemExit(main())
