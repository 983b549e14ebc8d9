"""The daily brief over a real SQLite store filled with the sample posts and a few alerts."""

from __future__ import annotations

import base64
import os
import struct
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from alerts.brief import build_brief
from indexer.sqlite_store import SqliteStore
from sheqing.labels import CATEGORY_NAMES, RISK_NAMES
from sheqing.records import Alert, AlertEvent
from tests.indexer.samples import make_posts

from tests.html_audit import PNG_SIGNATURE, Audit

CST = timezone(timedelta(hours=8))
LAST_DAY = datetime(2024, 3, 11, 0, 0, tzinfo=CST)  # the window holds the last sample day, with the hostile post
WEB = "https://sheqing.example.org"
HOSTILE_ALERT_TITLE = '<script>alert("a")</script>翠苑小区燃气泄漏'


def sample_posts():
    """The samples, with the hostile post in a topic of its own so that it is a hot topic of its day."""
    posts = []
    for post in make_posts():
        if post.id == "oldtown:1016":
            post = post.model_copy(update={"enrichment": post.enrichment.model_copy(update={"topic_id": "t-script"})})
        posts.append(post)
    return posts


def alert(fingerprint, created_at, *, title="燃气泄漏集中投诉", level="orange", history=(), status="new"):
    updated = max([created_at, *(e.at for e in history)])
    return Alert(fingerprint=fingerprint, rule="gas", rule_type="spike", level=level, status=status, title=title,
                 category="utilities", office="燃气公司、街道", created_at=created_at, updated_at=updated,
                 history=(AlertEvent(at=created_at, action="raised"), *history))


def sample_alerts(now):
    day = timedelta(hours=24)
    return [
        alert("opened", now - timedelta(hours=2), title=HOSTILE_ALERT_TITLE, level="red"),
        alert("resolved", now - 3 * day, status="resolved", level="yellow", title="消防通道长期被占",
              history=(AlertEvent(at=now - timedelta(hours=5), action="resolved", by="monitor1", note="已清理"),)),
        alert("old-but-updated", now - 3 * day, level="blue", title="噪音投诉",
              history=(AlertEvent(at=now - timedelta(hours=1), action="updated"),)),
        alert("resolved-before", now - 3 * day, status="resolved", title="电梯困人",
              history=(AlertEvent(at=now - 1.5 * day, action="resolved"),)),
        alert("opened-before", now - 1.5 * day, title="拖欠工资"),
    ]


@pytest.fixture
def store(tmp_path):
    with SqliteStore(tmp_path / "store.sqlite") as store:
        store.install()
        report = store.upsert_posts(sample_posts())
        assert report.written == 16 and not report.rejected
        for a in sample_alerts(LAST_DAY):
            store.put_alert(a)
        yield store


# -- what the brief must say, computed here from the samples --------------------------------------
def posts_between(start, end):
    return [p for p in sample_posts() if start <= p.published_at < end]


def districts(post):
    return {name for place in post.enrichment.places for name, code in zip(place.path, place.path_codes)
            if len(code) == 6}


def expected_change(count, previous):
    if previous == 0:
        return "新" if count else "持平"
    return "持平" if count == previous else f"{'+' if count > previous else '−'}{abs(count - previous)}"


def expected_rows(now):
    day = timedelta(hours=24)
    current, before = posts_between(now - day, now), posts_between(now - 2 * day, now - day)
    tables = {}
    for key, values, name in [
        ("category", lambda p: [p.enrichment.category], CATEGORY_NAMES.get),
        ("risk", lambda p: [p.enrichment.risk], RISK_NAMES.get),
        ("district", lambda p: sorted(districts(p)), str),
    ]:
        now_counts = Counter(v for p in current for v in values(p))
        then_counts = Counter(v for p in before for v in values(p))
        tables[key] = {name(k): (now_counts[k], then_counts[k]) for k in set(now_counts) | set(then_counts)}
    return len(current), len(before), tables


@pytest.mark.parametrize("now", [
    LAST_DAY,
    datetime(2024, 3, 10, 16, 0, tzinfo=timezone.utc),  # the same instant given in UTC
    datetime(2024, 3, 2, 12, 0, tzinfo=CST),
    datetime(2024, 3, 4, 21, 0, tzinfo=CST),
    datetime(2024, 3, 7, 0, 0, tzinfo=CST),
], ids=["last-day", "last-day-utc", "day-2", "day-4", "day-7"])
def test_totals_and_changes_match_the_samples(store, now):
    brief = build_brief(store, now, web_url=WEB)
    total, previous, tables = expected_rows(now)
    assert (brief.total, brief.previous_total) == (total, previous)
    assert f"帖子总数：{total}（前一日 {previous}，{expected_change(total, previous)}）" in brief.text
    for key, expected in tables.items():
        got = {r.name: (r.count, r.previous) for r in brief.tables[key]}
        assert got == expected, key
        for name, (count, before) in expected.items():
            assert f"  {name}：{count}（{expected_change(count, before)}）" in brief.text
            assert f">{name}</td>" in brief.html
    local = now.astimezone(CST)
    assert brief.subject == f"社情日报 {local:%Y-%m-%d}（截至 {local:%H:%M}）"


