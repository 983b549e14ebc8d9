"""`sheqing_monitor` end to end with `dag.test()`: the demo forum, a SQLite store, a real SMTP server.

The run's logical date is the demo forum's frozen clock, so the alerts are evaluated at the forum's "now"
(the end of the run's data interval). A second run of the same interval adds no post, no alert and no
e-mail; a run whose e-mails were refused fails at ``send_alerts``, and the retry sends exactly those.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from indexer.sqlite_store import SqliteStore
from tests.indexer.samples import CST

SITE = "riverside"


def batch_ids(data_dir) -> set[str]:
    ids = set()
    for path in (data_dir / "batches").glob("*/*.jsonl"):
        ids.update(json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line)
    return ids


def deliveries(data_dir) -> int:
    """E-mails the alert ledger records as sent (one per alert version and recipient)."""
    with SqliteStore(data_dir / "sheqing.sqlite") as store:
        return sum(len(a.details.get("deliveries", {})) for a in store.alerts(limit=10_000))


def asset_events(run, name: str) -> list[dict]:
    """The ``extra`` of each event the run recorded for the asset called ``name``."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        query = (select(AssetEvent.extra).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                 .where(AssetModel.name == name, AssetEvent.source_run_id == run.run_id))
        return list(session.scalars(query))


def states(run) -> dict[str, str]:
    return {(ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"): ti.state
            for ti in run.get_task_instances()}


@pytest.fixture
def monitor(dagbag):
    return dagbag.dags["sheqing_monitor"]


@pytest.fixture
def env(sheqing_env, forum, smtp_server):
    return sheqing_env(sites=SITE, demo_forum_url=forum.url, smtp_host=smtp_server.host,
                       smtp_port=smtp_server.port, smtp_security="none", smtp_timeout=5)


def test_a_run_crawls_enriches_indexes_and_alerts_and_a_second_run_of_the_interval_adds_nothing(
        monitor, env, forum, smtp_server):
    data_dir = env
    first = monitor.test(logical_date=forum.now())
    assert first.state == "success", states(first)
    assert states(first) == {"list_sites": "success", "crawl[0]": "success", "enrich": "success",
                             "index": "success", "send_alerts": "success", "check_crawls": "skipped"}
    ids = batch_ids(data_dir)
    assert ids
    (crawled,) = asset_events(first, "sheqing_crawl_batches")  # which batch the crawl left, for lineage
    assert crawled["site"] == SITE and crawled["new_posts"] == len(ids) and crawled["batch"].endswith(".jsonl")
    assert len(asset_events(first, "sheqing_posts")) == 1
    with SqliteStore(data_dir / "sheqing.sqlite") as store:
        assert store.count() == len(ids)
        assert store.count(min_risk="high") > 0
        alerts = store.alerts()
    assert alerts
    assert {a.created_at for a in alerts} == {forum.now()}  # evaluated at the end of the run's data interval
    sent = deliveries(data_dir)
    assert sent > 0 and len(smtp_server.wait_for(sent)) == sent == len(smtp_server.messages)

    second = monitor.test(logical_date=forum.now())
    assert second.state == "success", states(second)
    (recrawled,) = asset_events(second, "sheqing_crawl_batches")
    assert recrawled["new_posts"] == 0
    assert batch_ids(data_dir) == ids
    with SqliteStore(data_dir / "sheqing.sqlite") as store:
        assert store.count() == len(ids)
        assert [(a.fingerprint, a.updated_at) for a in store.alerts()] == [(a.fingerprint, a.updated_at)
                                                                              for a in alerts]
    assert len(smtp_server.messages) == sent


def test_refused_e_mails_fail_the_alert_task_and_its_retry_sends_only_those(monitor, env, forum, smtp_server,
                                                                           monkeypatch):
    data_dir = env
    monkeypatch.setattr(monitor.get_task("send_alerts"), "retries", 0)  # fail now, not after the back-off
    smtp_server.refuse(451)
    failed = monitor.test(logical_date=forum.now())
    assert failed.state == "failed"
    assert states(failed)["send_alerts"] == "failed" and states(failed)["index"] == "success"
    assert smtp_server.messages == []
    with SqliteStore(data_dir / "sheqing.sqlite") as store:
        raised = {a.fingerprint for a in store.alerts()}
    assert raised

    smtp_server.accept()
    retried = monitor.test(logical_date=forum.now())  # the same interval again, as a cleared run
    assert retried.state == "success", states(retried)
    delivered = deliveries(data_dir)
    assert delivered > 0 and len(smtp_server.messages) == delivered
    sent_to = [(m.message["Subject"], tuple(m.rcpt_tos)) for m in smtp_server.messages]
    assert len(set(sent_to)) == len(sent_to)  # no e-mail twice
    with SqliteStore(data_dir / "sheqing.sqlite") as store:
        assert {a.fingerprint for a in store.alerts()} == raised

    again = monitor.test(logical_date=forum.now())
    assert again.state == "success"
    assert len(smtp_server.messages) == delivered


def test_a_forum_that_is_down_fails_its_crawl_and_the_run_but_not_the_other_stages(monitor, sheqing_env,
                                                                                  monkeypatch):
    from tests.alerts.smtp_support import free_port

    sheqing_env(sites=SITE, demo_forum_url=f"http://127.0.0.1:{free_port()}", retry_times=0)
    monkeypatch.setattr(monitor.get_task("crawl"), "retries", 0)
    run = monitor.test(logical_date=datetime(2024, 3, 1, 12, 0, tzinfo=CST))
    assert run.state == "failed"
    assert states(run) == {"list_sites": "success", "crawl[0]": "failed", "enrich": "success",
                           "index": "success", "send_alerts": "success", "check_crawls": "failed"}
