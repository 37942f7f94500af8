"""A few seconds of caching for pages that many anonymous visitors load at once."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class MicroCache:
    """Rendered bodies by key, each kept for ``ttl`` seconds, at most ``size`` of them.

    Views run in worker threads, hence the lock. Changes show up within ``ttl``, in every
    server process, with no invalidation to forget.
    """

    def __init__(
        self, ttl: float = 5.0, size: int = 256, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._items: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or self._clock() - item[0] > self.ttl:
                return None
            return item[1]

    def put(self, key: Hashable, body: bytes) -> None:
        with self._lock:
            self._items[key] = (self._clock(), body)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
