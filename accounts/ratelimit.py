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

    def retry_after(self, subject: str, *, now: datetime) -> timedelta | None:
        """How long until another hit is allowed, or None if it is allowed now."""
        start_key, count_key = self._keys(subject)
        start = cache.get(start_key)
        if start is None or now.timestamp() - start >= self.window.total_seconds():
            return None
        if (cache.get(count_key) or 0) < self.max_hits:
            return None
        return timedelta(seconds=start + self.window.total_seconds() - now.timestamp())

    def hit(self, subject: str, *, now: datetime) -> None:
        start_key, count_key = self._keys(subject)
        timeout = math.ceil(self.window.total_seconds())
        start = cache.get(start_key)
        if start is None or now.timestamp() - start >= self.window.total_seconds():
            cache.set(start_key, now.timestamp(), timeout)
            cache.set(count_key, 1, timeout)
            return
        try:
            cache.incr(count_key)
        except ValueError:
            cache.set(count_key, 1, timeout)

    def reset(self, subject: str) -> None:
        cache.delete_many(self._keys(subject))
