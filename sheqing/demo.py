"""The demo behind ``make demo``: the demo forum, one full cycle of the main job, and a summary.

Starts the demo forum on a free local port, runs ``sheqing.pipeline.run_cycle`` over the three demo sites
against the embedded defaults (SQLite store ``var/sheqing.sqlite``; e-mails as ``.eml`` files in
``var/outbox/``; the daily brief in ``var/briefs/``), and prints what was collected, how it was labelled,
which alerts were raised and where everything is. Running it again is incremental: only what changed on the
forum is fetched, and only new events are e-mailed.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

import click
from tqdm import tqdm

from crawlers.demo_forum.launch import demo_forum_process

from .labels import ALERT_LEVEL_NAMES, CATEGORY_NAMES
from .pipeline import run_cycle
from .records import RISKS
from .settings import Settings

DEMO_SITES = ("riverside", "oldtown", "tieba_hz")


def demo_settings(settings: Settings, url: str) -> Settings:
    """The demo's settings: its three sites on the local demo forum, Hangzhou as the home area."""
    return settings.model_copy(update={
        "demo_forum_url": url, "download_delay": 0.1, "sites": list(DEMO_SITES),
        "home_area": settings.home_area or "3301",
    })


def run_demo(settings: Settings, port: int = 0) -> None:
    with demo_forum_process(port=port) as url:
        click.echo(f"demo forum running at {url}/  (Discuz! UTF-8 /riverside/, GBK /oldtown/, Tieba /tieba/)")
        cfg = demo_settings(settings, url)
        steps = len(DEMO_SITES) + 1  # each crawl, then enrichment, indexing and alerts
        with tqdm(total=steps, desc="demo cycle", unit="step") as bar:
            def progress(step: str) -> None:
                bar.set_postfix_str(step[:40])
                if step.startswith(("crawling", "evaluating")):
                    bar.update(1)
            report = run_cycle(cfg, progress=progress)
    _print_summary(cfg, report)


def _print_summary(cfg: Settings, report) -> None:
    from indexer.store import open_store

    click.echo("")
    click.echo(f"{'site':10} {'pages':>6} {'posts read':>10} {'new':>6} {'errors':>6} {'seconds':>8}")
    for r in report.crawls:
        s = r.stats
        if not s:
            click.echo(f"{r.site:10} crawl failed: {r.problem} (log: {r.log_path})")
            continue
        click.echo(f"{r.site:10} {s['pages']:>6} {s['posts']:>10} {s['new_posts']:>6} {s['errors']:>6} "
                   f"{s['duration_s']:>8.1f}")
    if report.enrich is not None:
        click.echo(f"\nenriched {report.enrich.posts} new posts; "
                   + (report.index.summary() if report.index is not None else "not indexed"))
    with open_store(cfg) as store:
        total = store.count()
        click.echo(f"\n{total} posts in the store ({cfg.sqlite_path}), by category and risk:")
        click.echo(f"  {_pad('category', 34)}" + "".join(f"{r:>9}" for r in RISKS) + f"{'total':>8}")
        for category, n in store.top(field="category", size=15):
            by_risk = dict(store.top(field="risk", category=category, size=5))
            click.echo(f"  {_pad(CATEGORY_NAMES[category] + ' ' + category, 34)}"
                       + "".join(f"{by_risk.get(r, 0):>9}" for r in RISKS) + f"{n:>8}")
        alerts = store.alerts(limit=1000)
    if report.alerts is not None:
        click.echo(f"\nalerts: {report.alerts.summary()}")
        levels = Counter(a.level for a in alerts)
        click.echo("  " + ", ".join(f"{ALERT_LEVEL_NAMES[lv]} {levels[lv]}" for lv in ("red", "orange", "yellow", "blue")
                                    if levels[lv]))
        for alert in sorted(alerts, key=lambda a: ("red", "orange", "yellow", "blue").index(a.level))[:8]:
            click.echo(f"  [{ALERT_LEVEL_NAMES[alert.level]}] {alert.title}")
    for error in report.errors:
        click.echo(f"problem: {error}")
    click.echo("\nwhere to look:")
    click.echo(f"  alert e-mails (.eml, open with any mail program): {cfg.outbox_path}/")
    if report.brief:
        click.echo(f"  today's brief: {report.brief[1]}")
    click.echo("  the store: .venv/bin/sheqing search 燃气   |   .venv/bin/sheqing alerts list")
    click.echo(f"  crawl batches and logs: {cfg.batches_dir}/<site>/, {cfg.data_dir}/logs/<site>/")
    click.echo(f"  pages that failed to parse, kept for inspection: {cfg.failed_dir}/<site>/")
    click.echo("  run `make demo` again: the second cycle fetches only what changed and e-mails only new events.")


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (Chinese characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def demo_user(settings: Settings) -> tuple[str, str]:
    """The demo's web user ``demo`` (an admin: sees every area), with a password made once and kept in
    ``DATA_DIR/demo-password.txt`` so that every ``make demo`` shows the same one. Only for the demo."""
    import secrets

    from web.auth import User, UsersFile, hash_password

    users = UsersFile(settings.web_users_path)
    path = settings.data_dir / "demo-password.txt"
    if path.exists() and users.get("demo") is not None:
        return "demo", path.read_text(encoding="utf-8").strip()
    password = secrets.token_urlsafe(9)
    users.put(User(name="demo", role="admin", password_hash=hash_password(password)))
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return "demo", password