def test_known_day_in_words(store):
    brief = build_brief(store, LAST_DAY)
    assert brief.subject == "社情日报 2024-03-11（截至 00:00）"
    assert "统计时段：2024-03-10 00:00 至 2024-03-11 00:00（北京时间）" in brief.text
    assert "帖子总数：3（前一日 1，+2）" in brief.text
    assert "  水电气暖与公共设施：2（新）" in brief.text
    assert "  食品药品安全：0（−1）" in brief.text
    assert "  西湖区：0（−1）" in brief.text
    risks = [r.key for r in brief.tables["risk"]]
    assert risks == sorted(risks, key=["none", "low", "medium", "high", "critical"].index, reverse=True)


def test_hot_topics_with_representative_posts(store):
    brief = build_brief(store, datetime(2024, 3, 2, 0, 0, tzinfo=CST), web_url=WEB)
    [topic] = brief.topics
    assert (topic.topic_id, topic.size, topic.post.id) == ("t-gas", 2, "riverside:1001")  # the critical one
    assert topic.places == ("西湖区", "翠苑小区")
    assert "  1. 燃气泄漏（2 条帖子；西湖区、翠苑小区）" in brief.text
    assert f'href="{WEB}/posts/riverside:1001"' in brief.html


def test_hostile_strings_only_escaped(store):
    brief = build_brief(store, LAST_DAY, web_url=WEB)
    [topic] = brief.topics
    assert topic.post.id == "oldtown:1016"
    assert "<script" not in brief.html.lower()
    Audit(brief.html).assert_inert()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in brief.html  # the hot topic's post title
    assert "&lt;script&gt;alert(&quot;a&quot;)&lt;/script&gt;" in brief.html  # the alert's title
    assert "<script>alert(1)</script>" in brief.text


def test_alerts_opened_and_resolved_in_the_window(store):
    brief = build_brief(store, LAST_DAY)
    assert [a.fingerprint for a in brief.opened] == ["opened"]
    assert [a.fingerprint for a in brief.resolved] == ["resolved"]
    assert "新开预警（1）" in brief.text and "已办结预警（1）" in brief.text
    assert "[红色预警]" in brief.text and "燃气公司、街道" in brief.text
    assert "  [黄色预警] 消防通道长期被占（办结于 2024-03-10 19:00）" in brief.text
    for absent in ("噪音投诉", "电梯困人", "拖欠工资"):
        assert absent not in brief.text and absent not in brief.html


def test_charts(store):
    brief = build_brief(store, LAST_DAY)
    assert len(brief.images) == 2
    for cid, png in brief.images.items():
        assert png.startswith(PNG_SIGNATURE) and struct.unpack(">II", png[16:24]) == (600, 240)
        assert f'src="cid:{cid}"' in brief.html


def test_empty_store_still_makes_a_brief(tmp_path):
    with SqliteStore(tmp_path / "empty.sqlite") as empty:
        empty.install()
        brief = build_brief(empty, LAST_DAY)
    assert brief.total == 0 and brief.topics == [] and brief.opened == []
    assert "帖子总数：0（前一日 0，持平）" in brief.text
    Audit(brief.html).assert_inert()


def test_standalone_html_file(store, tmp_path):
    brief = build_brief(store, LAST_DAY, web_url=WEB)
    folder = tmp_path / "briefs"
    path = brief.write_html(folder / "brief-2024-03-11.html")
    assert os.listdir(folder) == ["brief-2024-03-11.html"]  # no temporary file left
    document = path.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in document and "cid:" not in document.replace("img-src data: cid:", "")
    audit = Audit(document)
    audit.assert_inert(image_schemes=("data:image/png;base64,",))
    sources = [attrs["src"] for tag, attrs in audit.tags if tag == "img"]
    assert len(sources) == 2
    for src in sources:
        assert base64.b64decode(src.split(",", 1)[1]) in brief.images.values()
    brief.write_html(path)  # replaced in place
    assert os.listdir(folder) == ["brief-2024-03-11.html"]


def test_email_has_images_and_goes_through_smtp(store, smtp_server):
    brief = build_brief(store, LAST_DAY, web_url=WEB)
    msg = brief.to_email("社情监测 <sheqing@example.org>", ["a@example.org", "b@example.org"])
    smtp_server.mailer().send(msg)
    [mail] = smtp_server.wait_for(1)
    assert sorted(mail.rcpt_tos) == ["a@example.org", "b@example.org"]
    received = mail.message
    assert str(received["Subject"]) == "社情日报 2024-03-11（截至 00:00）"
    assert received.get_content_type() == "multipart/alternative"
    html = received.get_body(("html",)).get_content()
    text = received.get_body(("plain",)).get_content()
    assert text == brief.text and "<script" not in html.lower()
    images = [p for p in received.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 2
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html and image.get_content() == brief.images[cid]
