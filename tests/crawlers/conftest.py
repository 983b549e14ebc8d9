"""Fixtures for crawler tests: the demo forum as a real HTTP server on 127.0.0.1, and fast crawl settings."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from crawlers.demo_forum.corpus import build_corpus
from crawlers.demo_forum.launch import demo_forum_process
from crawlers.runner import crawl_site
from sheqing.settings import Settings

# A frozen forum clock (speed 0): what is visible depends only on the start and on explicit advances.
START = "2024-03-01T12:00:00+08:00"
SEED = 7
SITE_PREFIX = {"riverside": "riverside", "oldtown": "oldtown", "tieba_hz": "tieba"}


class Forum:
    """A running demo forum and what the tests need to know about it."""

    def __init__(self, url: str):
        self.url = url
        self.corpus = build_corpus(seed=SEED, start=datetime.fromisoformat(START))
        self.minutes_advanced = 0

    def now(self) -> datetime:
        from datetime import timedelta

        return datetime.fromisoformat(START) + timedelta(minutes=self.minutes_advanced)

    def advance(self, minutes: int) -> None:
        req = urllib.request.Request(f"{self.url}/_demo/advance?minutes={minutes}", method="POST")
        urllib.request.urlopen(req).read()
        self.minutes_advanced += minutes

    def log(self) -> list:
        with urllib.request.urlopen(f"{self.url}/_demo/stats") as resp:
            return json.load(resp)["log"]

    def reset_log(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/_demo/reset-stats", method="POST")).read()

    def expected_posts(self, site: str, boards=None) -> dict:
        """post id -> demo post (or comment) that a complete crawl of ``site`` must deliver now."""
        now, prefix = self.now(), SITE_PREFIX[site]
        found = {}
        for board_key, board in self.corpus.sites[prefix].boards.items():
            if boards is not None and str(board_key) not in boards and board.kw not in boards:
                continue
            for thread in board.threads:
                if thread.db_error:
                    continue
                for post in thread.visible_posts(now):
                    if not post.deleted and post.text.strip():
                        found[f"{site}:{post.pid}"] = post
                    for comment in post.comments:
                        if comment.created_at <= now:
                            found[f"{site}:c{comment.cid}"] = comment
        return found


@pytest.fixture
def forum():
    """A fresh demo forum per test (its clock and request log are per test)."""
    with demo_forum_process("--rate-limit", "0", "--seed", str(SEED), "--start", START, "--speed", "0") as url:
        yield Forum(url)


@pytest.fixture
def fast_settings(tmp_path, forum) -> Settings:
    return Settings(data_dir=tmp_path / "var", demo_forum_url=forum.url, download_delay=0, autothrottle=False,
                    concurrency_per_domain=8, retry_max_wait=5, author_secret="test-secret")


def read_batch(report) -> dict:
    if report.batch is None:
        return {}
    with open(report.batch, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == len({r["id"] for r in rows}), "a batch must not hold the same post twice"
    return {r["id"]: r for r in rows}


def crawl(site: str, settings: Settings):
    report = crawl_site(site, settings)
    assert report.ok, f"{report.problem}\n{Path(report.log_path).read_text()[-3000:]}"
    return report
