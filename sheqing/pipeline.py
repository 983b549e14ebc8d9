"""The whole job, one stage at a time: crawl → enrich → index → alerts (→ the daily brief when due).

Each stage reads what the previous one left on disk and records what it finished in a small ledger
(``DATA_DIR/pipeline.sqlite``, one row per crawl batch), so a cycle that dies half-way is finished by the
next one, and repeating a stage adds nothing:

- ``crawl_sites``: one subprocess per site (``crawlers.runner.crawl_site``); each run leaves a batch file
  ``batches/SITE/RUN.jsonl`` (or nothing, if it died: the crawl state is committed only after the batch).
- ``enrich_pending``: every crawl batch not yet enriched, oldest first, through one ``Enricher`` whose
  near-duplicate and topic state lives in ``DATA_DIR/nlp/``; the result is ``enriched/SITE/RUN.jsonl``
  (written whole, then renamed). Re-enriching a batch gives the same posts the same groups and topics (both
  keep a post id they have seen).
- ``index_pending``: every enriched batch not yet indexed, into the store (``indexer.writer.index_posts``:
  refused posts wait in the dead-letter file). A store that is down raises ``StoreUnavailable`` and the
  batch stays pending.
- ``run_alerts`` and ``brief_if_due``: the alert run and, past ``SHEQING_BRIEF_TIME``, the day's brief.

``run_cycle`` chains them for ``sheqing run`` / ``sheqing watch``; the Airflow DAGs call the stages one by
one. Only one cycle should run at a time per data folder: ``cycle_lock`` takes a lock file for it.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .files import atomic_file
from .records import EnrichedPost, Post
from .settings import Settings

__all__ = ["Ledger", "CycleReport", "crawl_sites", "enrich_pending", "index_pending", "run_alerts",
           "brief_if_due", "run_cycle", "cycle_lock", "CycleBusy", "export_corrections", "current_model_path",
           "make_enricher"]

log = logging.getLogger(__name__)


class CycleBusy(RuntimeError):
    """Another cycle holds the lock of this data folder."""


class Ledger:
    """Which crawl batches each stage has finished: ``DATA_DIR/pipeline.sqlite``."""

    def __init__(self, settings: Settings):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.root = settings.data_dir
        self._db = sqlite3.connect(settings.data_dir / "pipeline.sqlite", timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS batches (batch TEXT PRIMARY KEY, site TEXT NOT NULL, posts INTEGER, "
            "enriched TEXT, enriched_at TEXT, indexed_at TEXT)")

    def close(self) -> None:
        self._db.close()

    def _key(self, path: Path) -> str:
        return str(Path(path).resolve().relative_to(self.root.resolve()))

    def to_enrich(self, batches_dir: Path) -> list[Path]:
        done = {row[0] for row in self._db.execute("SELECT batch FROM batches WHERE enriched_at IS NOT NULL")}
        found = [p for p in batches_dir.glob("*/*.jsonl") if self._key(p) not in done]
        return sorted(found, key=lambda p: (p.stem, p.parent.name))  # run ids are UTC timestamps: oldest first

    def enriched(self, batch: Path, output: Path, posts: int) -> None:
        self._db.execute(
            "INSERT INTO batches (batch, site, posts, enriched, enriched_at) VALUES (?,?,?,?,?) "
            "ON CONFLICT (batch) DO UPDATE SET posts = excluded.posts, enriched = excluded.enriched, "
            "enriched_at = excluded.enriched_at",
            (self._key(batch), batch.parent.name, posts, self._key(output), _now()))

    def to_index(self) -> list[Path]:
        rows = self._db.execute("SELECT enriched FROM batches WHERE enriched_at IS NOT NULL AND indexed_at IS NULL "
                                "ORDER BY enriched_at, batch")
        return [self.root / row[0] for row in rows]

    def indexed(self, enriched: Path) -> None:
        self._db.execute("UPDATE batches SET indexed_at = ? WHERE enriched = ?", (_now(), self._key(enriched)))

    def counts(self) -> dict[str, int]:
        row = self._db.execute("SELECT count(*), count(enriched_at), count(indexed_at) FROM batches").fetchone()
        return {"batches": row[0], "enriched": row[1], "indexed": row[2]}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


@contextmanager
def cycle_lock(settings: Settings) -> Iterator[None]:
    """Hold ``DATA_DIR/cycle.lock`` for one cycle; ``CycleBusy`` if another process holds it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / "cycle.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CycleBusy(f"another cycle is running on {settings.data_dir} (cycle.lock is held)") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def crawl_sites(settings: Settings, sites: list[str] | None = None, progress=None):
    """Crawl each enabled site (or ``sites``) in its own subprocess; a failed site does not stop the others."""
    from crawlers.runner import crawl_site
    from crawlers.siteconfig import load_sites

    names = sites or [s.name for s in load_sites(settings)]
    reports = []
    for name in names:
        if progress:
            progress(f"crawling {name}")
        report = crawl_site(name, settings)
        log.info("crawl %s", report.summary())
        reports.append(report)
    return reports


