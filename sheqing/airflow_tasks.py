"""What each Airflow task does: one call into the pipeline, with settings from the environment.

The DAG files in ``dags/`` stay thin (schedule, retries, pools, assets) and call these functions from inside
their tasks, so parsing a DAG file imports none of this. Each function builds ``Settings()`` from the
``SHEQING_*`` environment of the worker, does one stage, and returns a small JSON-able summary (the task's
XCom). A stage that did not finish raises, so Airflow retries it; every stage is idempotent (ledger, upserts
by stable id, one delivery record per alert and recipient, one marker per daily brief), so a retried or
cleared task finishes the work without repeating any of it.

- monitor: ``enabled_sites``, ``crawl``, ``enrich``, ``index``, ``send_alerts``. The last three hold the data
  folder's cycle lock (``pipeline.cycle_lock``) while they work: Airflow's ``max_active_runs=1`` already keeps
  the DAG's runs apart, the lock keeps them apart from a ``sheqing run`` / ``sheqing watch`` on the same
  folder (``CycleBusy``: the task is retried later).
- daily brief: ``send_brief``
- retraining: ``export_corrections``, ``train_candidate``, ``evaluate_models``, ``promote_if_not_worse``
- ``evaluation_time(context)``: the ``now`` of a run (the end of its data interval, in Asia/Shanghai)
"""

from __future__ import annotations

import json
import logging
import random
import shutil
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from .files import atomic_file
from .pipeline import current_model_path
from .settings import Settings

__all__ = ["CrawlFailed", "AlertsIncomplete", "evaluation_time", "enabled_sites", "crawl", "enrich", "index",
           "send_alerts", "send_brief", "export_corrections", "train_candidate", "evaluate_models",
           "promote_if_not_worse", "active_model_path", "current_model_path", "not_worse", "fail_for_failed_crawls"]

log = logging.getLogger(__name__)

RETRAIN_SEED = 20261122


class CrawlFailed(RuntimeError):
    """A site's crawl did not finish (the forum is down, the crawl timed out ...): retry later."""


class AlertsIncomplete(RuntimeError):
    """Some alert e-mails failed or a rule broke; what was sent is recorded, the retry sends the rest."""


def evaluation_time(context: Mapping) -> datetime:
    """The ``now`` of a run: the end of its data interval (the scheduled time), else when it was due to run.

    Work is partitioned by the data interval, not by the wall clock, so a retried or cleared task evaluates
    the same moment again (and a replay of an old interval evaluates that interval). Returned in the local
    time zone of the alerts and the brief (Asia/Shanghai).
    """
    from indexer.query import LOCAL_TZ

    moment = context.get("data_interval_end")
    if moment is None:
        run = context.get("dag_run")
        moment = getattr(run, "run_after", None) or datetime.now(timezone.utc)
    return datetime.fromtimestamp(moment.timestamp(), LOCAL_TZ)


# -- sheqing_monitor ---------------------------------------------------------------------------------
def enabled_sites(settings: Settings | None = None) -> list[str]:
    """Names of the sites to crawl (enabled site files, or those named in ``SHEQING_SITES``)."""
    from crawlers.siteconfig import load_sites

    return [site.name for site in load_sites(settings or Settings())]


def crawl(site: str, settings: Settings | None = None) -> dict:
    """Crawl one site in its own subprocess; ``CrawlFailed`` when it did not finish, or read no page at all
    because every request failed (the forum is down): Airflow retries it later.

    A crawl that dies leaves no batch and does not move the site's crawl state, so the retry reads the same
    pages again; a post read twice keeps its stable id and is written once.
    """
    from crawlers.runner import crawl_site

    settings = settings or Settings()
    report = crawl_site(site, settings)
    log.info("crawl %s (log: %s)", report.summary(), report.log_path)
    if not report.ok:
        raise CrawlFailed(f"crawl of {site} failed: {report.problem}; see {report.log_path}")
    stats = report.stats
    if not stats.get("pages") and stats.get("errors"):
        raise CrawlFailed(f"crawl of {site} read no page ({stats['errors']} errors): the forum looks down; "
                          f"see {report.log_path}")
    return {"site": site, "run_id": report.run_id, "batch": str(report.batch) if report.batch else None,
            "pages": stats.get("pages", 0), "posts": stats.get("posts", 0), "new_posts": stats.get("new_posts", 0),
            "errors": stats.get("errors", 0)}


