"""Request handling for the imitated Baidu Tieba site (``/tieba/``).

Routes: ``f?kw=KW&pn=OFFSET`` (bar list, 50 threads a page), ``p/TID?pn=K`` (thread, 30 floors a page),
``p/totalComment?tid=TID&fid=FID&pn=K`` (楼中楼 JSON) and ``home/main?un=NAME`` (profile).
Deleted floors are left out, so their floor numbers are skipped.
"""

from __future__ import annotations

import math
from datetime import datetime
from html import escape

from . import render_tieba as render
from .model import Board, Post, Site, Thread
from .web import Request, Response, html_response, int_arg

THREADS_PER_PAGE = 50
FLOORS_PER_PAGE = 30


def visible_floors(thread: Thread, now: datetime) -> list[Post]:
    return [post for post in thread.visible_posts(now) if not post.deleted]


def visible_comments(post: Post, now: datetime) -> list:
    return [comment for comment in post.comments if comment.created_at <= now]


def reply_num(floors: list[Post], now: datetime) -> int:
    return len(floors) - 1 + sum(len(visible_comments(post, now)) for post in floors)


class TiebaSite:
    def __init__(self, site: Site):
        self.site = site
        self.bars = {board.kw: board for board in site.boards.values()}

    def not_found(self, text: str = "很抱歉，该贴已被删除。") -> Response:
        return html_response(render.page("贴吧404", "", f'<div class="page404"><h2>{escape(text)}</h2></div>'), status=404)

    def handle(self, request: Request, sub_path: str, now: datetime) -> Response:
        if sub_path == "":
            links = "".join(f'<li><a href="{render.bar_href(kw)}">{escape(kw)}吧</a></li>' for kw in self.bars)
            return html_response(render.page("百度贴吧——全球领先的中文社区", "", f'<ul class="forum_list">{links}</ul>'))
        if sub_path == "f":
            return self.bar_list(request, now)
        if sub_path == "p/totalComment":
            return self.total_comment(request, now)
        if sub_path.startswith("p/") and sub_path[2:].isdigit():
            return self.thread_page(int(sub_path[2:]), request, now)
        if sub_path == "home/main":
            name = escape(request.query.get("un", ""))
            return html_response(render.page(f"{name}的贴吧", "", f'<div class="userinfo_username">{name}</div>'))
        return self.not_found("很抱歉，您要访问的页面不存在。")

    def bar_list(self, request: Request, now: datetime) -> Response:
        board = self.bars.get(request.query.get("kw", "").strip())
        if board is None:
            return self.not_found("抱歉，根据相关法律法规和政策，本吧暂不开放。")
        entries = []
        for thread in board.threads:
            floors = visible_floors(thread, now) if thread.is_visible(now) else []
            if floors:
                entries.append((thread, reply_num(floors, now), floors[-1]))
        entries.sort(key=lambda entry: (entry[2].created_at, entry[0].tid), reverse=True)
        last_pn = max(0, (len(entries) - 1) // THREADS_PER_PAGE * THREADS_PER_PAGE)
        pn = min(max(0, int_arg(request.query, "pn", 0)), last_pn) // THREADS_PER_PAGE * THREADS_PER_PAGE
        shown = entries[pn : pn + THREADS_PER_PAGE]
        return html_response(render.bar_list(board, shown, pn, len(entries), now, THREADS_PER_PAGE))

    def find(self, tid: int | None, now: datetime) -> tuple[Board, Thread] | None:
        found = self.site.find_thread(tid) if tid is not None else None
        if found is None or not found[1].is_visible(now):
            return None
        return found

    def paged(self, thread: Thread, pn: int | None, now: datetime) -> tuple[list[Post], list[Post], int, int]:
        floors = visible_floors(thread, now)
        pages = max(1, math.ceil(len(floors) / FLOORS_PER_PAGE))
        pn = min(max(1, pn or 1), pages)
        return floors, floors[(pn - 1) * FLOORS_PER_PAGE : pn * FLOORS_PER_PAGE], pn, pages

    def thread_page(self, tid: int, request: Request, now: datetime) -> Response:
        found = self.find(tid, now)
        if found is None:
            return self.not_found()
        board, thread = found
        floors, shown, pn, pages = self.paged(thread, int_arg(request.query, "pn", 1), now)
        rows = [(post, len(visible_comments(post, now))) for post in shown]
        return html_response(render.thread_page(board, thread, rows, pn, pages, reply_num(floors, now)))

    def total_comment(self, request: Request, now: datetime) -> Response:
        found = self.find(int_arg(request.query, "tid"), now)
        rows = []
        if found is not None:
            _, shown, _, _ = self.paged(found[1], int_arg(request.query, "pn", 1), now)
            rows = [(post, visible_comments(post, now)) for post in shown]
        thread = found[1] if found else None
        body = render.total_comment(thread, rows).encode("utf-8")
        return Response(200, body, "application/json; charset=utf-8")
