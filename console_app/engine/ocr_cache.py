"""Content-keyed caches for the OCR: a result is stored under a hash of the exact pixels it
was computed from, so it can only ever be returned for the same pixels.

Why keyed by content and not by position or by "what changed since the last frame": a key
that is the pixels themselves cannot go stale — a region changed by one character has other
bytes, hence another key, and is recognised again — and a cached answer is by construction the
answer the networks would give (both are deterministic functions of their input, see
`ocr_models`), so results with and without the cache are identical.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

V = TypeVar("V")


def pixel_key(pixels: npt.NDArray[np.uint8], salt: bytes = b"") -> bytes:
    """A digest of an image region: its shape and every byte of its pixels."""
    digest = hashlib.blake2b(salt, digest_size=20)
    digest.update(repr(pixels.shape).encode())
    digest.update(np.ascontiguousarray(pixels).data)
    return digest.digest()


class ContentCache(Generic[V]):
    """A thread-safe LRU map from `pixel_key` digests to results."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: bytes) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: bytes, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
