"""The demo behind ``make demo``: start the demo forum, crawl every demo site, show what was collected.

Runs against the embedded defaults (data in ``var/``). Running it again is incremental: only what changed
on the forum since the last run is fetched (the demo forum's clock runs in real time, so a few new replies
may appear between runs).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click
from tqdm import tqdm

from crawlers.demo_forum.launch import demo_forum_process
from crawlers.runner import crawl_site
from crawlers.siteconfig import load_sites

from .settings import Settings

DEMO_SITES = ("riverside", "oldtown", "tieba_hz")


def run_demo(settings: Settings, port: int = 0) -> None:
    with demo_forum_process(port=port) as url:
        click.echo(f"demo forum running at {url}/  (Discuz! UTF-8 /riverside/, GBK /oldtown/, Tieba /tieba/)")
        cfg = settings.model_copy(update={"demo_forum_url": url, "download_delay": 0.1, "sites": list(DEMO_SITES)})
        sites = load_sites(cfg)
        reports = []
        with tqdm(sites, desc="crawling", unit="site") as bar:
            for site in bar:
                bar.set_postfix_str(site.name)
                reports.append(crawl_site(site.name, cfg))
    _print_summary(cfg, reports)


def _print_summary(cfg: Settings, reports) -> None:
    click.echo("")
    click.echo(f"{'site':10} {'pages':>6} {'posts read':>10} {'new':>6} {'errors':>6} {'seconds':>8}")
    for r in reports:
        s = r.stats
        if not s:
            click.echo(f"{r.site:10} crawl failed: {r.problem} (log: {r.log_path})")
            continue
        click.echo(f"{r.site:10} {s['pages']:>6} {s['posts']:>10} {s['new_posts']:>6} {s['errors']:>6} {s['duration_s']:>8.1f}")
    posts = list({p["id"]: p for p in _all_posts(cfg.batches_dir)}.values())  # latest version of each post
    click.echo("")
    click.echo(f"{len(posts)} posts collected so far in {cfg.batches_dir}/ (all runs):")
    for (site, board), n in sorted(Counter((p["site"], p["board"]) for p in posts).items()):
        click.echo(f"  {site:10} board {board:6} {n:>5} posts")
    details = Counter()
    for r in reports:
        details.update(r.stats.get("details", {}))
    notes = {
        "floors_deleted": "deleted floors skipped", "posts_truncated": "over-long posts cut",
        "skipped_by_robots": "pages skipped because robots.txt forbids them",
        "boards_skipped_login": "boards skipped for want of a login", "parse_errors": "pages that failed to parse",
        "retry_waits": "waits asked for by the forum (429/503 Retry-After)",
    }
    for key, words in notes.items():
        if details.get(key):
            click.echo(f"  {details[key]:>5} {words}")
    newest = sorted(posts, key=lambda p: p["published_at"], reverse=True)[:5]
    if newest:
        click.echo("\nnewest posts:")
        for p in newest:
            text = p["text"].replace("\n", " ")
            click.echo(f"  {p['published_at'][:16]}  {p['site']:9} 《{p['title'][:24]}》 {text[:40]}")
    click.echo("\nwhere to look:")
    click.echo(f"  batches (JSONL, one per crawl run): {cfg.batches_dir}/<site>/")
    click.echo(f"  crawl statistics: {cfg.batches_dir}/<site>/<run>.stats.json")
    click.echo(f"  crawl logs: {cfg.data_dir}/logs/<site>/")
    click.echo(f"  pages that failed to parse, kept for inspection: {cfg.failed_dir}/<site>/")
    click.echo("  run `make demo` again: the second crawl fetches only what changed.")


def _all_posts(batches_dir: Path):
    for path in sorted(batches_dir.glob("*/*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)
