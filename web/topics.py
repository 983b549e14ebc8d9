"""Hot topics: the issues residents are writing about now, ranked by heat, and one topic's page.

Heat favours what is recent: ``HEAT_RECENT_WEIGHT`` x the topic's posts in the last 24 hours + its posts in the
last 7 days (the page says so). Each topic in the list: its representative post (the riskiest, then newest),
keywords, places and posts per day over the week, from one search per topic (its newest ``LIST_SAMPLE`` posts of
the week). A topic's page adds its risk levels and its posts, newest first, 20 a page. Everything within the
user's areas.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from indexer.query import LOCAL_TZ, MAX_WINDOW
from sheqing.labels import RISK_NAMES
from sheqing.records import RISKS

from .charts import columns, sparkline
from .overview import day_starts
from .pages import RISK_COLOURS, NotFound, Page

__all__ = ["topics", "topic_page", "heat", "HEAT_RECENT_WEIGHT"]

HEAT_RECENT_WEIGHT = 3
MAX_TOPICS = 15
PAGE_SIZE = 20
TOPIC_DAYS = 30
LIST_SAMPLE = 200  # posts of a topic read for the list's keywords, places and trend


def heat(last_day: int, last_week: int) -> int:
    return HEAT_RECENT_WEIGHT * last_day + last_week


def _places(store, flt: dict, size: int) -> list[tuple[str, int]]:
    """The most named streets, else districts, and estates of some posts."""
    found = store.top(field="street", size=size, **flt) or store.top(field="district", size=size, **flt)
    return found + store.top(field="estate", size=size, **flt)


def topics(page: Page):
    store, now, base = page.store, page.now, page.scope.base()
    week_start = now - timedelta(days=7)
    week = dict(store.top(field="topic_id", size=500, start=week_start, end=now, **base))
    day = dict(store.top(field="topic_id", size=500, start=now - timedelta(hours=24), end=now, **base))
    ranked = sorted(week, key=lambda t: (-heat(day.get(t, 0), week[t]), -week[t], t))[:MAX_TOPICS]
    days = day_starts(now, 7)
    rows = []
    for topic_id in ranked:
        flt = {"topic_id": topic_id, "start": days[0], "end": now, **base}
        posts = [h.post for h in store.search(**flt, sort="newest", size=LIST_SAMPLE).hits]
        if len(posts) < LIST_SAMPLE:
            per_day = Counter(p.published_at.astimezone(LOCAL_TZ).date() for p in posts)
        else:  # a large topic: its posts per day from the store, its keywords and places from the newest
            per_day = Counter({b.start.date(): b.count for b in store.trend(interval="day", **flt)})
        rows.append({
            "id": topic_id, "heat": heat(day.get(topic_id, 0), week[topic_id]), "day": day.get(topic_id, 0),
            "week": week[topic_id],
            "post": min(posts, key=lambda p: (-RISKS.index(p.enrichment.risk), -p.published_at.timestamp()),
                        default=None),
            "keywords": [k for k, _ in Counter(k for p in posts for k in set(p.enrichment.keywords)).most_common(6)],
            "places": _named_places(posts, 3),
            "spark": sparkline([per_day.get(d.date(), 0) for d in days], label="近7天每日帖子数"),
        })
    return page.render("topics.html", rows=rows, weight=HEAT_RECENT_WEIGHT)


def _named_places(posts, size: int) -> list[str]:
    """The streets (else districts) and estates the posts name most (as ``_places``, counted here)."""
    counts = {"street": Counter(), "district": Counter(), "estate": Counter()}
    for post in posts:
        seen = {"street": set(), "district": set(), "estate": set()}
        for place in post.enrichment.places:
            if place.kind == "estate":
                seen["estate"].add(place.text)
            for name, code in zip(place.path, place.path_codes, strict=False):
                level = {6: "district", 9: "street"}.get(len(code))
                if level:
                    seen[level].add(name)
        for level, names in seen.items():
            counts[level].update(names)
    units = counts["street"] or counts["district"]
    return [name for name, _ in units.most_common(size)] + [name for name, _ in counts["estate"].most_common(size)]


def topic_page(page: Page):
    store, now, base = page.store, page.now, page.scope.base()
    topic_id = page.request.path_params["topic_id"]
    flt = {"topic_id": topic_id, **base}
    number = page.arg("page", "1")
    number = int(number) if number.isdigit() and int(number) >= 1 else 1
    result = store.search(**flt, sort="newest", page=min(number, MAX_WINDOW // PAGE_SIZE), size=PAGE_SIZE)
    if result.total == 0:
        raise NotFound(topic_id)
    days = day_starts(now, TOPIC_DAYS)
    buckets = store.trend(interval="day", group_by="risk", **{**flt, "start": days[0], "end": now})
    per_day = {(b.start, b.key): b.count for b in buckets}
    chart = columns(days, [(RISK_NAMES[r], RISK_COLOURS[r], [per_day.get((d, r), 0) for d in days]) for r in RISKS],
                    label=f"近{TOPIC_DAYS}天每日帖子数（按风险）")
    counts = {
        "day": store.count(**flt, start=now - timedelta(hours=24), end=now),
        "week": store.count(**flt, start=now - timedelta(days=7), end=now),
    }
    return page.render(
        "topic.html", topic_id=topic_id, result=result, chart=chart, counts=counts,
        heat=heat(counts["day"], counts["week"]), weight=HEAT_RECENT_WEIGHT,
        keywords=store.top(field="keywords", size=15, **flt), places=_places(store, flt, 8),
        risks=dict(store.top(field="risk", size=5, **flt)), page_number=number,
        last_page=max(1, min(-(-result.total // PAGE_SIZE), MAX_WINDOW // PAGE_SIZE)))
