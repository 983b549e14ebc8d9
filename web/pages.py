"""How a request becomes a page: the session and the user, CSRF on every POST, the view, the template.

A view is a plain function ``view(page: Page) -> Response`` run in a worker thread (the stores block).
``route(path, view)`` wraps it: it reads the signed session cookie (creating one with a fresh CSRF token when
there is none), loads the user, sends a visitor who is not logged in to ``/login``, parses a POST's form and
refuses it (403) unless it carries the session's CSRF token, and turns a refused query (``QueryError``), a
missing page (``NotFound``) and a store that is down into readable pages instead of tracebacks.

Templates are Jinja2 with autoescape on for every template: crawled text only ever reaches a page through
it. The one piece of trusted HTML is a search hit's snippet (escaped by ``indexer.store.snippet`` with only
``<mark>`` tags added), marked safe in ``search.html`` and nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from indexer.query import LOCAL_TZ, QueryError
from indexer.store import Store, StoreError
from sheqing.labels import (
    ALERT_LEVEL_NAMES,
    ALERT_STATUS_NAMES,
    CATEGORY_NAMES,
    LEVEL_BY_RISK,
    LEVEL_COLOURS,
    OFFICES,
    RISK_NAMES,
    SENTIMENT_NAMES,
)
from sheqing.records import ALERT_LEVELS, CATEGORIES, RISKS, SENTIMENTS

from .areas import Scope
from .auth import LoginThrottle, Sessions, User, UsersFile, csrf_ok, new_csrf_token, password_tag

__all__ = ["Site", "Page", "NotFound", "route", "templates", "RISK_COLOURS", "post_path", "alert_path"]

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
RISK_COLOURS = {"none": "#adb5bd", **{risk: LEVEL_COLOURS[level] for risk, level in LEVEL_BY_RISK.items()}}
SENTIMENT_COLOURS = {"negative": "#c92a2a", "neutral": "#868e96", "positive": "#2b8a3e"}
_FORM_LIMITS = {"max_files": 0, "max_fields": 40, "max_part_size": 64 * 1024}


class NotFound(Exception):
    """The page asked for does not exist, or is outside the user's areas (the same answer: 404)."""


@dataclass
class Site:
    """Everything the views share: settings, the store, users, sessions, templates and the clock."""

    store: Store
    users: UsersFile
    sessions: Sessions
    templates: jinja2.Environment
    clock: Callable[[], datetime]
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    secure_cookies: bool | None = None  # None: Secure when the request came over https
    home: str = ""  # the home area's code prefix (``SHEQING_HOME_AREA``): short district names in searches


@dataclass
class Page:
    """One request as a view sees it."""

    request: Request
    site: Site
    session: dict
    user: User | None
    form: dict | None = None
    new_session: dict | None = None  # set by a view to replace the session (login, logout)
    now: datetime = field(default_factory=lambda: datetime.now(LOCAL_TZ))

    @property
    def store(self) -> Store:
        return self.site.store

    @property
    def scope(self) -> Scope:
        return Scope.of(self.user, self.site.home)

    def arg(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default).strip()

    def field(self, name: str, default: str = "") -> str:
        value = (self.form or {}).get(name, default)
        return value.strip() if isinstance(value, str) else default

    def render(self, template: str, status: int = 200, **context) -> HTMLResponse:
        session = self.new_session or self.session
        html = self.site.templates.get_template(template).render(
            user=self.user, csrf=session.get("csrf", ""), now=self.now, path=self.request.url.path,
            scope=self.scope if self.user else None, **context)
        return HTMLResponse(html, status_code=status)

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)


def _error(page: Page, status: int, title: str, message: str) -> HTMLResponse:
    return page.render("error.html", status=status, title=title, message=message)


