"""The overview: what happened today and this week in the user's areas, against the week before.

- counts by risk and by category for today (local midnight to now), the last 7 days and the 7 days before;
- posts per day over the last 14 days, stacked by risk; categories this week against last week;
- the areas as a table of districts and their streets: posts in 7 days, at medium risk or above, open alerts
  and the highest open alert level;
- the open alerts by level.

Every query carries the user's area filter. Store calls: 6 counts (``top``), 1 trend, 4 area counts, 1 alert
list.
"""

from __future__ import annotations

from datetime import timedelta

from indexer.query import LOCAL_TZ
from sheqing.labels import CATEGORY_NAMES, RISK_NAMES
from sheqing.records import ALERT_LEVELS, CATEGORIES, RISKS

from .areas import place_values, unit
from .charts import columns, paired_bars
from .pages import RISK_COLOURS, Page

__all__ = ["overview", "day_starts", "open_levels", "OPEN"]

OPEN = ("new", "acknowledged")
TREND_DAYS = 14
MAX_AREAS = 200


def day_starts(now, days: int):
    """Local midnights of the last ``days`` days, oldest first (the last one is today's)."""
    today = now.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    return [today - timedelta(days=days - 1 - i) for i in range(days)]


def open_levels(alerts) -> dict[str, tuple[str, int]]:
    """Per place code and name of the open alerts: (highest level, number of alerts)."""
    out: dict[str, tuple[str, int]] = {}
    for alert in alerts:
        for value in place_values(alert.places):
            level, n = out.get(value, (alert.level, 0))
            out[value] = (max(level, alert.level, key=ALERT_LEVELS.index), n + 1)
    return out


def overview(page: Page):
    store, now, base = page.store, page.now, page.scope.base()
    today = day_starts(now, 1)[0]
    periods = {"today": (today, now), "week": (now - timedelta(days=7), now),
               "previous": (now - timedelta(days=14), now - timedelta(days=7))}
    counts = {}
    for field in ("risk", "category"):
        for name, (start, end) in periods.items():
            counts[field, name] = dict(store.top(field=field, size=20, start=start, end=end, **base))
    risk_rows = [(r, *(counts["risk", p].get(r, 0) for p in periods)) for r in reversed(RISKS)]
    category_rows = sorted(((c, *(counts["category", p].get(c, 0) for p in periods)) for c in CATEGORIES),
                           key=lambda row: (-row[2], -row[3], CATEGORIES.index(row[0])))
    totals = tuple(sum(counts["risk", p].values()) for p in periods)

    days = day_starts(now, TREND_DAYS)
    buckets = store.trend(interval="day", group_by="risk", start=days[0], end=now, **base)
    per_day = {(b.start, b.key): b.count for b in buckets}
    trend = columns(days, [(RISK_NAMES[r], RISK_COLOURS[r], [per_day.get((d, r), 0) for d in days])
                           for r in RISKS], label="近14天每日帖子数（按风险）")
    shown = [row for row in category_rows if row[2] or row[3]][:10]
    categories = paired_bars([(CATEGORY_NAMES[c], week, prev) for c, _, week, prev in shown],
                             label="各类别帖子数：近7天与前7天")

    alerts = store.alerts(status=OPEN, limit=1000, **base)
    by_level = {level: sum(a.level == level for a in alerts) for level in reversed(ALERT_LEVELS)}
    return page.render(
        "overview.html", totals=totals, risk_rows=risk_rows, category_rows=category_rows, trend=trend,
        categories=categories, areas=_areas(store, now, page.scope, alerts), by_level=by_level,
        urgent=sorted(alerts, key=lambda a: (-ALERT_LEVELS.index(a.level), -a.updated_at.timestamp()))[:5],
        week_since=f"{periods['week'][0]:%Y-%m-%d}")


def _areas(store, now, scope, alerts) -> list[dict]:
    """Districts, each followed by its streets: posts in 7 days, at medium risk or above, open alerts.

    A post may name places outside the user's areas beside theirs: only units in or around the areas are rows.
    """
    start, base = now - timedelta(days=7), scope.base()
    counts = {}
    for field in ("district_code", "street_code"):
        counts[field] = dict(store.top(field=field, size=MAX_AREAS, start=start, **base))
        counts[field, "risky"] = dict(store.top(field=field, size=MAX_AREAS, start=start, min_risk="medium", **base))
    levels = open_levels(alerts)

    def row(code: str, kind: str, field: str) -> dict:
        level, n_alerts = levels.get(code, (None, 0))
        return {"code": code, "name": _name(store, code), "kind": kind, "posts": counts[field][code],
                "risky": counts[field, "risky"].get(code, 0), "level": level, "alerts": n_alerts}

    streets: dict[str, list[dict]] = {}
    for code in filter(scope.covers, counts["street_code"]):
        streets.setdefault(code[:6], []).append(row(code, "street", "street_code"))
    rows = []
    for code in sorted(filter(scope.covers, counts["district_code"]), key=lambda c: -counts["district_code"][c]):
        rows.append(row(code, "district", "district_code"))
        rows.extend(sorted(streets.pop(code, []), key=lambda r: -r["posts"]))
    for orphans in streets.values():  # a street whose district was cut off by MAX_AREAS
        rows.extend(orphans)
    return rows


def _name(store, code: str) -> str:
    """The name of an administrative unit: from the table, else as a stored post names it, else the code."""
    path = unit(code)
    if path:
        return path[0][-1]
    for hit in store.search(place=code, size=1).hits:
        for place in hit.post.enrichment.places:
            if code in place.path_codes:
                return place.path[place.path_codes.index(code)]
    return code
