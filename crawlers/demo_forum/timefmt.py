"""How the imitated forums write times on their pages.

Discuz! X3.4 writes ``2023-12-6 13:43`` (month and day without leading zeros) and, for posts of the
last seven days, relative words computed like its ``dgmdate(..., 'u')``. Tieba writes
``2015-07-26 19:44`` on thread pages and ``12:30`` / ``3-1`` / ``2022-12`` on bar lists.
All times are shown in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .clock import CST


def discuz_date(moment: datetime) -> str:
    local = moment.astimezone(CST)
    return f"{local.year}-{local.month}-{local.day}"


def discuz_datetime(moment: datetime) -> str:
    local = moment.astimezone(CST)
    return f"{discuz_date(local)} {local.hour:02d}:{local.minute:02d}"


def discuz_relative(moment: datetime, now: datetime) -> str | None:
    """Discuz's relative words for ``moment`` seen at ``now``, or None when it shows the full date."""
    local, local_now = moment.astimezone(CST), now.astimezone(CST)
    today = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    seconds = int((local_now - local).total_seconds())
    hhmm = f"{local.hour:02d}:{local.minute:02d}"
    if local >= today:
        if seconds > 3600:
            return f"{seconds // 3600} 小时前"
        if seconds > 1800:
            return "半小时前"
        if seconds > 60:
            return f"{seconds // 60} 分钟前"
        if seconds > 0:
            return f"{seconds} 秒前"
        if seconds == 0:
            return "刚刚"
        return None
    days = (today - local) // timedelta(days=1)
    if days == 0:
        return f"昨天 {hhmm}"
    if days == 1:
        return f"前天 {hhmm}"
    if days < 7:
        return f"{days + 1} 天前"
    return None


def tieba_datetime(moment: datetime) -> str:
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def tieba_list_time(moment: datetime, now: datetime) -> str:
    """The last-reply time on a bar list: ``12:30`` today, ``3-1`` this year, ``2022-12`` before."""
    local, local_now = moment.astimezone(CST), now.astimezone(CST)
    if local.date() == local_now.date():
        return f"{local.hour:02d}:{local.minute:02d}"
    if local.year == local_now.year:
        return f"{local.month}-{local.day}"
    return f"{local.year}-{local.month}"
