"""Request handling for one imitated Discuz! X3.4 site (``/riverside/``, ``/oldtown/``, ``/govmsg/``).

Routes: ``forum.php`` (index, ``mod=forumdisplay``, ``mod=viewthread``, ``mod=redirect``),
``member.php?mod=logging`` (login form, login, logout) and ``home.php`` (profile). Decides what is
visible at the clock's time, pages it (20 threads, 10 floors a page) and encodes in the site charset.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from datetime import datetime

from . import render_discuz as render
from .malform import damage_bytes, damage_html
from .model import Board, Site, Thread
from .web import Request, Response, error_page, html_response, int_arg

THREADS_PER_PAGE = 20
FLOORS_PER_PAGE = 10
DEMO_USER, DEMO_PASSWORD = "demo", "demo-pass"
NO_THREAD = "抱歉，指定的主题不存在或已被删除或正在被审核"


class DiscuzSite:
    def __init__(self, site: Site, seed: int = 7):
        self.site = site
        self.formhash = hashlib.sha1(f"{seed}:{site.prefix}:formhash".encode()).hexdigest()[:8]
        self.cookie = f"{site.cookie_prefix}auth"
        self._sessions: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- helpers ---------------------------------------------------------------------------------
    def html(self, text: str, status: int = 200, headers=None) -> Response:
        return html_response(text, self.site.charset, status, headers)

    def user(self, request: Request) -> str | None:
        token = request.cookies.get(self.cookie)
        with self._lock:
            return self._sessions.get(token) if token else None

    def message(self, text: str, now: datetime, kind: str = "alert_info", user=None, headers=None) -> Response:
        return self.html(render.message(self.site, text, now, kind=kind, user=user), headers=headers)

    def thread_or_none(self, tid: int | None, now: datetime) -> tuple[Board, Thread] | None:
        found = self.site.find_thread(tid) if tid is not None else None
        if found is None or not found[1].is_visible(now):
            return None
        return found

    # -- routing ---------------------------------------------------------------------------------
    def handle(self, request: Request, sub_path: str, now: datetime) -> Response:
        user = self.user(request)
        query = request.query
        if sub_path in ("", "index.php", "forum.php"):
            mod = query.get("mod", "")
            if mod == "forumdisplay":
                return self.board_list(request, now, user)
            if mod == "viewthread":
                return self.thread_page(request, now, user)
            if mod == "redirect":
                return self.redirect(request, now)
            return self.index(now, user)
        if sub_path == "member.php":
            return self.member(request, now, user)
        if sub_path == "home.php":
            name = query.get("username") or f"uid {query.get('uid', '')}"
            return self.html(render.space(self.site, name, now))
        return error_page(404, "Not Found")

    def index(self, now: datetime, user) -> Response:
        boards = [(board, sum(1 for t in board.threads if t.is_visible(now))) for board in self.site.boards.values()]
        return self.html(render.forum_index(self.site, boards, now, user))

    def board_list(self, request: Request, now: datetime, user) -> Response:
        board = self.site.boards.get(int_arg(request.query, "fid"))
        if board is None:
            return self.message("抱歉，指定的版块不存在", now, "alert_error", user)
        if board.login_required and not user:
            return self.message("抱歉，您尚未登录，没有权限访问该版块", now)
        entries = []
        for thread in board.threads:
            posts = thread.visible_posts(now)
            if posts:
                entries.append((thread, posts))
        normal = sorted((e for e in entries if not e[0].sticky), key=lambda e: (e[1][-1].created_at, e[0].tid), reverse=True)
        pages = max(1, math.ceil(len(normal) / THREADS_PER_PAGE))
        page_no = min(max(1, int_arg(request.query, "page", 1)), pages)
        shown = normal[(page_no - 1) * THREADS_PER_PAGE : page_no * THREADS_PER_PAGE]

        def row(thread, posts, sticky=False):
            replies = len(posts) - 1
            return render.thread_row(self.site, thread, replies, views(thread, replies), posts[-1].author, posts[-1].created_at, sticky)

        today = sum(1 for _, posts in entries for p in posts if p.created_at.date() == now.date())
        html = render.thread_list(self.site, board, [row(t, p) for t, p in shown],
                                  [row(t, p, True) for t, p in entries if t.sticky], page_no, pages, len(entries),
                                  today, now, user)
        return self.html(html)

    def thread_page(self, request: Request, now: datetime, user) -> Response:
        found = self.thread_or_none(int_arg(request.query, "tid"), now)
        if found is None:
            return self.message(NO_THREAD, now, "alert_error", user)
        board, thread = found
        if board.login_required and not user:
            return self.message("抱歉，您尚未登录，没有权限访问该版块", now)
        if thread.db_error:
            return self.html(render.db_error(self.site))
        posts = thread.visible_posts(now)
        replies = len(posts) - 1
        author = int_arg(request.query, "authorid")
        if author is not None:
            posts = [p for p in posts if p.uid == author]
        pages = max(1, math.ceil(len(posts) / FLOORS_PER_PAGE))
        page_no = min(max(1, int_arg(request.query, "page", 1)), pages)
        floors = posts[(page_no - 1) * FLOORS_PER_PAGE : page_no * FLOORS_PER_PAGE]
        html = render.thread_page(self.site, board, thread, floors, page_no, pages, replies, views(thread, replies), now, user)
        if not thread.malformed:
            return self.html(html)
        response = self.html(damage_html(html))
        response.body = damage_bytes(response.body)
        return response

    def redirect(self, request: Request, now: datetime) -> Response:
        query = request.query
        found = self.thread_or_none(int_arg(query, "tid") or int_arg(query, "ptid"), now)
        if found is None:
            return self.message(NO_THREAD, now, "alert_error")
        thread = found[1]
        posts = thread.visible_posts(now)
        index = len(posts) - 1
        if query.get("goto") == "findpost":
            pid = int_arg(query, "pid")
            index = next((i for i, post in enumerate(posts) if post.pid == pid), index)
        page_no = index // FLOORS_PER_PAGE + 1
        location = f"/{self.site.prefix}/forum.php?mod=viewthread&tid={thread.tid}&page={page_no}#pid{posts[index].pid}"
        response = self.html("", status=302, headers=[("Location", location)])
        return response

    def member(self, request: Request, now: datetime, user) -> Response:
        query = request.query
        if query.get("mod") != "logging":
            return self.message("抱歉，本站暂时关闭注册功能", now, "alert_error", user)
        if query.get("action") == "logout":
            token = request.cookies.get(self.cookie)
            with self._lock:
                self._sessions.pop(token, None)
            expire = f"{self.cookie}=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; path=/{self.site.prefix}/"
            return self.message("您已退出站点，现在将以游客身份转入退出前页面，请稍候……", now, "alert_right",
                                headers=[("Set-Cookie", expire)])
        if request.method != "POST":
            return self.html(render.login_form(self.site, self.formhash, now))
        form = request.form
        if form.get("formhash") != self.formhash:
            return self.message("您当前的访问请求当中含有非法字符，已经被系统拒绝", now, "alert_error")
        if form.get("username") != DEMO_USER or form.get("password") != DEMO_PASSWORD:
            return self.message("登录失败，您还可以尝试 4 次", now, "alert_error")
        token = secrets.token_hex(16)
        with self._lock:
            self._sessions[token] = DEMO_USER
        cookie = f"{self.cookie}={token}; path=/{self.site.prefix}/; HttpOnly"
        return self.message(f"欢迎您回来，{DEMO_USER}，现在将转入登录前页面", now, "alert_right", DEMO_USER,
                            headers=[("Set-Cookie", cookie)])


def views(thread: Thread, replies: int) -> int:
    return thread.base_views + 11 * replies
