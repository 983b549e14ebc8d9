"""Spider for Discuz! X forums: board lists, thread pages, and the login form for members-only boards."""

from __future__ import annotations

import scrapy

from ..parsers import discuz
from ..siteconfig import Board
from .base import ForumSpider

__all__ = ["DiscuzSpider"]

_LOGIN_URL = "member.php?mod=logging&action=login"


class DiscuzSpider(ForumSpider):
    name = "discuz"
    parser = discuz

    def board_url(self, board: Board) -> str:
        return f"{self.site.base_url}forum.php?mod=forumdisplay&fid={board.id}&page=1"

    def thread_url(self, thread_id: str, page: int) -> str:
        return f"{self.site.base_url}forum.php?mod=viewthread&tid={thread_id}&page={page}"

    def board_start_requests(self, board: Board):
        if not board.login:
            yield self.board_request(board, self.board_url(board))
            return
        # Log in first (each members-only board starts its own login; the session cookie is shared).
        yield scrapy.Request(
            self.site.base_url + _LOGIN_URL, callback=self.submit_login, errback=self.on_error,
            cb_kwargs={"board": board}, dont_filter=True,
        )

    def submit_login(self, response, board: Board):
        form = discuz.parse_login_form(self.page_text(response), response.url)
        if form is None:
            self.logger.error("no login form at %s: board %s skipped", response.url, board.id)
            self.crawler.stats.inc_value("sheqing/boards_skipped_login")
            return
        action, hidden = form
        yield scrapy.FormRequest(
            action, formdata={**hidden, "username": self.site.login.username, "password": self.site.login.password},
            callback=self.after_login, errback=self.on_error, cb_kwargs={"board": board}, dont_filter=True,
        )

    def after_login(self, response, board: Board):
        text = self.page_text(response)
        if "登录失败" in text or discuz.parse_login_form(text, response.url) is not None:
            self.logger.error("login to %s as %r failed: board %s skipped", self.site.name,
                              self.site.login.username, board.id)
            self.crawler.stats.inc_value("sheqing/boards_skipped_login")
            return
        self.logger.info("logged in to %s; reading members-only board %s", self.site.name, board.id)
        yield self.board_request(board, self.board_url(board))
