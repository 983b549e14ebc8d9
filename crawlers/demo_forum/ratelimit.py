"""Per-client token bucket: ``rate`` requests a second, bursts up to ``2 x rate``."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, rate: float, monotonic=time.monotonic):
        self.rate = rate
        self.burst = 2 * rate
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}   # client -> (tokens, last refill)
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Take one token for ``client``; False when its bucket is empty."""
        now = self._monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed else tokens, now)
        return allowed
