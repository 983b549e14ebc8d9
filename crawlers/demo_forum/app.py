"""The demo forum as one request handler: sites by path prefix, robots.txt, rate limit, /_demo/ admin.

``DemoForum.handle(request) -> Response`` holds everything except sockets, so it can be driven in
process (``save_pages``, tests) or by ``server``. ``/_demo/*`` is neither rate limited nor logged.
"""

from __future__ import annotations

import json
import logging
import threading
import time

from .clock import SimClock
from .model import Corpus
from .ratelimit import RateLimiter
from .site_discuz import DiscuzSite
from .site_tieba import TiebaSite
from .web import Request, Response, error_page, html_response

logger = logging.getLogger(__name__)

ROBOTS_TXT = """User-agent: *
Disallow: /_demo/
Disallow: /riverside/home.php
Disallow: /riverside/forum.php?mod=forumdisplay&fid=9
Disallow: /riverside/forum.php?mod=viewthread&tid=9
Disallow: /oldtown/home.php
Disallow: /tieba/home/
"""

LOG_LIMIT = 100_000


class DemoForum:
    def __init__(self, corpus: Corpus, clock: SimClock, rate_limit: float = 20.0, wall=time.time):
        self.corpus = corpus
        self.clock = clock
        self.limiter = RateLimiter(rate_limit) if rate_limit > 0 else None
        self._wall = wall
        self.sites = {prefix: (DiscuzSite(site, corpus.seed) if site.engine == "discuz" else TiebaSite(site))
                      for prefix, site in corpus.sites.items()}
        self._lock = threading.Lock()
        self._requests = 0
        self._log: list[list] = []

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/_demo/"):
            return self.admin(request)
        if self.limiter is not None and not self.limiter.allow(request.client):
            if request.path.startswith("/tieba/"):
                response = error_page(503, "Service Temporarily Unavailable")
            else:
                response = error_page(429, "Too Many Requests")
            response.headers.append(("Retry-After", "1"))
        else:
            try:
                response = self.route(request)
            except Exception:  # a bug in the demo must not kill the connection
                logger.exception("the demo forum failed on %s %s", request.method, request.target)
                response = error_page(500, "Internal Server Error")
        with self._lock:
            self._requests += 1
            if len(self._log) < LOG_LIMIT:
                self._log.append([round(self._wall(), 3), request.method, request.target, response.status])
        return response

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return Response(200, ROBOTS_TXT.encode("ascii"), "text/plain; charset=utf-8")
        if path == "/":
            return html_response(self.home_page())
        prefix, _, rest = path.lstrip("/").partition("/")
        site = self.sites.get(prefix)
        if site is None:
            return error_page(404, "Not Found")
        if path == f"/{prefix}":
            return Response(301, b"", "text/html; charset=utf-8", [("Location", f"/{prefix}/")])
        return site.handle(request, rest, self.clock.now())

    def home_page(self) -> str:
        links = "".join(f'<li><a href="/{prefix}/">{site.title}</a></li>' for prefix, site in self.corpus.sites.items())
        return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>sheqing demo forum</title></head>'
                f"<body><h1>sheqing demo forum</h1><ul>{links}</ul></body></html>")

    # -- /_demo/ -----------------------------------------------------------------------------------
    def admin(self, request: Request) -> Response:
        name = request.path[len("/_demo/"):]
        wanted = {"stats": "GET", "advance": "POST", "reset-stats": "POST"}.get(name)
        if wanted is None:
            return error_page(404, "Not Found")
        if request.method not in (wanted, "HEAD" if wanted == "GET" else wanted):
            response = json_response({"error": f"use {wanted}"}, 405)
            response.headers.append(("Allow", wanted))
            return response
        if name == "stats":
            return json_response(self.stats())
        if name == "reset-stats":
            with self._lock:
                self._requests, self._log = 0, []
            return json_response({"requests": 0})
        try:
            minutes = float(request.query.get("minutes", ""))
            now = self.clock.advance(minutes)
        except ValueError:
            return json_response({"error": "minutes must be a number >= 0"}, 400)
        logger.debug("clock moved forward %s minutes, now %s", minutes, now.isoformat())
        return json_response({"advanced_minutes": minutes, "now": now.isoformat()})

    def stats(self) -> dict:
        with self._lock:
            return {"requests": self._requests, "log": [list(entry) for entry in self._log]}


def json_response(value, status: int = 200) -> Response:
    return Response(status, json.dumps(value, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")
