"""Decode screenshots off the GUI thread, with a small LRU of decoded images.

Why: a 1280×720 JPEG takes ~10 ms to decode and a full-HD PNG far more; doing that on the GUI
thread for every capture and every timeline thumbnail makes the console stutter exactly when
the supervisor is looking at it. `QImage` (unlike `QPixmap`) may be created in any thread, so
a `QRunnable` decodes and a queued signal hands the image back. Only a few full images and a
bounded number of thumbnails are ever held in memory.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Hashable

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QImage, QImageReader

log = logging.getLogger(__name__)


def decode(data: bytes, scaled_to: QSize | None = None) -> QImage:
    """Decode image bytes (any Qt-readable format); optionally scaled while decoding (fast
    for JPEG: the decoder skips detail it would throw away)."""
    array = QByteArray(data)
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    if scaled_to is not None:
        size = reader.size()
        if size.isValid():
            reader.setScaledSize(size.scaled(scaled_to, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        log.warning("could not decode a screenshot: %s", reader.errorString())
    return image


def decode_here(data: bytes) -> QImage:
    """Decode a small image on the calling thread (e.g. the GUI thread) with OpenCV, not Qt's
    image plugins.

    Why not ``QImage.fromData`` on the GUI thread: while a `_DecodeTask` reads through Qt's
    plugin loader in a worker, a GUI-thread ``fromData`` holds the GIL and waits for the
    loader's mutex, and the worker — calling back into its Python ``QBuffer`` — waits for the
    GIL: a deadlock (seen in CI). OpenCV takes no Qt lock."""
    import cv2
    import numpy as np

    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if pixels is None:
        return QImage()
    rgb = np.ascontiguousarray(cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB))
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class _Signals(QObject):
    """The decode task's way back to the GUI thread.

    Signals:
        done(object, QImage): the key and the decoded image (null on failure).
    """

    done = Signal(object, QImage)


class _DecodeTask(QRunnable):
    def __init__(self, key: Hashable, data: bytes, size: QSize | None, signals: _Signals):
        super().__init__()
        self.key, self.data, self.size, self.signals = key, data, size, signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            image = decode(self.data, self.size)
        except Exception:  # a worker must never take the app down
            log.exception("decoding a screenshot failed")
            image = QImage()
        self.signals.done.emit(self.key, image)


class ImageLoader(QObject):
    """``request(key, data)`` → later ``loaded(key, image)``; cached images come back at once
    (still through the signal, so callers have one code path).

    Signals:
        loaded(object, QImage): the key and its decoded image.
    """

    loaded = Signal(object, QImage)

    def __init__(
        self, size: QSize | None = None, capacity: int = 6, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.size = size
        self.capacity = capacity
        self._cache: OrderedDict[Hashable, QImage] = OrderedDict()
        self._pending: set[Hashable] = set()
        self._signals = _Signals()
        self._signals.done.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.pool = QThreadPool.globalInstance()

    def cached(self, key: Hashable) -> QImage | None:
        image = self._cache.get(key)
        if image is not None:
            self._cache.move_to_end(key)
        return image

    def request(self, key: Hashable, data: bytes | None) -> QImage | None:
        """Start decoding unless cached or already pending; returns the cached image if any."""
        image = self.cached(key)
        if image is not None:
            return image
        if data and key not in self._pending:
            self._pending.add(key)
            self.pool.start(_DecodeTask(key, data, self.size, self._signals))
        return None

    def _finished(self, key: Hashable, image: QImage) -> None:
        self._pending.discard(key)
        if not image.isNull():
            self._cache[key] = image
            self._cache.move_to_end(key)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        self.loaded.emit(key, image)

    def wait(self, msecs: int = 5000) -> bool:
        """Tests and shutdown: wait for running decodes."""
        return bool(self.pool.waitForDone(msecs))
