"""The alert inbox: open alerts by level then time, resolved ones, one alert with its evidence, and its handling.

An alert's page shows what fired it (numbers, rule), the evidence posts, the places, the responsible office,
the posts per day of the event (its ``details["scope"]``, a store filter written by the rule), and its whole
history; a monitor acknowledges, resolves or reopens it with a note (``Store.set_alert_status``, signed
with their user name). Alerts outside the user's areas are not listed and their pages answer 404.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from indexer.query import QueryError
from sheqing.labels import ALERT_STATUS_NAMES, OFFICES, alert_numbers
from sheqing.records import ALERT_LEVELS

from .charts import columns, sparkline
from .overview import OPEN, day_starts
from .pages import NotFound, Page, alert_path

__all__ = ["inbox", "alert_page", "alert_status", "ACTION_NAMES"]

log = logging.getLogger(__name__)

ACTION_NAMES = {"raised": "发现", "updated": "事件扩大", "notified": "已通知", "acknowledged": "已确认",
                "resolved": "已办结", "reopened": "重新打开"}
STATUS_ACTIONS = {"acknowledged": "确认", "resolved": "办结", "new": "重新打开"}
NEXT_STATUSES = {"new": ("acknowledged", "resolved"), "acknowledged": ("resolved",), "resolved": ("new",)}
MAX_NOTE = 1000
TREND_DAYS = 14
INBOX_TRENDS = 50  # rows of the inbox with a trend line (one store query each)


def inbox(page: Page):
    tab = "resolved" if page.arg("tab") == "resolved" else "open"
    base = page.scope.base()
    if tab == "open":
        found = page.store.alerts(status=OPEN, limit=1000, **base)
        found.sort(key=lambda a: (-ALERT_LEVELS.index(a.level), -a.updated_at.timestamp(), a.fingerprint))
    else:
        found = page.store.alerts(status="resolved", limit=200, **base)
    level = page.arg("level")
    if level in ALERT_LEVELS:
        found = [a for a in found if a.level == level]
    days = day_starts(page.now, TREND_DAYS)
    sparks = {a.fingerprint: sparkline(_per_day(page, a, days), label="相关帖子每日数量（近14天）")
              for a in found[:INBOX_TRENDS] if a.details.get("scope")}
    return page.render("alerts.html", tab=tab, alerts=found, level=level, sparks=sparks)


def _per_day(page: Page, alert, days) -> list[int]:
    """Posts per local day of the alert's event (its rule's ``scope`` filter); none when it cannot be asked."""
    scope = alert.details.get("scope")
    if not isinstance(scope, dict) or not scope:
        return [0] * len(days)
    try:
        buckets = page.store.trend(interval="day", start=days[0], end=page.now, **scope)
    except QueryError as exc:  # a scope written by an older rule: the page goes on without the trend
        log.warning("alert %s: no trend for its scope %r: %s", alert.fingerprint, scope, exc)
        buckets = []
    per_day = {b.start: b.count for b in buckets}
    return [per_day.get(d, 0) for d in days]


def _visible_alert(page: Page, fingerprint: str):
    alert = page.store.get_alert(fingerprint)
    if alert is None or not page.scope.allows(alert.places):
        raise NotFound(fingerprint)
    return alert


def alert_page(page: Page):
    alert = _visible_alert(page, page.request.path_params["fingerprint"])
    posts = page.store.get_posts(alert.post_ids)
    evidence = [posts[i] for i in alert.post_ids if i in posts and page.scope.allows(posts[i].enrichment.places)]
    days = day_starts(page.now, TREND_DAYS)
    chart = None
    if alert.details.get("scope"):
        chart = columns(days, [("帖子", "#1f6fd1", _per_day(page, alert, days))], label="相关帖子每日数量（近14天）")
    numbers = alert_numbers(alert.numbers)
    office = alert.office or OFFICES.get(alert.category or "", "") or "未指定"
    done = page.arg("done")
    return page.render("alert.html", alert=alert, evidence=evidence, hidden=len(alert.post_ids) - len(evidence),
                       numbers=numbers, office=office, chart=chart, actions=ACTION_NAMES,
                       available=[(s, STATUS_ACTIONS[s]) for s in NEXT_STATUSES[alert.status]],
                       done=STATUS_ACTIONS.get(done, ""),
                       created_ago=_ago(page.now - alert.created_at))


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} 分钟前"
    if minutes < 48 * 60:
        return f"{minutes // 60} 小时前"
    return f"{minutes // 1440} 天前"


def alert_status(page: Page):
    """POST: acknowledge, resolve or reopen an alert, with a note."""
    fingerprint, status, note = page.field("fingerprint"), page.field("status"), page.field("note")
    if status not in STATUS_ACTIONS:
        return page.render("error.html", status=400, title="无法处理", message=f"未知的操作：{status}")
    if len(note) > MAX_NOTE:
        return page.render("error.html", status=400, title="无法处理", message=f"备注请不超过 {MAX_NOTE} 字。")
    alert = _visible_alert(page, fingerprint)
    if alert.status != status:  # the same status again (a form sent twice) changes nothing
        if status not in NEXT_STATUSES[alert.status]:
            return page.render("error.html", status=409, title="无法处理",
                               message=f"这条预警现在是「{ALERT_STATUS_NAMES[alert.status]}」，请刷新后再操作。")
        page.store.set_alert_status(fingerprint, status, by=page.user.name, note=note, at=page.now)
    return page.redirect(f"{alert_path(fingerprint)}?done={status}")