def route(path: str, view: Callable[[Page], Response], *, methods=("GET",), login: bool = True,
          name: str | None = None) -> Route:
    """A Starlette route running ``view`` with the session, login and CSRF checks described above."""

    async def endpoint(request: Request) -> Response:
        site: Site = request.app.state.site
        session = site.sessions.load(request.cookies.get(site.sessions.cookie))
        fresh = session is None
        if fresh:
            session = {"csrf": new_csrf_token()}
        user = _session_user(site, session)
        page = Page(request=request, site=site, session=session, user=user, now=site.clock())
        if request.method == "POST":
            form = await request.form(**_FORM_LIMITS)
            page.form = {k: v for k, v in form.items() if isinstance(v, str)}
            if fresh or not csrf_ok(page.form.get("csrf"), session.get("csrf")):
                response = _error(page, 403, "请求已失效",
                                  "表单已过期或来源不明（CSRF 校验失败）。请返回上一页刷新后重试。")
                return _with_session(site, request, response, page.session if fresh else None)
        if login and user is None:
            if request.method != "GET":
                response = _error(page, 403, "请先登录", "登录已过期，请重新登录。")
            else:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
            return _with_session(site, request, response, session if fresh else None)
        try:
            response = await run_in_threadpool(view, page)
        except NotFound:
            response = _error(page, 404, "未找到", "没有这个页面，或它不在您的辖区内。")
        except QueryError as exc:
            response = _error(page, 400, "无法查询", str(exc))
        except StoreError as exc:
            log.error("store error on %s: %s", request.url.path, exc)
            response = _error(page, 503, "暂时无法访问数据", "存储服务暂时不可用，请稍后刷新。")
        except Exception:  # a bug: logged with its traceback, the user gets a page without it
            log.exception("error on %s %s", request.method, request.url.path)
            response = _error(page, 500, "出错了", "页面出错，已记录。请稍后再试，或联系管理员。")
        return _with_session(site, request, response, page.new_session or (session if fresh else None))

    return Route(path, endpoint, methods=list(methods), name=name)


def _session_user(site: Site, session: dict) -> User | None:
    user = site.users.get(session.get("user"))
    if user is None or session.get("tag") != password_tag(user.password_hash):
        return None  # removed, or the password changed since this login
    return user


def _with_session(site: Site, request: Request, response: Response, session: dict | None) -> Response:
    if session is not None:
        secure = site.secure_cookies if site.secure_cookies is not None else request.url.scheme == "https"
        response.set_cookie(site.sessions.cookie, site.sessions.dump(session), max_age=site.sessions.max_age,
                            path="/", httponly=True, samesite="lax", secure=secure)
    return response


# -- templates ------------------------------------------------------------------------------------
def post_path(post_id: str) -> str:
    return "/posts/" + quote(post_id, safe=":")


def alert_path(fingerprint: str) -> str:
    return "/alerts/" + quote(fingerprint, safe=":")


def _local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def _change(now: int, before: int) -> str:
    if now == before:
        return "持平"
    if before == 0:
        return f"+{now}"
    return f"{now - before:+d}（{(now - before) / before:+.0%}）"


def _query(params: dict, **changes) -> str:
    """A query string from ``params`` with ``changes`` (None removes a key); empty values left out."""
    merged = {**params, **changes}
    return urlencode([(k, v) for k, v in merged.items() if v not in (None, "")], doseq=True)


def templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        local=_local, category=lambda c: CATEGORY_NAMES.get(c, c or "—"), risk=lambda r: RISK_NAMES.get(r, r),
        sentiment=lambda s: SENTIMENT_NAMES.get(s, s), level=lambda v: ALERT_LEVEL_NAMES.get(v, v),
        status=lambda s: ALERT_STATUS_NAMES.get(s, s), post_path=post_path, alert_path=alert_path,
        percent=lambda v: f"{v:.0%}", num=lambda v: f"{v:,}",
    )
    env.globals.update(
        CATEGORIES=CATEGORIES, RISKS=RISKS, SENTIMENTS=SENTIMENTS, ALERT_LEVELS=ALERT_LEVELS,
        CATEGORY_NAMES=CATEGORY_NAMES, RISK_NAMES=RISK_NAMES, SENTIMENT_NAMES=SENTIMENT_NAMES,
        ALERT_LEVEL_NAMES=ALERT_LEVEL_NAMES, LEVEL_COLOURS=LEVEL_COLOURS, RISK_COLOURS=RISK_COLOURS,
        LEVEL_BY_RISK=LEVEL_BY_RISK, OFFICES=OFFICES, change=_change, query=_query,
    )
    return env