def fail_for_failed_crawls() -> None:
    """Fail the run (no retry) once the other forums are processed, so a forum that failed is seen."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException("a forum could not be crawled (see the failed crawl task); the others were "
                               "processed")


def enrich(settings: Settings | None = None) -> dict:
    """Enrich every crawl batch not yet enriched (whichever run or site left it)."""
    from .pipeline import Ledger, cycle_lock, enrich_pending

    settings = settings or Settings()
    with cycle_lock(settings):
        ledger = Ledger(settings)
        try:
            report = enrich_pending(settings, ledger)
        finally:
            ledger.close()
    return {"batches": report.batches, "posts": report.posts}


def index(settings: Settings | None = None) -> dict:
    """Index every enriched batch not yet indexed; a store that is down raises ``StoreUnavailable``."""
    from indexer.store import open_store

    from .pipeline import Ledger, cycle_lock, index_pending

    settings = settings or Settings()
    with cycle_lock(settings):
        ledger = Ledger(settings)
        try:
            with open_store(settings) as store:
                report = index_pending(settings, store, ledger)
        finally:
            ledger.close()
    return {"written": report.written, "rejected": len(report.rejected), "recovered": report.recovered,
            "waiting": report.waiting}


def send_alerts(now: datetime, settings: Settings | None = None) -> dict:
    """Evaluate the alert rules at ``now`` and send what is due; ``AlertsIncomplete`` if anything failed.

    The alert ledger records each delivery as it happens, so raising after the run loses nothing: the retry
    raises no alert twice and e-mails only the recipients still pending.
    """
    from indexer.store import open_store

    from .pipeline import cycle_lock, run_alerts

    settings = settings or Settings()
    with cycle_lock(settings), open_store(settings) as store:
        report = run_alerts(settings, store, now)
    log.info("alerts at %s: %s", now.isoformat(), report.summary())
    if report.failed or report.errors:
        raise AlertsIncomplete(f"{report.summary()}: " + "; ".join(report.errors))
    return {"now": now.isoformat(), "raised": len(report.raised), "updated": len(report.updated),
            "reopened": len(report.reopened), "sent": report.sent, "held_quiet": report.held_quiet,
            "held_rate": report.held_rate}


# -- sheqing_daily_brief -----------------------------------------------------------------------------
def send_brief(now: datetime, settings: Settings | None = None) -> dict:
    """The brief of ``now``'s day: written as HTML and e-mailed once (a marker file records the send)."""
    from indexer.store import open_store

    from .pipeline import brief_if_due

    settings = settings or Settings()
    with open_store(settings) as store:
        brief, path, sent = brief_if_due(settings, store, now, force=True)
    log.info("brief of %s: %d posts, %s (%s)", now.date(), brief.total, path,
             "e-mailed now" if sent else "already e-mailed, not sent again")
    return {"day": now.date().isoformat(), "posts": brief.total, "html": str(path), "sent": sent}


# -- sheqing_retrain ---------------------------------------------------------------------------------
def models_dir(settings: Settings) -> Path:
    return settings.data_dir / "models"


def active_model_path(settings: Settings) -> Path:
    """Where a promoted model lives: ``DATA_DIR/models/active.skops`` (metadata in ``active.json``)."""
    return models_dir(settings) / "active.skops"


def export_corrections(settings: Settings | None = None) -> dict:
    """Monitors' corrections from the store as the training CSV ``DATA_DIR/models/corrections.csv``."""
    from indexer.store import open_store

    from .pipeline import export_corrections as export

    settings = settings or Settings()
    path = models_dir(settings) / "corrections.csv"
    with open_store(settings) as store:
        n = export(store, path)
    log.info("%d corrected posts exported to %s", n, path)
    return {"path": str(path), "corrections": n}


def train_candidate(corrections_path: str | None, sample: int = 0, settings: Settings | None = None) -> dict:
    """Train a candidate model into ``DATA_DIR/models/candidate.skops`` (never over the model in use).

    Training data: the label files' train split plus the corrections (which replace the labels of the same
    posts), as ``sheqing train --corrections``. ``sample`` > 0 trains on a fixed random sample of that many
    label examples plus every correction: for quick checks and tests; 0 trains on everything (~75 s).
    """
    from nlp.train import train, training_examples

    settings = settings or Settings()
    path = Path(corrections_path) if corrections_path else None
    examples = training_examples(path if path and path.exists() else None)
    if sample and sample > 0:
        fixed = [e for e in examples if e.source == "correction"]
        labelled = [e for e in examples if e.source != "correction"]
        examples = random.Random(RETRAIN_SEED).sample(labelled, min(sample, len(labelled))) + fixed
    out = models_dir(settings) / "candidate.skops"
    log.info("training a candidate on %d examples -> %s", len(examples), out)
    model = train(examples, out)
    return {"path": str(out), "version": model.version_, "examples": len(examples),
            "corrections": sum(e.source == "correction" for e in examples)}


