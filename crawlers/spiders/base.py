"""What every forum spider shares: incremental planning, fetch time, error handling, failed-page keeping.

A spider only decides what to fetch next. Parsing is done by the engine's pure parser module, validation and
writing by the item pipelines. The plan per thread, from the durable crawl state:

- never seen: read it from page 1;
- read to the end last time and the board list shows the same reply count: skip it;
- otherwise: resume at the last page read last time (it may have gained floors) and follow "next page".

Board lists are sorted by last reply, so list paging stops at the first page on which no (non-pinned) thread
changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from ..items import CrawledPage
from ..parsers.common import LoginRequired, PageParseError, ThreadPage, ThreadSummary
from ..parsers.times import http_date
from ..siteconfig import Board, SiteConfig
from ..state import CrawlState, ThreadProgress

__all__ = ["ForumSpider"]

log = logging.getLogger(__name__)


class ForumSpider(scrapy.Spider):
    parser: ModuleType  # the engine's parser module

    def __init__(self, site: SiteConfig, state_path: str, failed_dir: str, **kwargs):
        super().__init__(name=site.name, **kwargs)
        self.site = site
        self.state = CrawlState(Path(state_path))
        self.failed_dir = Path(failed_dir) / site.name
        self._planned: set[str] = set()
        self._board_pages: dict[str, int] = {}

    # -- what to fetch ---------------------------------------------------------------------------
    async def start(self):
        for board in self.site.boards:
            if board.login and not self.site.login.configured:
                self.logger.warning(
                    "board %s (%s) of %s needs a login and none is configured: skipped "
                    "(set login.username and login.password in the site file, from the environment)",
                    board.id, board.name, self.site.name,
                )
                self.crawler.stats.inc_value("sheqing/boards_skipped_login")
                continue
            for request in self.board_start_requests(board):
                yield request
        readable = {b.id: b for b in self.site.boards if not b.login or self.site.login.configured}
        for known in self.state.unfinished_threads(self.site.name):
            # threads a previous run did not finish (page limit, a page that failed to parse): resume them
            # directly, wherever they now sit in the board list
            if known.board in readable and known.thread_id not in self._planned:
                self._planned.add(known.thread_id)
                yield self.thread_request(readable[known.board], known.thread_id, known.last_page, None)

    def board_start_requests(self, board: Board):
        yield self.board_request(board, self.board_url(board))

    def board_request(self, board: Board, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_board, errback=self.on_error, cb_kwargs={"board": board})

    def parse_board(self, response, board: Board):
        try:
            page = self.parser.parse_board_page(self.page_text(response), response.url, self.fetch_time(response))
        except LoginRequired:
            self.logger.warning("board %s of %s answered 'please log in': skipped", board.id, self.site.name)
            self.crawler.stats.inc_value("sheqing/boards_skipped_login")
            return
        except PageParseError as exc:
            self.keep_failed(response, exc)
            return
        self._board_pages[board.id] = self._board_pages.get(board.id, 0) + 1
        changed = False
        for summary in page.threads:
            start_page = self.plan(summary)
            if start_page is None:
                continue
            changed |= not summary.sticky
            yield self.thread_request(board, summary.thread_id, start_page, summary.reply_count)
        if page.next_page_url and changed and self._board_pages[board.id] < self.site.limits.max_board_pages:
            yield self.board_request(board, page.next_page_url)

    def plan(self, summary: ThreadSummary) -> int | None:
        """The thread page to start reading at, or None when the thread has not changed."""
        if summary.thread_id in self._planned:
            return None
        known = self.state.thread(self.site.name, summary.thread_id)
        if known and known.complete and summary.reply_count is not None and known.reply_count == summary.reply_count:
            return None
        self._planned.add(summary.thread_id)
        return known.last_page if known else 1

    def thread_request(self, board: Board, thread_id: str, page: int, listed_replies: int | None) -> scrapy.Request:
        return scrapy.Request(
            self.thread_url(thread_id, page),
            callback=self.parse_thread,
            errback=self.on_error,
            cb_kwargs={"board": board, "thread_id": thread_id, "page_no": page, "listed_replies": listed_replies},
        )

    def parse_thread(self, response, board: Board, thread_id: str, page_no: int, listed_replies: int | None):
        try:
            page = self.parser.parse_thread_page(self.page_text(response), response.url, self.fetch_time(response))
        except PageParseError as exc:
            self.keep_failed(response, exc)
            # remember where to resume: the next run starts this thread again at the page that failed
            yield self.progress_only(board, thread_id, page_no)
            return
        yield from self.page_items(response.url, board, page, listed_replies)
        if page.next_page_url and page.page < self.site.limits.max_thread_pages:
            yield scrapy.Request(
                page.next_page_url, callback=self.parse_thread, errback=self.on_error,
                cb_kwargs={"board": board, "thread_id": thread_id, "page_no": page.page + 1,
                           "listed_replies": listed_replies},
            )

    def progress_only(self, board: Board, thread_id: str, page_no: int) -> CrawledPage:
        progress = ThreadProgress(self.site.name, board.id, thread_id, page_no, complete=False, reply_count=None)
        return CrawledPage(site=self.site.name, engine=self.site.engine, board=board.id, thread_id=thread_id,
                           title="", url="", posts=(), progress=progress)

    def page_items(self, url: str, board: Board, page: ThreadPage, listed_replies: int | None, extra=()):
        complete = page.next_page_url is None
        progress = ThreadProgress(
            site=self.site.name, board=board.id, thread_id=page.thread_id, last_page=page.page,
            complete=complete, reply_count=listed_replies if complete else None,
        )
        yield CrawledPage(
            site=self.site.name, engine=self.site.engine, board=board.id, thread_id=page.thread_id,
            title=page.title, url=url, posts=page.posts + tuple(extra), progress=progress,
            thread_reply_count=page.reply_count,
        )

    # -- engine specifics ------------------------------------------------------------------------
    def board_url(self, board: Board) -> str:
        raise NotImplementedError

    def thread_url(self, thread_id: str, page: int) -> str:
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------------
    def page_text(self, response) -> str:
        """The page as text: its declared charset, else the site's configured encoding."""
        declared = http_content_type_encoding(response.headers.get(b"Content-Type", b"").decode("latin-1"))
        declared = declared or html_body_declared_encoding(response.body)
        if declared:
            return response.text
        return response.body.decode(self.site.encoding, errors="replace")

    @staticmethod
    def fetch_time(response) -> datetime:
        """The forum's clock (``Date`` header) when it gives one, since relative times are relative to it."""
        return http_date(response.headers.get(b"Date")) or datetime.now(timezone.utc)

    def keep_failed(self, response, exc: Exception) -> None:
        """Log a page that failed to parse and keep it for inspection; the crawl goes on."""
        self.failed_dir.mkdir(parents=True, exist_ok=True)
        stem = hashlib.sha1(response.url.encode("utf-8")).hexdigest()[:16]
        (self.failed_dir / f"{stem}.html").write_bytes(response.body)
        (self.failed_dir / f"{stem}.json").write_text(
            json.dumps({"url": response.url, "status": response.status, "reason": str(exc),
                        "at": datetime.now(timezone.utc).isoformat()}, ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
        self.crawler.stats.inc_value("sheqing/parse_errors")
        self.logger.error("could not parse %s: %s (page kept as %s.html)", response.url, exc, self.failed_dir / stem)

    def on_error(self, failure):
        request = failure.request
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            self.crawler.stats.inc_value("sheqing/skipped_by_robots")
            self.logger.warning("robots.txt of the forum forbids %s: skipped", request.url)
            return
        self.crawler.stats.inc_value("sheqing/fetch_errors")
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        elif failure.check(IgnoreRequest):  # e.g. the page is larger than SHEQING_MAX_PAGE_BYTES
            reason = str(failure.value) or "the response was refused (larger than SHEQING_MAX_PAGE_BYTES?)"
        else:
            reason = failure.getErrorMessage()
        self.logger.error("giving up on %s: %s; it will be tried again next run", request.url, reason)

    def closed(self, reason):
        self.state.close()
