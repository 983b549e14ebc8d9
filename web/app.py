"""The application: routes, login, security headers, and ``create_app(settings, store=None)``.

Routes (all but ``/login``, ``/healthz`` and ``/static`` need a login):

    GET  /                      overview                      GET  /search      search (GET form)
    GET  /alerts[?tab=resolved] alert inbox                   GET  /search.csv  the results as CSV
    GET  /alerts/{fingerprint}  one alert                     GET  /topics      hot topics
    POST /alerts/status         acknowledge/resolve/reopen    GET  /topics/{id} one topic
    GET  /posts/{post id}       one post                      POST /corrections correct category or risk
    GET|POST /login, POST /logout, GET /healthz (200 "ok" when the store answers), /static/...

Every response carries a strict Content-Security-Policy (nothing but this site's own files; no script at all
is used), ``nosniff``, ``X-Frame-Options: DENY`` and ``Referrer-Policy: same-origin``; pages are not cached.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from indexer.query import LOCAL_TZ
from indexer.store import Store, StoreError, open_store

from . import inbox, overview, posts, search, topics
from .auth import LoginThrottle, Sessions, UsersFile, authenticate, new_csrf_token, password_tag
from .pages import Page, Site, route, templates

__all__ = ["create_app", "SECURITY_HEADERS"]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "content-security-policy": ("default-src 'self'; script-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
MAX_BODY = 256 * 1024


class SecurityHeaders:
    """ASGI middleware: the security headers on every response, ``no-store`` on everything but static files."""

    def __init__(self, app):
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in names]
                if not static and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- login ----------------------------------------------------------------------------------------
def _safe_next(target: str) -> str:
    """Where to go after login: a path on this site only (never another host)."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _client(page: Page) -> str:
    return page.request.client.host if page.request.client else "?"


def login(page: Page):
    if page.request.method == "GET":
        if page.user is not None:
            return page.redirect(_safe_next(page.arg("next")))
        return page.render("login.html", error="", name="", next=_safe_next(page.arg("next")))
    name, password, target = page.field("name"), (page.form or {}).get("password", ""), page.field("next")
    wait = page.site.throttle.wait(name, _client(page))
    if wait > 0:
        return page.render("login.html", status=429, name=name, next=_safe_next(target),
                           error=f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试。")
    user = authenticate(page.site.users, name, password) if name and password else None
    if user is None:
        page.site.throttle.failed(name, _client(page))
        log.warning("failed login for %r from %s", name[:64], _client(page))
        return page.render("login.html", status=401, name=name, next=_safe_next(target),
                           error="用户名或密码不正确。")
    page.site.throttle.succeeded(name, _client(page))
    log.info("login: %s from %s", user.name, _client(page))
    page.new_session = {"user": user.name, "csrf": new_csrf_token(), "tag": password_tag(user.password_hash)}
    return page.redirect(_safe_next(target))


def logout(page: Page):
    page.new_session = {"csrf": new_csrf_token()}
    return page.redirect("/login")


# -- the application ------------------------------------------------------------------------------
def create_app(settings, store: Store | None = None, *, clock: Callable[[], datetime] | None = None,
               users: UsersFile | None = None, secure_cookies: bool | None = None) -> Starlette:
    """The web page over ``store`` (opened from ``settings`` when not given, and closed with the app).

    ``clock`` gives "now" (tests replay a fixed day); ``secure_cookies`` forces the cookies' Secure flag
    (default: set when the request came over https).
    """
    owned = store is None
    store = store if store is not None else open_store(settings)
    site = Site(store=store, users=users or UsersFile(settings.web_users_path),
                sessions=Sessions(settings.web_key(), settings.web_session_hours), templates=templates(),
                clock=clock or (lambda: datetime.now(LOCAL_TZ)), throttle=LoginThrottle(),
                secure_cookies=secure_cookies, home=settings.home_area)

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(store.count)
        except StoreError as exc:
            log.error("health check: store unavailable: %s", exc)
            return PlainTextResponse("store unavailable", status_code=503)
        return PlainTextResponse("ok")

    async def http_error(request: Request, exc: HTTPException) -> Response:
        titles = {404: ("未找到", "没有这个页面。"), 405: ("不支持", "这个地址不接受这种请求。")}
        title, message = titles.get(exc.status_code, ("请求有误", "请求无法处理。"))
        html = site.templates.get_template("error.html").render(
            user=None, csrf="", now=site.clock(), path=request.url.path, scope=None, title=title, message=message)
        return HTMLResponse(html, status_code=exc.status_code)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        if owned:
            store.close()

    routes = [
        route("/", overview.overview, name="overview"),
        route("/alerts", inbox.inbox, name="alerts"),
        route("/alerts/status", inbox.alert_status, methods=("POST",)),
        route("/alerts/{fingerprint:path}", inbox.alert_page, name="alert"),
        route("/search", search.search, name="search"),
        route("/search.csv", search.export, name="export"),
        route("/topics", topics.topics, name="topics"),
        route("/topics/{topic_id:path}", topics.topic_page, name="topic"),
        route("/posts/{post_id:path}", posts.post_page, name="post"),
        route("/corrections", posts.correct, methods=("POST",)),
        route("/login", login, methods=("GET", "POST"), login=False, name="login"),
        route("/logout", logout, methods=("POST",), login=False),
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error}, lifespan=lifespan,
                    max_body_size=MAX_BODY)
    app.add_middleware(SecurityHeaders)
    app.state.site = site
    return app
