"""Item pipelines: turn parsed floors into validated post records, then write new ones to the run's batch.

``ValidatePipeline``: parsed floor -> ``sheqing.records.Post`` (author name replaced by its keyed hash, text
bounded, deleted and empty floors counted and left out, invalid ones logged with their URL).

``BatchPipeline``: drops posts already delivered unchanged (digest in the crawl state), writes the rest to
the run's batch, and when the spider closes commits the batch file first and then the crawl state, so a
post is never marked as delivered before it is on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from sheqing.records import Post, make_author_key, make_post_id

from sheqing.files import write_json_atomic

from .batches import BatchWriter
from .items import CrawledPage
from .state import CrawlState, ThreadProgress

__all__ = ["ValidatePipeline", "BatchPipeline"]

log = logging.getLogger(__name__)


class ValidatePipeline:
    def __init__(self, crawler):
        self.stats = crawler.stats
        self.secret = bytes.fromhex(crawler.settings["SHEQING_AUTHOR_KEY_HEX"])
        self.max_chars = crawler.settings.getint("SHEQING_MAX_POST_CHARS", 20_000)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: CrawledPage):
        crawled_at = datetime.now(timezone.utc)
        records = []
        for parsed in item.posts:
            if parsed.deleted:
                self.stats.inc_value("sheqing/floors_deleted")
                continue
            if not parsed.text.strip():
                self.stats.inc_value("sheqing/posts_empty")
                continue
            truncated = len(parsed.text) > self.max_chars
            if truncated:
                self.stats.inc_value("sheqing/posts_truncated")
            author = parsed.author_id or parsed.author
            try:
                records.append(
                    Post(
                        id=make_post_id(item.site, parsed.post_id), site=item.site, engine=item.engine,
                        board=item.board, thread_id=item.thread_id, post_id=parsed.post_id, floor=parsed.floor,
                        reply_to=parsed.reply_to, url=item.url, title=item.title,
                        text=parsed.text[: self.max_chars], truncated=truncated,
                        author_key=make_author_key(self.secret, item.site, author),
                        published_at=parsed.published_at, crawled_at=crawled_at,
                        thread_reply_count=item.thread_reply_count,
                    )
                )
            except ValidationError as exc:
                self.stats.inc_value("sheqing/posts_invalid")
                log.error("post %s on %s is invalid and was left out: %s", parsed.post_id, item.url,
                          "; ".join(e["msg"] for e in exc.errors()))
        self.stats.inc_value("sheqing/posts_parsed", len(records))
        return dataclasses.replace(item, posts=tuple(records))


class BatchPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.site = s["SHEQING_SITE"]
        self.run_id = s["SHEQING_RUN_ID"]
        self.state = CrawlState(Path(s["SHEQING_STATE_PATH"]))
        self.writer = BatchWriter(Path(s["SHEQING_BATCHES_DIR"]), self.site, self.run_id)
        self.seen = self.state.seen_digests(self.site)
        self.delivered: dict[tuple[str, str], str] = {}
        self.progress: dict[str, ThreadProgress] = {}
        self.started_at = datetime.now(timezone.utc)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: CrawledPage):
        stats = self.crawler.stats
        for post in item.posts:
            digest = _digest(post)
            if self.seen.get(post.post_id) == digest:
                stats.inc_value("sheqing/posts_unchanged")
                continue
            stats.inc_value("sheqing/posts_new" if post.post_id not in self.seen else "sheqing/posts_edited")
            self.writer.write(post)
            self.seen[post.post_id] = digest
            self.delivered[(post.site, post.post_id)] = digest
        known = self.progress.get(item.thread_id)
        if known is None or item.progress.last_page >= known.last_page:
            self.progress[item.thread_id] = item.progress
        return item

    def close_spider(self):
        stats = self.crawler.stats
        batch = self.writer.commit() if self.writer.count else None
        if batch is None:
            self.writer.discard()
        self.state.commit(list(self.progress.values()), self.delivered)
        self.state.close()
        finished = datetime.now(timezone.utc)
        report = {
            "site": self.site,
            "run_id": self.run_id,
            "batch": str(batch) if batch else None,
            "started_at": self.started_at.isoformat(),
            "finished_at": finished.isoformat(),
            "duration_s": round((finished - self.started_at).total_seconds(), 3),
            "pages": stats.get_value("response_received_count", 0),
            "requests": stats.get_value("downloader/request_count", 0),
            "posts": stats.get_value("sheqing/posts_parsed", 0),
            "new_posts": self.writer.count,
            "errors": stats.get_value("sheqing/parse_errors", 0) + stats.get_value("sheqing/fetch_errors", 0),
            "threads_touched": len(self.progress),
            "details": {k.split("/", 1)[1]: v for k, v in stats.get_stats().items() if k.startswith("sheqing/")},
        }
        write_json_atomic(self.writer.dir / f"{self.run_id}.stats.json", report, indent=2)


def _digest(post: Post) -> str:
    return hashlib.sha1(f"{post.title}\x1f{post.text}".encode("utf-8")).hexdigest()[:16]
