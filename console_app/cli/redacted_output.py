"""Every line a terminal command prints passes through `redact`, like the logs and the DB.

Why a stream wrapper and not a call at each ``print``: a backend can echo a key in any text
the console shows — a reasoning line, a message, an error, a JSON field — and one forgotten
call site would print it. The wrapper sits on ``sys.stdout`` and ``sys.stderr`` for the whole
command, so nothing printed can skip it (the JSON of ``--json`` stays valid: the replacement
contains no quote or backslash).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from console_app.core.redact import redact


class RedactingStream:
    """A text stream that redacts what is written to it and forwards it to ``inner``."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding…
        return getattr(self._inner, name)


@contextlib.contextmanager
def redacted_stdio() -> Iterator[None]:
    """Redact ``sys.stdout`` and ``sys.stderr`` until the block ends."""
    saved = sys.stdout, sys.stderr
    sys.stdout = RedactingStream(saved[0])
    sys.stderr = RedactingStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