def _read_posts(path: Path, model):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield model.model_validate_json(line)


def _write_jsonl(path: Path, records) -> int:
    n = 0
    with atomic_file(path) as fh:
        for record in records:
            fh.write(record.model_dump_json() + "\n")
            n += 1
    return n


@dataclass
class EnrichReport:
    batches: int = 0
    posts: int = 0


def current_model_path(settings: Settings) -> Path:
    """The model enrichment uses: one promoted by retraining (``DATA_DIR/models/active.skops``, see the
    retraining DAG), else the model shipped with the project."""
    from nlp.classify import DEFAULT_MODEL_PATH

    promoted = settings.data_dir / "models" / "active.skops"
    return promoted if promoted.exists() else DEFAULT_MODEL_PATH


def make_enricher(settings: Settings):
    """The enricher of the model in use (``current_model_path``). A promoted model that cannot be read (a damaged
    or foreign file) is reported and the shipped model enriches instead: alerts keep coming, and each post
    names the model that labelled it (``model_version``)."""
    from nlp.classify import DEFAULT_MODEL_PATH, PostClassifier
    from nlp.enrich import Enricher

    heads = None
    if settings.transformer_dir:
        from nlp.transformer import load_heads

        heads = load_heads(settings.transformer_dir)
    path = current_model_path(settings)
    try:
        model = PostClassifier.load(path)
    except ValueError as exc:
        if path == DEFAULT_MODEL_PATH:
            raise
        log.error("cannot read the promoted model: %s; enriching with the shipped model %s until it is "
                  "replaced (retrain, or delete it)", exc, DEFAULT_MODEL_PATH)
        model = PostClassifier.load(DEFAULT_MODEL_PATH)
    return Enricher(model, state_dir=settings.data_dir / "nlp", home=settings.home_area or None,
                    transformer_heads=heads)


def enrich_pending(settings: Settings, ledger: Ledger, enricher=None, progress=None) -> EnrichReport:
    """Enrich every crawl batch not yet enriched, oldest first; the NLP state is saved after each batch."""
    report = EnrichReport()
    pending = ledger.to_enrich(settings.batches_dir)
    if not pending:
        return report
    if enricher is None:
        enricher = make_enricher(settings)
        enricher.warm_up()  # loads everything once and freezes it out of the garbage collector's way
    for batch in pending:
        if progress:
            progress(f"enriching {batch.parent.name}/{batch.name}")
        output = settings.data_dir / "enriched" / batch.parent.name / batch.name
        n = _write_jsonl(output, enricher.enrich(_read_posts(batch, Post)))
        enricher.save_state()  # before the ledger: a crash in between re-enriches to the same result
        ledger.enriched(batch, output, n)
        report.batches += 1
        report.posts += n
    log.info("enriched %d posts from %d batches", report.posts, report.batches)
    return report


