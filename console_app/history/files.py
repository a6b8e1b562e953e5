"""Screenshots as content-addressed files next to the database.

Why files and not BLOBs: a step's image is 50–500 KB; thousands of them in SQLite rows make
every page of the history view drag images through the cache, and the report exporter and the
view only need a path. Why content-addressed (``screenshots/ab/cdef….jpg``, the SHA-256 of the
bytes): the loop records each step two or three times with the same image, and an unchanged
screen gives the same bytes — each distinct image is written once.

A file is written (temporary name, fsync, rename) *before* the row that refers to it is
committed, so a committed row never points at a missing or half-written image. A crash between
the two leaves a ``.*.tmp`` file, removed when the store next opens.

Why digests are checked: a row's ``screenshot_sha256`` becomes a path; a tampered row holding
``../../x`` would make an export inline, or a deletion unlink, a file outside this folder. Only
64 lowercase hex digits name a file; anything else names none. Folders are 0700, files 0600.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
import time
from pathlib import Path

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
}
log = logging.getLogger(__name__)

_DIGEST = re.compile(r"[0-9a-f]{64}")
STALE_TMP_S = 60.0  # a .tmp file older than this belongs to no write still in progress

_MIMES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}


def extension_for(mime: str | None) -> str:
    return _EXTENSIONS.get((mime or "").lower(), "bin")


def mime_for(path: Path) -> str:
    return _MIMES.get(path.suffix.lstrip(".").lower(), "application/octet-stream")


def is_digest(text: object) -> bool:
    return isinstance(text, str) and _DIGEST.fullmatch(text) is not None


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) with mode 0700; tighten it if it is ours and wider."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):  # parents too: mkdir(parents=True) ignores the mode
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    with contextlib.suppress(OSError):
        info = path.stat()
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            path.chmod(0o700)


class ScreenshotFiles:
    """The ``screenshots`` folder of one history database."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, mime: str | None) -> Path:
        """The file of a digest; `ValueError` for anything but a SHA-256 hex digest."""
        if not is_digest(sha256):
            raise ValueError("a screenshot reference must be a SHA-256 hex digest")
        return self.root / sha256[:2] / f"{sha256[2:]}.{extension_for(mime)}"

    def find(self, sha256: str | None, mime: str | None) -> Path | None:
        """`path_for`, or ``None`` (logged) for a reference that is not a digest."""
        if sha256 is None:
            return None
        if not is_digest(sha256):
            log.warning("ignored a screenshot reference that is not a SHA-256 digest")
            return None
        return self.path_for(sha256, mime)

    def remove_stale_temporaries(self, older_than: float = STALE_TMP_S) -> int:
        """Delete ``.*.tmp`` files a crash left behind; how many were removed."""
        removed = 0
        cutoff = time.time() - older_than
        if not self.root.is_dir():
            return 0
        for tmp in self.root.glob("*/.*.tmp"):
            with contextlib.suppress(OSError):
                if tmp.is_file() and not tmp.is_symlink() and tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
        if removed:
            log.info("removed %d unfinished screenshot file(s) left by a crash", removed)
        return removed

    def put(self, data: bytes, mime: str | None) -> str:
        """Store ``data`` (once); returns its SHA-256 hex digest."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest, mime)
        if target.is_file() and target.stat().st_size == len(data):
            return digest
        make_private_dir(self.root)
        make_private_dir(target.parent)
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
        path = self.find(sha256, mime)
        if path is None:
            return
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only if empty
