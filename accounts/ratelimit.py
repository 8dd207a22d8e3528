"""Fixed-window counters in the cache (Redis in production, shared by every process)."""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window: timedelta

    def _keys(self, subject: str) -> tuple[str, str]:
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        base = f"ratelimit:{self.name}:{digest}"
        return f"{base}:start", f"{base}:count"

    def consume(self, subject: str, *, now: datetime) -> timedelta | None:
        """Count one hit; how long to wait if it is over the limit, else None.

        The count is taken with the cache's atomic increment (Redis INCR) and the
        decision made on the value it returns, so that simultaneous requests
        cannot all pass a check made before any of them was counted.
        """
        start_key, count_key = self._keys(subject)
        window = self.window.total_seconds()
        timeout = math.ceil(window)
        stamp = now.timestamp()
        cache.add(start_key, stamp, timeout)
        start = cache.get(start_key, stamp)
        if stamp - start >= window:
            # The window has passed by our clock even if the cache kept the key.
            cache.set_many({start_key: stamp, count_key: 0}, timeout)
            start = stamp
        cache.add(count_key, 0, timeout)
        try:
            count = cache.incr(count_key)
        except ValueError:  # expired between add() and incr()
            cache.set(count_key, 1, timeout)
            count = 1
        if count > self.max_hits:
            return timedelta(seconds=start + window - stamp)
        return None

    def reset(self, subject: str) -> None:
        cache.delete_many(self._keys(subject))
