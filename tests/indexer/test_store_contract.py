"""The store contract: the same questions give the same answers from SQLite and from Elasticsearch.

Every test runs once per store (the ``store`` fixture). Expected answers are computed here from the sample
posts and the documented semantics (``indexer.query``), never read back from a store.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

import pytest

from indexer.documents import post_document, search_body, segmented
from indexer.query import LOCAL_TZ, QueryError
from sheqing.records import Alert, RISKS

from .samples import CST, T0, make_posts

POSTS = make_posts()
BY_ID = {p.id: p for p in POSTS}
DOCS = {p.id: post_document(p) for p in POSTS}


def ids_where(predicate) -> set[str]:
    return {p.id for p in POSTS if predicate(p)}


def text_matches(post, query: str) -> bool:
    """The documented text semantics, computed independently of any store."""
    body = search_body(post.title, post.text)
    words = segmented(body).split()
    latin = re.findall(r"[0-9a-z]+", body)
    return all((t in words) if len(t) == 1 else (t in latin) if t.isascii() else (t in body)
               for t in query.lower().split())


@pytest.fixture
def filled(store):
    report = store.upsert_posts(POSTS)
    assert report.written == len(POSTS) and report.rejected == []
    return store


def found(store, **query) -> set[str]:
    result = store.search(size=100, **query)
    assert result.total == len(result.hits)
    return {hit.post.id for hit in result.hits}


# -- writes ------------------------------------------------------------------------------------
def test_upsert_is_idempotent_and_round_trips(filled):
    assert filled.upsert_posts(POSTS[:5]).written == 5
    assert filled.count() == len(POSTS)
    got = filled.get_posts([p.id for p in POSTS] + ["nowhere:1"])
    assert set(got) == set(BY_ID)
    for post_id, post in got.items():
        assert post == BY_ID[post_id]
    assert filled.get_post("nowhere:1") is None


def test_update_replaces_labels_places_and_text(filled):
    old = BY_ID["riverside:1001"]
    changed = old.model_copy(update={
        "text": "问题已经解决，谢谢大家关心", "enrichment": old.enrichment.model_copy(update={
            "risk": "none", "category": "other", "places": ()})})
    filled.upsert_posts([changed])
    assert filled.count() == len(POSTS)
    assert filled.get_post(old.id).enrichment.risk == "none"
    assert old.id not in found(filled, min_risk="high")
    assert old.id not in found(filled, place="翠苑小区")
    assert old.id not in found(filled, text="味道很大")
    assert old.id in found(filled, text="已经解决")
    assert ("utilities", 3) in filled.top(field="category")


# -- text search -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["燃气泄漏", "燃气", "电梯", "燃气 物业", "消防通道", "wifi", "天然气", "火", "工资 拖欠",
                                  "不存在的词语"])
def test_text_search_follows_the_documented_semantics(filled, text):
    expected = ids_where(lambda p: text_matches(p, text))
    assert found(filled, text=text) == expected


def test_chinese_terms_match_substrings_latin_terms_words_single_characters_words(filled):
    assert "riverside:1014" in found(filled, text="然气")  # inside 天然气灶
    assert "riverside:1014" in found(filled, text="然气灶")
    assert "riverside:1014" not in found(filled, text="燃气")
    assert found(filled, text="燃气 物业") == {"riverside:1001"}
    assert found(filled, text="WIFI") == {"riverside:1015"}
    assert found(filled, text="wi") == set()  # not a word
    assert found(filled, text="3号楼") == {"riverside:1001"}


def test_snippets_mark_terms_and_escape_crawled_markup(filled):
    hits = {h.post.id: h for h in filled.search(text="燃气泄漏", size=10).hits}
    assert "<mark>燃气泄漏</mark>" in hits["riverside:1001"].snippet
    hostile = hits["oldtown:1016"].snippet
    assert "<script" not in hostile and "&lt;script&gt;" in hostile
    assert "<mark>燃气泄漏</mark>" in hostile


# -- filters, sorting, paging ------------------------------------------------------------------
@pytest.mark.parametrize("query, predicate", [
    ({"category": "utilities"}, lambda p: p.enrichment.category == "utilities"),
    ({"category": ["labor", "fire_safety"]}, lambda p: p.enrichment.category in ("labor", "fire_safety")),
    ({"risk": ["high", "critical"]}, lambda p: p.enrichment.risk in ("high", "critical")),
    ({"min_risk": "medium"}, lambda p: RISKS.index(p.enrichment.risk) >= 2),
    ({"sentiment": "positive"}, lambda p: p.enrichment.sentiment == "positive"),
    ({"site": "tieba_hz"}, lambda p: p.site == "tieba_hz"),
    ({"place": "330106"}, lambda p: any("330106" in m.path_codes for m in p.enrichment.places)),
    ({"place": "北山街道"}, lambda p: any(m.text == "北山街道" for m in p.enrichment.places)),
    ({"place": ["翠苑小区", "拱墅区"]}, lambda p: any(m.text in ("翠苑小区", "拱墅区") for m in p.enrichment.places)),
    ({"place": "A3区"}, lambda p: any(m.text == "A3区" for m in p.enrichment.places)),
    ({"topic_id": "t-gas"}, lambda p: p.enrichment.topic_id == "t-gas"),
    ({"start": T0 + timedelta(days=2), "end": T0 + timedelta(days=5)},
     lambda p: T0 + timedelta(days=2) <= p.published_at < T0 + timedelta(days=5)),
    ({"text": "小区", "min_risk": "high", "site": "riverside"},
     lambda p: text_matches(p, "小区") and RISKS.index(p.enrichment.risk) >= 3 and p.site == "riverside"),
])
def test_filters(filled, query, predicate):
    expected = ids_where(predicate)
    assert expected, "a filter test must expect some posts"
    assert found(filled, **query) == expected


def test_a_bare_time_is_local_time(filled):
    local_midnight = datetime(2024, 3, 10)  # no zone: read as Asia/Shanghai
    assert found(filled, start=local_midnight) == ids_where(lambda p: p.published_at >= T0.replace(hour=0) + timedelta(days=9))


@pytest.mark.parametrize("sort, key, reverse", [
    ("newest", lambda p: p.published_at, True),
    ("oldest", lambda p: p.published_at, False),
    ("risk", lambda p: (RISKS.index(p.enrichment.risk), p.published_at), True),
    ("relevance", lambda p: p.published_at, True),  # without text, relevance means newest
])
def test_sort_orders(filled, sort, key, reverse):
    expected = [p.id for p in sorted(POSTS, key=key, reverse=reverse)]
    assert [h.post.id for h in filled.search(sort=sort, size=100).hits] == expected


def test_paging_walks_every_result_once(filled):
    seen = []
    for page in range(1, 5):
        result = filled.search(sort="oldest", page=page, size=5)
        assert result.total == len(POSTS)
        seen += [h.post.id for h in result.hits]
    assert seen == [p.id for p in sorted(POSTS, key=lambda p: p.published_at)]


# -- trends and top values ---------------------------------------------------------------------
def local_day(post) -> datetime:
    local = post.published_at.astimezone(LOCAL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def as_tuples(buckets):
    return [(b.start, b.key, b.count) for b in buckets]


def test_trend_by_day(filled):
    counts = Counter(local_day(p) for p in POSTS)
    assert as_tuples(filled.trend(interval="day")) == [(d, None, n) for d, n in sorted(counts.items())]


def test_trend_by_hour_and_category(filled):
    counts = Counter((p.published_at.astimezone(LOCAL_TZ).replace(minute=0, second=0), p.enrichment.category)
                     for p in POSTS if p.enrichment.risk != "none")
    got = filled.trend(interval="hour", group_by="category", risk=["low", "medium", "high", "critical"])
    assert as_tuples(got) == [(d, k, n) for (d, k), n in sorted(counts.items())]


def test_trend_by_week_and_district_counts_each_district(filled):
    counts = Counter()
    for p in POSTS:
        day = local_day(p)
        monday = day - timedelta(days=day.weekday())
        for district in DOCS[p.id]["district"]:
            counts[(monday, district)] += 1
    got = filled.trend(interval="week", group_by="district")
    assert as_tuples(got) == [(d, k, n) for (d, k), n in sorted(counts.items())]
    assert all(b.start.weekday() == 0 and b.start.utcoffset() == timedelta(hours=8) for b in got)


def test_trend_by_month(filled):
    assert as_tuples(filled.trend(interval="month", min_risk="high")) == [
        (datetime(2024, 3, 1, tzinfo=CST), None, len(ids_where(lambda p: RISKS.index(p.enrichment.risk) >= 3)))]


@pytest.mark.parametrize("field", ["category", "district", "places_all", "estate", "site"])
def test_top_values(filled, field):
    counts = Counter()
    for doc in DOCS.values():
        values = doc[field] if isinstance(doc[field], list) else [doc[field]]
        counts.update(set(values))
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    assert filled.top(field=field, size=5) == expected


# -- validation --------------------------------------------------------------------------------
@pytest.mark.parametrize("query, message", [
    ({"colour": "red"}, "colour: unknown field"),
    ({"category": "weather"}, "unknown category 'weather'"),
    ({"start": T0, "end": T0 - timedelta(days=1)}, "ends"),
    ({"page": 1000, "size": 100}, "beyond the first 10000"),
    ({"sort": "author"}, "sort"),
])
def test_invalid_search_is_refused_with_the_reason(store, query, message):
    with pytest.raises(QueryError, match=message):
        store.search(**query)


def test_invalid_trend_and_top_are_refused(store):
    with pytest.raises(QueryError, match="cannot group by 'author_key'"):
        store.trend(group_by="author_key")
    with pytest.raises(QueryError, match="no top values for 'text'"):
        store.top(field="text")


# -- the alert ledger --------------------------------------------------------------------------
def make_alert(fingerprint="post:riverside:1001", level="red", updated=T0, places=()):
    return Alert(fingerprint=fingerprint, rule="urgent-post", rule_type="post", level=level,
                 title="翠苑小区燃气泄漏", category="utilities", numbers={"risk_level": 4},
                 post_ids=("riverside:1001",), places=places, office="街道应急办",
                 created_at=updated, updated_at=updated)


def test_alert_ledger_upserts_by_fingerprint_and_keeps_history(store):
    places = POSTS[0].enrichment.places
    store.put_alert(make_alert(places=places))
    store.put_alert(make_alert(places=places, updated=T0 + timedelta(minutes=5)))
    assert [a.fingerprint for a in store.alerts()] == ["post:riverside:1001"]
    acked = store.set_alert_status("post:riverside:1001", "acknowledged", by="monitor1", note="已派人核实",
                                   at=T0 + timedelta(hours=1))
    assert store.get_alert("post:riverside:1001") == acked
    resolved = store.set_alert_status("post:riverside:1001", "resolved", by="monitor1", note="已关阀")
    assert [(e.action, e.note) for e in resolved.history] == [("acknowledged", "已派人核实"), ("resolved", "已关阀")]
    assert store.get_alert("post:riverside:1001").status == "resolved"
    assert store.get_alert("nothing") is None
    with pytest.raises(KeyError):
        store.set_alert_status("nothing", "resolved", by="x")


def test_alert_queries(store):
    store.put_alert(make_alert("a", "red", T0, POSTS[0].enrichment.places))
    store.put_alert(make_alert("b", "yellow", T0 + timedelta(hours=1), POSTS[4].enrichment.places))
    store.put_alert(make_alert("c", "blue", T0 + timedelta(hours=2)))
    store.set_alert_status("c", "resolved", by="m", at=T0 + timedelta(hours=3))
    assert [a.fingerprint for a in store.alerts()] == ["c", "b", "a"]
    assert [a.fingerprint for a in store.alerts(status="new")] == ["b", "a"]
    assert [a.fingerprint for a in store.alerts(level=["red", "yellow"])] == ["b", "a"]
    assert [a.fingerprint for a in store.alerts(place="330106")] == ["a"]
    assert [a.fingerprint for a in store.alerts(since=T0 + timedelta(minutes=30))] == ["c", "b"]
    assert [a.fingerprint for a in store.alerts(limit=1)] == ["c"]
    with pytest.raises(QueryError, match="unknown level 'purple'"):
        store.alerts(level="purple")


# -- corrections -------------------------------------------------------------------------------
def test_a_correction_is_recorded_and_changes_the_stored_post(filled):
    at = T0 + timedelta(days=11)
    post = filled.correct_post("oldtown:1008", "category", "environment", by="monitor1", note="装修噪音", at=at)
    assert post.enrichment.category == "environment"
    assert post.enrichment.evidence["category"][0] == "corrected by monitor1"
    assert filled.get_post("oldtown:1008").enrichment.category == "environment"
    assert "oldtown:1008" in found(filled, category="environment")
    filled.correct_post("oldtown:1008", "risk", "medium", by="monitor2", at=at + timedelta(minutes=1))
    again = filled.correct_post("oldtown:1008", "category", "neighbor_dispute", by="monitor2", at=at + timedelta(minutes=2))
    assert again.enrichment.evidence["category"].count("corrected by monitor2") == 1
    assert not any(e == "corrected by monitor1" for e in again.enrichment.evidence["category"])
    corrections = filled.corrections()
    assert [(c.field, c.old, c.new, c.by) for c in corrections] == [
        ("category", "neighbor_dispute", "environment", "monitor1"), ("risk", "low", "medium", "monitor2"),
        ("category", "environment", "neighbor_dispute", "monitor2")]
    assert [c.new for c in filled.corrections(since=at + timedelta(minutes=1))] == ["medium", "neighbor_dispute"]
    filled.correct_post("oldtown:1005", "risk", "high", by="monitor1", at=at + timedelta(minutes=3))
    assert filled.corrections(post_id="oldtown:1008") == corrections
    assert [c.post_id for c in filled.corrections(post_id="oldtown:1005")] == ["oldtown:1005"]
    assert [c.post_id for c in filled.corrections(since=at + timedelta(minutes=2), post_id="oldtown:1008")] == \
        ["oldtown:1008"]
    assert filled.count() == len(POSTS)


def test_corrections_are_validated(filled):
    with pytest.raises(KeyError, match="no post"):
        filled.correct_post("nowhere:1", "risk", "high", by="m")
    with pytest.raises(ValueError, match="only category or risk"):
        filled.correct_post("oldtown:1008", "sentiment", "positive", by="m")
    with pytest.raises(ValueError, match="unknown risk 'severe'"):
        filled.correct_post("oldtown:1008", "risk", "severe", by="m")
    assert filled.corrections() == []
