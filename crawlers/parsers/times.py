"""Chinese forum times, absolute and relative, resolved against the time a page was fetched.

Forums write times in the forum's local zone without saying which (Asia/Shanghai for Chinese forums), and
recent posts relatively: ``3 分钟前``, ``半小时前``, ``昨天 12:30``, ``前天 08:05``. ``parse_cn_time`` turns
all of these into an aware datetime in that zone; ``now`` is the fetch time (ideally the forum's own clock,
from the response's ``Date`` header, since relative times are relative to it).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_ABSOLUTE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_MONTH_DAY = re.compile(r"^(?P<m>\d{1,2})\s*[-/月]\s*(?P<d>\d{1,2})\s*日?(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2}))?$")
_CLOCK = re.compile(r"^(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?$")
_AGO = re.compile(r"^(?P<n>\d+|半|一|两|几)\s*(?P<unit>秒|分钟|分|小时|个小时|天|周|个月)前$")
_DAY_WORD = re.compile(r"^(?P<word>今天|昨天|前天)\s*(?:(?P<H>\d{1,2}):(?P<M>\d{2}))?$")
_PREFIX = re.compile(r"^(?:发表于|发布于|回复于|最后回复|于)\s*[:：]?\s*")

_UNIT_SECONDS = {"秒": 1, "分钟": 60, "分": 60, "小时": 3600, "个小时": 3600, "天": 86400, "周": 604800,
                 "个月": 30 * 86400}
_DAYS_BACK = {"今天": 0, "昨天": 1, "前天": 2}


class TimeParseError(ValueError):
    """A time string that is neither an absolute nor a known relative Chinese time."""


def parse_cn_time(text: str, now: datetime, tz: ZoneInfo = SHANGHAI) -> datetime:
    """Resolve a forum time string to an aware datetime in ``tz``.

    ``now`` must be aware; it is the reference for relative times and for dates without a year.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    local_now = now.astimezone(tz)
    s = _PREFIX.sub("", text.replace("\xa0", " ").strip()).strip()
    if not s:
        raise TimeParseError("empty time")
    if m := _ABSOLUTE.search(s):
        return _build(tz, int(m["y"]), int(m["m"]), int(m["d"]), m["H"], m["M"], m["S"], text)
    if s == "刚刚":
        return local_now.replace(second=0, microsecond=0)
    if m := _AGO.match(s):
        n = {"半": 0.5, "一": 1, "两": 2, "几": 3}.get(m["n"]) or int(m["n"])
        return _floor_minute(local_now - timedelta(seconds=n * _UNIT_SECONDS[m["unit"]]))
    if m := _DAY_WORD.match(s):
        day = local_now.date() - timedelta(days=_DAYS_BACK[m["word"]])
        hour, minute = (int(m["H"]), int(m["M"])) if m["H"] else (0, 0)
        return _build(tz, day.year, day.month, day.day, hour, minute, None, text)
    if m := _MONTH_DAY.match(s):
        year = local_now.year
        month, day = int(m["m"]), int(m["d"])
        if (month, day) > (local_now.month, local_now.day):  # a date "later" this year is last year's
            year -= 1
        return _build(tz, year, month, day, m["H"] or 0, m["M"] or 0, None, text)
    if m := _CLOCK.match(s):
        t = _build(tz, local_now.year, local_now.month, local_now.day, m["H"], m["M"], m["S"], text)
        return t - timedelta(days=1) if t > local_now + timedelta(minutes=5) else t
    raise TimeParseError(f"unrecognised time {text!r}")


def from_epoch(seconds: float, tz: ZoneInfo = SHANGHAI) -> datetime:
    """An epoch timestamp (as in Tieba's JSON) as an aware datetime in ``tz``."""
    return datetime.fromtimestamp(float(seconds), tz)


def http_date(value: str | bytes | None) -> datetime | None:
    """Parse an HTTP ``Date`` header; None when absent or unparseable."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _build(tz, y, mo, d, H, M, S, original) -> datetime:
    try:
        return datetime(int(y), int(mo), int(d), int(H or 0), int(M or 0), int(S or 0), tzinfo=tz)
    except ValueError as exc:
        raise TimeParseError(f"impossible time {original!r}: {exc}") from None


def _floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)
