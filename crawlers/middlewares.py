"""Downloader middlewares for polite crawling.

``PoliteRetryMiddleware`` replaces Scrapy's ``RetryMiddleware``, which retries at once. A forum that answers
429 or 503 is asking us to wait, so this one pauses *every* request to that host until the wait is over (the
seconds or HTTP date in ``Retry-After`` when the forum gives one, otherwise ``2^n`` seconds with jitter for
the n-th retry, never more than ``SHEQING_RETRY_MAX_WAIT``) and then spaces the host's requests at least
that far apart, easing back by 10 % per good answer, so the waiting requests do not all return at once.

``SerialRobotsTxtMiddleware`` replaces ``RobotsTxtMiddleware``: in Scrapy 2.19 several requests that wait
for the same robots.txt share one Deferred, and every waiter after the first receives ``None`` ("no rules")
and is let through (the callback chain passes on the first waiter's return value; see scrapy/scrapy PR
#6802). Serialising the look-up per host gives every request the parsed rules.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.response import response_status_message

from .parsers.times import http_date

__all__ = ["PoliteRetryMiddleware", "SerialRobotsTxtMiddleware", "retry_after_seconds"]

log = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    when = http_date(text)
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("SHEQING_RETRY_MAX_WAIT", 120.0)
        self.backoff_base = settings.getfloat("SHEQING_RETRY_BACKOFF_BASE", 1.0)
        self.base_delay = settings.getfloat("DOWNLOAD_DELAY", 0.0)
        self._paused_until: dict[str, float] = {}

    async def process_request(self, request, spider=None):
        host = urlsplit(request.url).netloc
        wait = self._paused_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return None

    def process_response(self, request, response, spider=None):
        if response.status not in self.retry_http_codes:
            self._ease(request)
            return response
        if request.meta.get("dont_retry"):
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        wait = self._pause(request, asked)
        self.crawler.stats.inc_value("sheqing/retry_waits")
        log.info(
            "%s answered %s; waiting %.1f s before retry %s%s",
            request.url, response.status, wait, retry.meta.get("retry_times"),
            " (as its Retry-After asks)" if asked is not None else "",
        )
        return retry

    def process_exception(self, request, exception, spider=None):
        retry = super().process_exception(request, exception)
        if isinstance(retry, type(request)):
            self._pause(request, None)
        return retry

    def _pause(self, request, asked: float | None) -> float:
        if asked is None:
            n = request.meta.get("retry_times", 0)
            asked = self.backoff_base * (2 ** n) * random.uniform(0.75, 1.25)
        wait = min(asked, self.max_wait)
        host = urlsplit(request.url).netloc
        self._paused_until[host] = max(self._paused_until.get(host, 0.0), time.monotonic() + wait)
        slot = self._slot(request)
        if slot is not None:
            slot.delay = max(slot.delay, wait)
        return wait

    def _ease(self, request) -> None:
        slot = self._slot(request)
        if slot is not None and slot.delay > self.base_delay:
            slot.delay = max(self.base_delay, slot.delay * 0.9)

    def _slot(self, request):
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is None:
            return None
        return downloader.slots.get(downloader.get_slot_key(request))


class SerialRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._locks: dict[str, asyncio.Lock] = {}

    async def robot_parser(self, request):
        host = urlsplit(request.url).netloc
        async with self._locks.setdefault(host, asyncio.Lock()):
            return await super().robot_parser(request)
