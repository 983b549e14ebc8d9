"""Spider for Baidu Tieba bars: bar lists, thread pages, and each page's 楼中楼 comments (JSON)."""

from __future__ import annotations

from urllib.parse import quote

import scrapy

from ..parsers import tieba
from ..parsers.common import PageParseError
from ..siteconfig import Board
from .base import ForumSpider

__all__ = ["TiebaSpider"]


class TiebaSpider(ForumSpider):
    name = "tieba"
    parser = tieba

    def board_url(self, board: Board) -> str:
        return f"{self.site.base_url}f?kw={quote(board.id)}&ie=utf-8&pn=0"

    def thread_url(self, thread_id: str, page: int) -> str:
        return f"{self.site.base_url}p/{thread_id}?pn={page}"

    def page_items(self, url, board, page, listed_replies, extra=()):
        """Fetch the page's 楼中楼 comments first, then yield the page with them."""
        yield scrapy.Request(
            tieba.comment_url(url, page.thread_id, page.page),
            callback=self.with_comments, errback=self.comments_failed,
            cb_kwargs={"board": board, "page": page, "listed_replies": listed_replies, "page_url": url},
        )

    def with_comments(self, response, board, page, listed_replies, page_url):
        try:
            comments = tieba.parse_comments(response.text, response.url, self.fetch_time(response))
        except PageParseError as exc:
            self.keep_failed(response, exc)
            comments = []
        yield from super().page_items(page_url, board, page, listed_replies, extra=comments)

    def comments_failed(self, failure):
        """Comments could not be fetched: keep the floors, note the loss, and go on."""
        self.on_error(failure)
        kw = failure.request.cb_kwargs
        yield from super().page_items(kw["page_url"], kw["board"], kw["page"], kw["listed_replies"])

