"""The forum's simulated clock.

``now = start + real time elapsed since start-up x speed + manual advances``. Every page, every
relative time and every ``Date`` header is computed from it, so a test or a demo can move the
forum forward (``POST /_demo/advance``) and watch new posts appear.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

# China has had no daylight saving since 1991, so a fixed offset is exact for Asia/Shanghai.
CST = timezone(timedelta(hours=8), "Asia/Shanghai")


def current_minute() -> datetime:
    """The real current time in Asia/Shanghai, rounded down to the minute."""
    return datetime.now(CST).replace(second=0, microsecond=0)


def parse_start(text: str) -> datetime:
    """Parse an ISO 8601 time; a time without an offset is taken as Asia/Shanghai."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CST)
    return moment.astimezone(CST)


def http_date(moment: datetime) -> str:
    """Format a time as an RFC 7231 HTTP date (always GMT)."""
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


class SimClock:
    """A clock that starts at ``start``, runs ``speed`` times real time and can be pushed forward."""

    def __init__(self, start: datetime, speed: float = 1.0, monotonic=time.monotonic):
        if start.tzinfo is None:
            start = start.replace(tzinfo=CST)
        self.start = start.astimezone(CST)
        self.speed = speed
        self._monotonic = monotonic
        self._started = monotonic()
        self._advanced = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        elapsed = (self._monotonic() - self._started) * self.speed
        with self._lock:
            advanced = self._advanced
        return self.start + timedelta(seconds=elapsed) + advanced

    def advance(self, minutes: float) -> datetime:
        """Move the clock forward by ``minutes`` and return the new time."""
        if minutes < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._advanced += timedelta(minutes=minutes)
        return self.now()
