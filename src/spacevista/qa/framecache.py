"""Frames prepared once: decoded, marked, resized and JPEG-encoded, shared by every item that sends them.

Items of one scene send mostly the same frames; without a cache each item decodes, draws, resizes
and encodes all of them again. A :class:`FrameCache` keys a prepared frame by the image file (path,
size, modification time), what is drawn on it (:func:`~spacevista.qa.marks.marks_key`), the
longest side and the resampling, and keeps the resized array and, once asked for, its base64 JPEG
per quality. Entries are dropped least recently used first beyond ``max_bytes``. Thread safe; a
thread asking for a frame another thread is preparing waits for it rather than preparing it again.
"""

from __future__ import annotations

import base64
import io
import os
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

import numpy as np
from PIL import Image


def encode_jpeg(image: np.ndarray, quality: int = 85) -> str:
    """Base64 JPEG of an HxWx3 uint8 array."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=quality)
    return base64.b64encode(buf.getvalue()).decode("ascii")


class PreparedFrame:
    """A frame as sent: the array (read-only) and its JPEG encodings, made on first use."""

    __slots__ = ("array", "_jpeg", "_lock")

    def __init__(self, array: np.ndarray):
        self.array = array
        self._jpeg: dict[int, str] = {}
        self._lock = threading.Lock()

    def jpeg(self, quality: int = 85) -> str:
        """Base64 JPEG at ``quality``, encoded once."""
        got = self._jpeg.get(quality)
        if got is None:
            got = encode_jpeg(self.array, quality)
            with self._lock:
                self._jpeg[quality] = got
        return got

    @property
    def nbytes(self) -> int:
        return self.array.nbytes + sum(len(v) for v in self._jpeg.values())


def file_key(path: str) -> tuple[str, int, int]:
    """A file's identity for caching: path, size and modification time (a rewritten file is new)."""
    st = os.stat(path)
    return (path, st.st_size, st.st_mtime_ns)


class FrameCache:
    """Prepared frames by key, at most ``max_bytes`` of arrays and encodings (LRU)."""

    def __init__(self, max_bytes: int = 512 << 20):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, PreparedFrame] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        #: lookups answered from the cache, and frames prepared
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, make: Callable[[], np.ndarray]) -> PreparedFrame:
        """The frame under ``key``, prepared by ``make()`` when it is not cached."""
        while True:
            with self._lock:
                got = self._items.get(key)
                if got is not None:
                    self._items.move_to_end(key)
                    self.hits += 1
                    return got
                busy = self._pending.get(key)
                if busy is None:
                    self._pending[key] = threading.Event()
                    self.misses += 1
                    break
            busy.wait()  # another thread prepares it; then it is cached (or failed: try ourselves)
        try:
            frame = PreparedFrame(np.ascontiguousarray(make(), dtype=np.uint8))
            frame.array.setflags(write=False)  # shared by every item that sends it
            with self._lock:
                self._items[key] = frame
                self._bytes += frame.nbytes
                while self._bytes > self.max_bytes and len(self._items) > 1:
                    _, dropped = self._items.popitem(last=False)
                    self._bytes -= dropped.nbytes
            return frame
        finally:
            with self._lock:
                self._pending.pop(key).set()

    def __len__(self) -> int:
        return len(self._items)

    def stats(self) -> dict[str, Any]:
        """Entries, bytes held (arrays; encodings counted when the entry was stored), hits and misses."""
        return {"frames": len(self._items), "bytes": self._bytes, "hits": self.hits, "misses": self.misses}
