"""The alert e-mail: structure, content, escaping of hostile posts, the chart, and a trip through SMTP."""

from __future__ import annotations

import logging
import struct
from datetime import datetime, timedelta, timezone

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from alerts import charts
from alerts.emails import alert_email
from sheqing.labels import LEVEL_COLOURS
from sheqing.records import Alert, PlaceMention
from tests.html_audit import PNG_SIGNATURE, Audit
from tests.indexer.samples import CUIYUAN, XIHU, make_posts


CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 3, 10, 23, 0, tzinfo=CST)
SENDER = "社情监测 <sheqing@example.org>"
HOSTILE_PLACE = PlaceMention(text='<b onmouseover="alert(2)">A3区</b>', kind="anonymised")


@pytest.fixture
def posts():
    by_id = {p.id: p for p in make_posts()}
    gas, hostile = by_id["riverside:1001"], by_id["oldtown:1016"]
    trap = gas.model_copy(update={
        "id": "oldtown:2001", "post_id": "2001", "site": "oldtown", "url": "javascript:alert(1)",
        "title": '<img src=x onerror=alert(1)>燃气味', "text": "燃气" * 300,  # long: the excerpt is cut
        "published_at": datetime(2024, 3, 10, 1, 1, tzinfo=timezone.utc),  # 09:01 in Beijing
    })
    return [gas, hostile, trap]


@pytest.fixture
def alert(posts):
    return Alert(
        fingerprint="spike:utilities:330106", rule="gas_spike", rule_type="spike", level="orange",
        title="西湖区燃气泄漏相关帖子24小时内达12条，为平日的4倍", category="utilities",
        numbers={"count": 12, "baseline_mean": 3.1, "baseline_sd": 1.25, "p_value": 0.00012, "window_hours": 24,
                 "authors": 9, "odd_key": "<i>x</i>"},
        post_ids=tuple(p.id for p in posts) + ("riverside:1002",), places=(XIHU, CUIYUAN, HOSTILE_PLACE),
        office="", created_at=NOW - timedelta(hours=3), updated_at=NOW - timedelta(hours=1),
    )


@pytest.fixture
def trend():
    return [(datetime(2024, 3, 1, tzinfo=CST) + timedelta(days=d), n) for d, n in enumerate([1, 0, 2, 3, 1, 12])]


def parts(msg):
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    return html, text


def build(alert, posts, trend, **kw):
    return alert_email(alert, posts, trend, sender=SENDER, recipient="duty@example.org", now=NOW, **kw)


def test_structure_headers_and_subject(alert, posts, trend):
    msg = build(alert, posts, trend)
    assert msg.get_content_type() == "multipart/alternative"
    first, second = msg.get_payload()
    assert first.get_content_type() == "text/plain"  # plain text first: the fallback
    assert second.get_content_type() == "multipart/related"
    assert [p.get_content_type() for p in second.get_payload()] == ["text/html", "image/png"]
    assert str(msg["Subject"]) == f"[橙色预警] {alert.title}"
    assert msg["X-Sheqing-Fingerprint"] == alert.fingerprint and msg["X-Sheqing-Level"] == "orange"
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@example.org>")
    assert msg["Date"].datetime == NOW
    assert msg["To"] == "duty@example.org" and "sheqing@example.org" in msg["From"]
    update = build(alert, posts, trend, update=True)
    assert str(update["Subject"]) == f"[橙色预警·更新] {alert.title}"
    assert update["Message-ID"] != msg["Message-ID"]
    assert build(alert, posts, trend)["Message-ID"] == msg["Message-ID"]  # same state, same id: no repeats


def test_hostile_posts_only_escaped(alert, posts, trend):
    html, text = parts(build(alert, posts, trend))
    assert "<script" not in html.lower()
    audit = Audit(html)
    audit.assert_inert()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title, shown as text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html  # and the post text
    assert "&lt;img src=x onerror=alert(1)&gt;燃气味" in html
    assert "&lt;b onmouseover=&quot;alert(2)&quot;&gt;A3区&lt;/b&gt;" in html  # a place name
    assert "&lt;i&gt;x&lt;/i&gt;" in html  # an unknown number, shown as it is but escaped
    assert not any(tag in ("img", "b", "i") and "onerror" in str(attrs) for tag, attrs in audit.tags)
    assert "<script>alert(1)</script>" in text  # plain text is not HTML: shown as written


def test_only_http_links(alert, posts, trend):
    html, text = parts(build(alert, posts, trend))
    assert "javascript:" not in html.lower() and "javascript:" not in text.lower()
    assert Audit(html).links() == ["http://forum.test/t/1", "http://forum.test/t/16"]  # the trap is not linked
    html, text = parts(build(alert, posts, trend, web_url="https://sheqing.example.org/"))
    links = Audit(html)
    links.assert_inert()
    assert links.links() == [
        "https://sheqing.example.org/posts/riverside:1001", "https://sheqing.example.org/posts/oldtown:1016",
        "https://sheqing.example.org/posts/oldtown:2001", "https://sheqing.example.org/"]
    assert "https://sheqing.example.org/posts/oldtown:2001" in text


