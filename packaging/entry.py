"""PyInstaller's entry script: the bundle's ``console-app`` is ``console_app.app.main``.

A file of its own (not ``console_app/__main__.py``) so the frozen program's ``__main__`` does
nothing but call the real entry point; every sub-command (``engine``, ``run``…) and
``--self-test`` go through the same argparse as the installed Python package.
"""

import sys

from console_app.app import main

if __name__ == "__main__":
    sys.exit(main())