def index_pending(settings: Settings, store, ledger: Ledger, progress=None):
    """Index every enriched batch not yet indexed (and retry refused posts); ``StoreUnavailable`` stops it."""
    from indexer.writer import IndexReport, index_posts

    total = IndexReport()
    pending = ledger.to_index()
    for path in pending or [None]:  # with nothing pending, one call still retries the dead letters
        if progress and path:
            progress(f"indexing {path.parent.name}/{path.name}")
        posts = _read_posts(path, EnrichedPost) if path else []
        report = index_posts(store, posts, settings.deadletter_dir)
        if path:
            ledger.indexed(path)
        total.written += report.written
        total.rejected += report.rejected
        total.recovered += report.recovered
        total.waiting = report.waiting
    log.info("index: %s", total.summary())
    return total


def run_alerts(settings: Settings, store, now: datetime):
    from alerts.runner import AlertRunner

    return AlertRunner.from_settings(store, settings).run(now)


def brief_if_due(settings: Settings, store, now: datetime, force: bool = False):
    """The day's brief, when due (or ``force``): (brief, html path, e-mailed now) or None."""
    from alerts.brief import brief_due, publish_brief
    from alerts.mailer import mailer_from_settings
    from alerts.routing import load_routing

    briefs_dir = settings.data_dir / "briefs"
    if not force and not brief_due(now, settings.brief_time, briefs_dir):
        return None
    return publish_brief(store, now, briefs_dir=briefs_dir, mailer=mailer_from_settings(settings),
                         sender=settings.mail_from, recipients=load_routing(settings.recipients_file).brief,
                         web_url=settings.web_url)


@dataclass
class CycleReport:
    crawls: list = field(default_factory=list)
    enrich: EnrichReport | None = None
    index: object | None = None
    alerts: object | None = None
    brief: tuple | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def run_cycle(settings: Settings, now: datetime | None = None, *, sites: list[str] | None = None,
              crawl: bool = True, progress=None) -> CycleReport:
    """One full cycle. Failures are reported, not raised: what a stage finished stays finished."""
    from indexer.query import LOCAL_TZ
    from indexer.store import StoreError, open_store

    report = CycleReport()
    with cycle_lock(settings):
        ledger = Ledger(settings)
        try:
            if crawl:
                report.crawls = crawl_sites(settings, sites, progress)
                report.errors += [f"crawl {r.site}: {r.problem}" for r in report.crawls if not r.ok]
            report.enrich = enrich_pending(settings, ledger, progress=progress)
            try:
                with open_store(settings) as store:
                    report.index = index_pending(settings, store, ledger, progress)
                    if progress:
                        progress("evaluating alerts")
                    now = now or datetime.now(LOCAL_TZ)
                    report.alerts = run_alerts(settings, store, now)
                    report.errors += report.alerts.errors
                    report.brief = brief_if_due(settings, store, now)
            except StoreError as exc:
                report.errors.append(f"store: {exc} (pending batches are indexed by the next cycle)")
            except Exception as exc:  # e-mail or rule files: said plainly, the next cycle retries
                log.exception("cycle stopped: %s", exc)
                report.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            ledger.close()
    return report


def export_corrections(store, path: Path) -> int:
    """Monitors' corrections as the training CSV (id, text, category, risk; the latest per post and field)."""
    import csv

    latest: dict[str, dict[str, str]] = {}
    for c in store.corrections():
        latest.setdefault(c.post_id, {})[c.field] = c.new
    posts = store.get_posts(list(latest))
    with atomic_file(path, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "category", "risk"])
        for post_id, fields in latest.items():
            if post_id in posts:
                post = posts[post_id]
                writer.writerow([post_id, f"{post.title}\n{post.text}", fields.get("category", ""),
                                 fields.get("risk", "")])
    return len(latest)
