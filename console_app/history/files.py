"""Screenshots as content-addressed files next to the database.

Why files and not BLOBs: a step's image is 50–500 KB; thousands of them in SQLite rows make
every page of the history view drag images through the cache, and the report exporter and the
view only need a path. Why content-addressed (``screenshots/ab/cdef….jpg``, the SHA-256 of the
bytes): the loop records each step two or three times with the same image, and an unchanged
screen gives the same bytes — each distinct image is written once.

A file is written (temporary name, fsync, rename) *before* the row that refers to it is
committed, so a committed row never points at a missing or half-written image.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
}
_MIMES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}


def extension_for(mime: str | None) -> str:
    return _EXTENSIONS.get((mime or "").lower(), "bin")


def mime_for(path: Path) -> str:
    return _MIMES.get(path.suffix.lstrip(".").lower(), "application/octet-stream")


class ScreenshotFiles:
    """The ``screenshots`` folder of one history database."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, mime: str | None) -> Path:
        return self.root / sha256[:2] / f"{sha256[2:]}.{extension_for(mime)}"

    def put(self, data: bytes, mime: str | None) -> str:
        """Store ``data`` (once); returns its SHA-256 hex digest."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest, mime)
        if target.is_file() and target.stat().st_size == len(data):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(target)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise
        return digest

    def remove(self, sha256: str, mime: str | None) -> None:
        path = self.path_for(sha256, mime)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only if empty
