"""Alert runs end to end: real SQLite store, real SMTP server (aiosmtpd), parsed e-mails.

Routing by area, one e-mail per event across runs, growth as an update, quiet hours, the rate limit, a mail
server that is down (nothing lost), and the hostile post shown only as text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest

from alerts.mailer import SmtpMailer, mailer_from_settings
from alerts.routing import Area, QuietHours, Routing, RoutingError, load_routing
from alerts.rules import HotTopicRule, PostRule
from alerts.runner import AlertRunner
from sheqing.settings import Settings
from tests.html_audit import Audit
from tests.indexer.samples import BEISHAN, CST, GONGSHU, XIHU, make_post


DAY = datetime(2024, 3, 10, 12, 0, tzinfo=CST)
NIGHT = DAY.replace(hour=23, minute=30)

ROUTING = Routing(
    default=("duty@office.test",),
    areas=(Area(name="西湖区", district="330106", emails=("xihu@office.test",)),
           Area(name="北山街道", street="北山街道", emails=("beishan@office.test",), min_level="yellow"),
           Area(name="拱墅区", district="拱墅区", emails=("gongshu@office.test",))),
)
URGENT = PostRule(name="urgent", type="post", min_risk="medium", lookback_hours=24)


def gas_leak(n=1, at=DAY - timedelta(hours=1), risk="high", places=(XIHU,), **kw):
    return make_post(n, "riverside", "翠苑小区燃气泄漏", "3号楼燃气泄漏，味道很大，物业不管！", "utilities", risk,
                     "negative", places, at, **kw)


def runner(store, server, **kw):
    return AlertRunner(store, kw.pop("rules", [URGENT]), kw.pop("routing", ROUTING), server.mailer(), **kw)


def recipients(server):
    return sorted(r for m in server.messages for r in m.rcpt_tos)


def test_routing_by_district_street_and_default(store, smtp_server):
    store.upsert_posts([
        gas_leak(1),  # 西湖区 (district) -> xihu
        gas_leak(2, places=(BEISHAN,), risk="medium"),  # 北山街道 in 西湖区 -> xihu and beishan (yellow)
        gas_leak(3, places=(BEISHAN,), risk="low"),  # below the rule
        gas_leak(4, places=(GONGSHU,)),  # -> gongshu
        gas_leak(5, places=()),  # nowhere -> default
    ])
    report = runner(store, smtp_server).run(DAY)
    assert len(report.raised) == 4 and report.sent == 5
    smtp_server.wait_for(5)
    assert recipients(smtp_server) == ["beishan@office.test", "duty@office.test", "gongshu@office.test",
                                       "xihu@office.test", "xihu@office.test"]


def test_blue_alerts_skip_a_street_office_that_wants_yellow_and_above(store, smtp_server):
    store.upsert_posts([gas_leak(1, places=(BEISHAN,), risk="low")])
    rules = [PostRule(name="any", type="post", min_risk="low")]
    runner(store, smtp_server, rules=rules).run(DAY)
    assert recipients(smtp_server) == ["xihu@office.test"]


def test_one_email_per_event_across_runs_and_growth_is_an_update(store, smtp_server):
    store.upsert_posts([gas_leak(1)])
    first = runner(store, smtp_server).run(DAY)
    second = runner(store, smtp_server).run(DAY + timedelta(minutes=15))
    assert (first.sent, second.sent) == (1, 0) and second.raised == [] and second.updated == []
    # two reposts join the event (same near-duplicate group): it doubled, so an update goes out
    store.upsert_posts([gas_leak(n, at=DAY, dup_group="riverside:1001") for n in (2, 3)])
    third = runner(store, smtp_server).run(DAY + timedelta(minutes=30))
    assert third.updated == ["urgent:riverside:t101"] and third.sent == 1
    mails = smtp_server.wait_for(2)
    assert "更新" in mails[1].message["Subject"] and "更新" not in mails[0].message["Subject"]
    alert = store.get_alert("urgent:riverside:t101")
    assert [e.action for e in alert.history] == ["raised", "notified", "updated", "notified"]
    assert alert.numbers["posts"] == 3


def test_overlapping_post_rules_raise_one_alert_per_event(store, smtp_server):
    hazard = PostRule(name="hazard", type="post", min_risk="medium", categories=["utilities"], lookback_hours=24)
    urgent = PostRule(name="urgent-any", type="post", min_risk="high", lookback_hours=24)
    store.upsert_posts([gas_leak(1, risk="medium", topic_id="t-gas"), gas_leak(2, topic_id="t-gas")])
    first = runner(store, smtp_server, rules=[urgent, hazard]).run(DAY)
    # both rules find topic t-gas: the hazard rule sees two posts, the urgent one one; one alert, one e-mail
    assert first.raised == ["hazard:t-gas"] and first.sent == 1
    assert store.get_alert("hazard:t-gas").level == "orange" and store.get_alert("urgent-any:t-gas") is None
    # the next run goes on with the open alert, even when the other rule would now rank first
    store.upsert_posts([gas_leak(n, at=DAY, risk="high", topic_id="t-gas") for n in (3, 4, 5)])
    second = runner(store, smtp_server, rules=[urgent, hazard]).run(DAY + timedelta(minutes=30))
    assert second.raised == [] and second.updated == ["hazard:t-gas"]
    assert store.get_alert("urgent-any:t-gas") is None


def test_a_resolved_event_reopens_only_with_newer_posts(store, smtp_server):
    store.upsert_posts([gas_leak(1)])
    runner(store, smtp_server).run(DAY)
    store.set_alert_status("urgent:riverside:t101", "resolved", by="monitor", note="已关阀", at=DAY + timedelta(minutes=5))
    again = runner(store, smtp_server).run(DAY + timedelta(minutes=30))
    assert again.reopened == [] and again.sent == 0 and store.get_alert("urgent:riverside:t101").status == "resolved"
    store.upsert_posts([gas_leak(2, at=DAY + timedelta(minutes=20), dup_group="riverside:1001")])
    later = runner(store, smtp_server).run(DAY + timedelta(minutes=45))
    assert later.reopened == ["urgent:riverside:t101"] and later.sent == 1
    assert store.get_alert("urgent:riverside:t101").status == "new"


def test_quiet_hours_hold_blue_and_yellow_until_morning_but_not_orange(store, smtp_server):
    store.upsert_posts([gas_leak(1, at=NIGHT - timedelta(hours=1), risk="medium"),
                        gas_leak(2, at=NIGHT - timedelta(hours=1), risk="high", places=(GONGSHU,))])
    quiet = QuietHours.parse("22:00-07:00")
    night = runner(store, smtp_server, quiet=quiet).run(NIGHT)
    assert night.sent == 1 and night.held_quiet == 1
    assert recipients(smtp_server) == ["gongshu@office.test"]
    morning = runner(store, smtp_server, quiet=quiet).run(NIGHT + timedelta(hours=8))  # 07:30
    assert morning.sent == 1 and morning.held_quiet == 0
    assert recipients(smtp_server) == ["gongshu@office.test", "xihu@office.test"]


def test_rate_limit_per_recipient_most_urgent_first(store, smtp_server):
    store.upsert_posts([gas_leak(n, risk="medium") for n in range(1, 5)] + [gas_leak(9, risk="critical")])
    first = runner(store, smtp_server, rate_per_hour=2).run(DAY)
    assert first.sent == 2 and first.held_rate == 3
    assert "红色预警" in smtp_server.wait_for(1)[0].message["Subject"]
    assert runner(store, smtp_server, rate_per_hour=2).run(DAY + timedelta(minutes=30)).sent == 0
    assert runner(store, smtp_server, rate_per_hour=2).run(DAY + timedelta(minutes=61)).sent == 2


def test_a_mail_server_that_is_down_loses_no_alert(store, smtp_server):
    store.upsert_posts([gas_leak(1), gas_leak(2, places=(GONGSHU,))])
    smtp_server.stop()
    down = runner(store, smtp_server).run(DAY)
    assert down.raised and down.sent == 0 and down.failed == 1 and "could not send" in down.errors[0]
    assert all(not a.details["deliveries"] for a in store.alerts())
    smtp_server.start()
    back = runner(store, smtp_server).run(DAY + timedelta(minutes=15))
    assert back.raised == [] and back.sent == 2
    assert recipients(smtp_server) == ["gongshu@office.test", "xihu@office.test"]


def test_a_mail_server_that_refuses_mail_loses_no_alert(store, smtp_server):
    store.upsert_posts([gas_leak(1)])
    smtp_server.refuse(451)
    assert runner(store, smtp_server).run(DAY).failed == 1
    smtp_server.accept()
    assert runner(store, smtp_server).run(DAY + timedelta(minutes=15)).sent == 1


def test_the_hostile_post_is_escaped_in_the_email(store, smtp_server):
    hostile = make_post(7, "oldtown", "<script>alert(1)</script>燃气泄漏",
                        '<img src=x onerror="alert(2)">燃气泄漏了，<script>steal()</script>', "utilities",
                        "high", "negative", (XIHU,), DAY - timedelta(hours=1))
    store.upsert_posts([hostile])
    runner(store, smtp_server).run(DAY)
    message = smtp_server.wait_for(1)[0].message
    html = message.get_body(("html",)).get_content()
    Audit(html).assert_inert()
    assert "&lt;script&gt;" in html and "<script>alert(1)</script>燃气泄漏" in "".join(Audit(html).text)
    assert "<script>alert(1)</script>" in message.get_body(("plain",)).get_content()  # text is text
    assert any(part.get_content_type() == "image/png" for part in message.walk())


def test_settings_build_a_tls_mailer_and_the_outbox(tmp_path, smtp_server_factory):
    server = smtp_server_factory(tls="starttls", auth=True)
    mailer = mailer_from_settings(Settings(data_dir=tmp_path, **server.settings()))
    assert isinstance(mailer, SmtpMailer)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@office.test", "b@office.test", "测试"
    msg.set_content("正文")
    mailer.send(msg)
    assert server.wait_for(1)[0].message["Subject"] == "测试"


def test_hot_topics_go_through_the_ledger_once(store, smtp_server):
    posts = [make_post(i, "riverside", "3号楼电梯", "电梯又坏了", "utilities", "low", "negative", (BEISHAN,),
                       DAY - timedelta(hours=2 * i + 1), topic_id="topic:lift", author=i) for i in range(8)]
    store.upsert_posts(posts)
    rules = [HotTopicRule(name="hot", type="hot_topic", min_posts=8, min_authors=5)]
    assert runner(store, smtp_server, rules=rules).run(DAY).raised == ["hot:topic:lift"]
    assert runner(store, smtp_server, rules=rules).run(DAY + timedelta(hours=1)).raised == []
    assert recipients(smtp_server) == ["beishan@office.test", "xihu@office.test"]


def test_recipients_file_is_validated(tmp_path):
    assert load_routing(Settings().recipients_file).areas
    bad = tmp_path / "r.yaml"
    bad.write_text("areas:\n  - name: x\n    emails: [a@b.c]\n", encoding="utf-8")
    with pytest.raises(RoutingError, match="either a district or a street"):
        load_routing(bad)
    bad.write_text("default: [not-an-address]\n", encoding="utf-8")
    with pytest.raises(RoutingError, match="not an e-mail address"):
        load_routing(bad)
    with pytest.raises(RoutingError, match="cannot read"):
        load_routing(tmp_path / "missing.yaml")
    with pytest.raises(RoutingError, match="expected HH:MM-HH:MM"):
        QuietHours.parse("late")
