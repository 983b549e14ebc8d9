"""`sheqing run`: a full cycle against the demo forum, repeated, and interrupted half-way.

Real parts only: the demo forum over HTTP, crawls in subprocesses, the default model, a SQLite store, the
outbox of .eml files. A cycle that dies (a store that cannot be opened; a crash between stages) is finished
by the next one without duplicate posts or e-mails.
"""

from __future__ import annotations

import json

import pytest

from indexer.sqlite_store import SqliteStore
from sheqing.pipeline import Ledger, enrich_pending, run_cycle

SITES = ["riverside", "tieba_hz"]


@pytest.fixture
def settings(fast_settings):
    return fast_settings.model_copy(update={"sites": SITES, "quiet_hours": "", "home_area": "3301"})


def batch_ids(settings) -> set[str]:
    ids = set()
    for path in settings.batches_dir.glob("*/*.jsonl"):
        ids.update(json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line)
    return ids


def outbox(settings) -> list:
    return sorted(settings.outbox_path.glob("*.eml"))


def test_a_cycle_crawls_enriches_indexes_and_alerts_and_a_second_adds_nothing(settings, forum):
    first = run_cycle(settings, forum.now())
    assert first.ok, first.errors
    assert [r.site for r in first.crawls] == SITES and all(r.ok for r in first.crawls)
    ids = batch_ids(settings)
    assert first.enrich.posts == len(ids) and first.index.written == len(ids)
    with SqliteStore(settings.sqlite_path) as store:
        assert store.count() == len(ids)
        assert store.count(min_risk="high") > 0
        alerts = store.alerts()
    assert first.alerts.raised and len(alerts) == len(first.alerts.raised)
    brief, path, sent = first.brief
    assert path.exists() and sent and brief.total > 0
    mails = outbox(settings)
    assert len(mails) == first.alerts.sent + 1 and first.alerts.sent > 0  # the alerts and the brief

    second = run_cycle(settings, forum.now())
    assert second.ok, second.errors
    assert sum(r.stats.get("new_posts", 0) for r in second.crawls) == 0
    assert second.index.written == 0 and second.alerts.raised == [] and second.alerts.sent == 0
    assert second.brief is None  # today's brief went out already
    assert outbox(settings) == mails
    with SqliteStore(settings.sqlite_path) as store:
        assert store.count() == len(ids)


def test_a_store_that_cannot_be_opened_leaves_batches_pending_for_the_next_cycle(settings, forum, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    broken = settings.model_copy(update={"store_path": blocker / "store.sqlite"})
    first = run_cycle(broken, forum.now())
    assert any("store" in e and "cannot open" in e for e in first.errors)
    assert first.enrich.posts > 0 and first.index is None
    assert Ledger(settings).counts()["indexed"] == 0

    second = run_cycle(settings, forum.now(), crawl=False)
    assert second.ok, second.errors
    ids = batch_ids(settings)
    assert second.enrich.posts == 0 and second.index.written == len(ids)
    with SqliteStore(settings.sqlite_path) as store:
        assert store.count() == len(ids)


def test_a_crash_between_enrichment_and_its_record_is_harmless(settings, forum, monkeypatch):
    from sheqing.pipeline import crawl_sites

    crawl_sites(settings)
    ledger = Ledger(settings)

    def crash(*args):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(ledger, "enriched", crash)
    with pytest.raises(KeyboardInterrupt):
        enrich_pending(settings, ledger)  # the enriched file and the NLP state are written, the record is not
    ledger.close()
    monkeypatch.undo()

    report = run_cycle(settings, forum.now(), crawl=False)  # enriches that batch again, same ids
    assert report.ok, report.errors
    ids = batch_ids(settings)
    with SqliteStore(settings.sqlite_path) as store:
        assert store.count() == len(ids)
        groups = {p.id: p.enrichment.dup_group for p in store.get_posts(sorted(ids)).values()}
    assert all(group in ids for group in groups.values())
