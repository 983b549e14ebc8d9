"""`sheqing_daily_brief` with `dag.test()`: the brief of the scheduled morning is e-mailed once, not twice."""

from __future__ import annotations

from datetime import datetime

from indexer.sqlite_store import SqliteStore
from tests.indexer.samples import CST, make_posts

MORNING = datetime(2024, 3, 3, 8, 0, tzinfo=CST)


def test_the_morning_brief_is_e_mailed_once_per_day(dagbag, sheqing_env, smtp_server):
    data_dir = sheqing_env(smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_security="none",
                           smtp_timeout=5)
    data_dir.mkdir(parents=True)
    with SqliteStore(data_dir / "sheqing.sqlite") as store:
        store.upsert_posts(make_posts())
    brief = dagbag.dags["sheqing_daily_brief"]

    first = brief.test(logical_date=MORNING)
    assert first.state == "success"
    (mail,) = smtp_server.wait_for(1)
    # the brief of the scheduled morning, not of the wall clock
    assert mail.message["Subject"] == "社情日报 2024-03-03（截至 08:00）"
    assert sorted(mail.rcpt_tos) == ["director@district-office.example.org", "duty@district-office.example.org"]
    assert (data_dir / "briefs" / "brief-2024-03-03.html").exists()
    assert (data_dir / "briefs" / "brief-2024-03-03.sent").exists()

    second = brief.test(logical_date=MORNING)  # a cleared or retried run of the same morning
    assert second.state == "success"
    assert len(smtp_server.messages) == 1