def evaluate_models(candidate_path: str, settings: Settings | None = None) -> dict:
    """Both models on the held-out split (as ``sheqing eval``): the scores that decide the promotion, and for
    each the share of paired bootstrap samples in which the candidate scores lower (``nlp.train.worse_shares``)."""
    from nlp.classify import PostClassifier
    from nlp.datasets import govmsg
    from nlp.train import deciding_scores, format_report, predict_all, report_of, worse_shares

    settings = settings or Settings()
    heldout = govmsg("heldout")
    current = current_model_path(settings)
    texts, labels = [e.text for e in heldout], {}
    out = {"candidate_path": candidate_path, "current_path": str(current)}
    for name, path in (("candidate", Path(candidate_path)), ("current", current)):
        labels[name] = predict_all(PostClassifier.load(path), texts)
        report = report_of(heldout, labels[name])
        log.info("%s model %s on the held-out split:\n%s", name, path, format_report(report))
        out[name] = {key: (None if value is None else float(value)) for key, value in deciding_scores(report).items()}
    out["worse_share"] = worse_shares(heldout, labels["candidate"], labels["current"])
    return out


# A macro-F1 that fell counts only when the candidate scores lower in at least this share of the paired
# bootstrap samples: with 4 positive messages in the held-out split, one more or one fewer found moves
# sentiment macro-F1 by 0.08, and a gate on any fall would keep the monitors' corrections out by chance.
FALL_BEYOND_NOISE = 0.95
STRICT_SCORES = ("high_or_critical_recall",)  # every urgent post counts: any fall refuses


def not_worse(candidate: dict, current: dict, worse_share: dict | None = None) -> tuple[bool, list[str]]:
    """Whether no deciding score of the candidate fell; the ones that fell. High+critical recall falls when
    it is lower at all; a macro-F1 when it is lower and lower in at least ``FALL_BEYOND_NOISE`` of the paired
    bootstrap samples (``worse_share``; a score without one counts as fallen when lower at all)."""
    shares = worse_share or {}
    worse = [key for key, value in current.items()
             if value is not None and (candidate.get(key) is None or candidate[key] < value
                                       and (key in STRICT_SCORES or shares.get(key, 1.0) >= FALL_BEYOND_NOISE))]
    return not worse, worse


def promote_if_not_worse(evaluation: dict, settings: Settings | None = None) -> dict:
    """Make the candidate the active model if no deciding score fell (``not_worse``; a tie promotes: the newest
    corrections win).

    The active model is replaced atomically (copied beside it, then renamed); the one it replaces is kept as
    ``previous.skops``. ``active.json`` holds the candidate's training metadata and both sets of scores; every
    decision is appended to ``retrain.jsonl``.
    """
    settings = settings or Settings()
    promote, fell = not_worse(evaluation["candidate"], evaluation["current"], evaluation.get("worse_share"))
    decision = {"decided_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "promoted": promote,
                "worse": fell, "candidate": evaluation["candidate"], "current": evaluation["current"],
                "worse_share": evaluation.get("worse_share"), "current_path": evaluation["current_path"]}
    folder = models_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    if promote:
        candidate, active = Path(evaluation["candidate_path"]), active_model_path(settings)
        if active.exists() and Path(evaluation["current_path"]) == active:
            _copy_atomically(active, folder / "previous.skops")
            if active.with_suffix(".json").exists():
                _copy_atomically(active.with_suffix(".json"), folder / "previous.json")
        _copy_atomically(candidate, active)
        side = candidate.with_suffix(".json")
        meta = json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}
        meta.update(promoted_at=decision["decided_at"], evaluation={"candidate": evaluation["candidate"],
                                                                    "previous": evaluation["current"]},
                    previous=evaluation["current_path"])
        _write_atomically(active.with_suffix(".json"), json.dumps(meta, ensure_ascii=False, indent=2))
        decision["active_path"] = str(active)
        log.info("promoted %s to %s: no deciding score fell (%s vs %s; share of resamples lower: %s)", candidate,
                 active, evaluation["candidate"], evaluation["current"], evaluation.get("worse_share"))
    else:
        log.info("kept %s: the candidate is worse on %s (%s vs %s; share of resamples lower: %s)",
                 evaluation["current_path"], ", ".join(fell), evaluation["candidate"], evaluation["current"],
                 evaluation.get("worse_share"))
    with open(folder / "retrain.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(decision, ensure_ascii=False) + "\n")
    return decision


def _copy_atomically(source: Path, target: Path) -> None:
    with open(source, "rb") as src, atomic_file(target, binary=True) as out:
        shutil.copyfileobj(src, out)


def _write_atomically(target: Path, text: str) -> None:
    with atomic_file(target) as out:
        out.write(text)