def test_content_html_and_text_say_the_same(alert, posts, trend):
    html, text = parts(build(alert, posts, trend))
    visible = "".join(Audit(html).text)
    assert LEVEL_COLOURS["orange"] in html and "橙色预警" in visible
    for part in (visible, text):
        assert alert.title in part
        for label, value in [("窗口内帖子数", "12"), ("基线均值", "3.1"), ("基线标准差", "1.25"),
                             ("显著性 p 值", "0.00012"), ("统计窗口（小时）", "24"), ("涉及发帖人数（去重）", "9")]:
            assert label in part and value in part, label
        assert "市政/城管" in part  # the office, from the category when the rule names none
        assert "西湖区（浙江省 / 杭州市 / 西湖区）" in part and "翠苑小区" in part
        assert "燃气泄漏" in part and "2024-03-01 09:01" in part
        assert "危急（红）" in part and "水电气暖与公共设施" in part
        assert "2024-03-10 09:01" in part  # a UTC time shown in Beijing time
        assert "另有 1 条" in part  # four evidence ids, three posts given
        assert "燃气" * 99 + "燃…" in part and "燃气" * 101 not in part  # excerpt at most 200 characters


def test_chart_inline_png_referenced_by_cid(alert, posts, trend):
    msg = build(alert, posts, trend)
    html, _ = parts(msg)
    [image] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert image.get_content_disposition() == "inline"
    png = image.get_content()
    assert png.startswith(PNG_SIGNATURE)
    assert struct.unpack(">II", png[16:24]) == (600, 240)
    assert len(png) < 60_000


def test_no_trend_no_chart(alert, posts):
    msg = build(alert, posts, [])
    assert not any(p.get_content_type() == "image/png" for p in msg.walk())
    html, _ = parts(msg)
    assert "<img" not in html


def test_yellow_bar_uses_dark_text(alert, posts, trend):
    html, _ = parts(build(alert.model_copy(update={"level": "yellow"}), posts, trend))
    assert f"background:{LEVEL_COLOURS['yellow']};color:#222222" in html


def test_charts_use_a_font_with_chinese_glyphs():
    font = charts.chart_font()
    assert font is not None, "no CJK font found: install fonts-noto-cjk (make does)"
    charmap = FT2Font(font.path).get_charmap()
    assert all(ord(ch) in charmap for ch in "社情帖子数日期燃气泄漏预警")
    assert font_manager.findfont(font_manager.FontProperties(family=font.family), fallback_to_default=False)


def test_charts_small_deterministic_pngs(trend):
    first = charts.trend_png(trend, "燃气泄漏 每日帖子数")
    assert first == charts.trend_png(trend, "燃气泄漏 每日帖子数")
    bars = charts.bars_png([("水电气暖与公共设施", 5), ("社会治安", 2)], "类别")
    empty = charts.trend_png([], "无数据")
    for png in (first, bars, empty):
        assert png.startswith(PNG_SIGNATURE) and struct.unpack(">II", png[16:24]) == (600, 240)
        assert b"Software" not in png


def test_missing_cjk_font_warns_once_and_still_renders(monkeypatch, caplog, trend):
    latin = [e for e in font_manager.fontManager.ttflist if e.name == "DejaVu Sans"]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    charts.chart_font.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="alerts.charts"):
            first = charts.trend_png(trend, "燃气泄漏")
            charts.bars_png([("社会治安", 1)], "类别")
        assert first.startswith(PNG_SIGNATURE)
        warnings = [r for r in caplog.records if r.name == "alerts.charts"]
        assert len(warnings) == 1 and "fonts-noto-cjk" in warnings[0].getMessage()
    finally:
        charts.chart_font.cache_clear()


@pytest.mark.parametrize("smtp_server", [{"tls": "starttls", "auth": True}], indirect=True)
def test_through_a_real_smtp_server(smtp_server, alert, posts, trend):
    smtp_server.mailer().send(build(alert, posts, trend, web_url="https://sheqing.example.org"))
    [mail] = smtp_server.wait_for(1)
    msg = mail.message
    assert mail.rcpt_tos == ["duty@example.org"]
    assert str(msg["Subject"]) == f"[橙色预警] {alert.title}"
    assert msg["X-Sheqing-Fingerprint"] == alert.fingerprint
    html, text = parts(msg)
    Audit(html).assert_inert()
    assert "<script" not in html.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert alert.title in text and "窗口内帖子数：12" in text
    [image] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert f'cid:{image["Content-ID"].strip("<>")}' in html
    assert image.get_content().startswith(PNG_SIGNATURE)


def test_crawled_title_cannot_inject_headers(alert, posts, trend):
    sneaky = alert.model_copy(update={"title": "燃气泄漏\r\nBcc: evil@example.com\n\u202e反转"})
    msg = build(sneaky, posts, trend)
    assert str(msg["Subject"]) == "[橙色预警] 燃气泄漏 Bcc: evil@example.com 反转"
    assert msg["Bcc"] is None
    assert all("\u202e" not in part and "燃气泄漏" in part for part in parts(msg))  # no direction override
