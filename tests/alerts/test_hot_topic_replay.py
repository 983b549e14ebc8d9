"""The shipped hot-topic rule on a replay of a real year: ../shared/data/govmsg/messages_with_votes.csv.

The 4,026 messages (mostly 2019) are enriched by the default model (topics included), stored in SQLite, and
the alert run is replayed once a day at 23:59 local time with the shipped ``hot-topic`` rule. Which issues
it raised and when is written to ``test-artifacts/hot_topics_govmsg.txt`` (and printed). Every alert is
checked against the posts themselves, independently of the store: enough posts from enough distinct authors
inside the rule's window at the moment it fired; no event raised twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from alerts.mailer import OutboxMailer
from alerts.routing import Routing
from alerts.rules import load_rules
from alerts.runner import AlertRunner
from indexer.query import LOCAL_TZ
from nlp.datasets import govmsg_posts
from nlp.enrich import Enricher
from sheqing.settings import Settings

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "hot_topics_govmsg.txt"


def test_hot_topic_rule_on_a_year_of_real_messages(shared_data, store, tmp_path):
    shared_data("govmsg/messages_with_votes.csv")
    posts = list(Enricher().enrich(govmsg_posts(("votes",))))
    store.upsert_posts(posts)
    rule = next(r for r in load_rules(Settings().alert_rules_dir) if r.type == "hot_topic")
    runner = AlertRunner(store, [rule], Routing(default=("duty@office.test",)), OutboxMailer(tmp_path / "outbox"))

    raised: dict[str, datetime] = {}
    lines = [f"rule {rule.name}: at least {rule.min_posts} posts from {rule.min_authors} authors within "
             f"{rule.window_hours:g} hours; replayed daily at 23:59 over {len(posts)} messages"]
    day = datetime(2019, 1, 1, 23, 59, tzinfo=LOCAL_TZ)
    while day < datetime(2020, 2, 1, tzinfo=LOCAL_TZ):
        report = runner.run(day)
        for fingerprint in report.raised + report.updated:
            alert = store.get_alert(fingerprint)
            kind = "raised " if fingerprint in report.raised else "updated"
            lines.append(f"{day:%Y-%m-%d} {kind} {alert.level:<6} {alert.numbers['posts']:>3} posts "
                         f"{alert.numbers['authors']:>3} authors  {alert.title}  [{alert.numbers['keywords']}]")
        for fingerprint in report.raised:
            assert fingerprint not in raised, f"{fingerprint} raised twice"
            raised[fingerprint] = day
        day += timedelta(days=1)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))

    assert raised, "a year of a city's messages should raise at least one hot topic"
    window = timedelta(hours=rule.window_hours)
    for fingerprint, at in raised.items():
        topic_id = fingerprint.removeprefix(f"{rule.name}:")
        members = [p for p in posts if p.enrichment.topic_id == topic_id and at - window <= p.published_at < at]
        assert len(members) >= rule.min_posts, fingerprint
        assert len({p.author_key for p in members}) >= rule.min_authors, fingerprint
    # the year's best-known collective complaint: parking spaces sold bundled with flats at 伊景园滨河苑
    bundled = [fp for fp in raised if any("伊景园" in p.title + p.text
                                           for p in store.get_posts(store.get_alert(fp).post_ids).values())]
    assert bundled and all(raised[fp].strftime("%Y-%m") in ("2019-07", "2019-08") for fp in bundled)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == len(lines) - 1  # one e-mail per raise or update
