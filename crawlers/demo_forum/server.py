"""The demo forum's HTTP server: ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive.

``make_server(host, port, options)`` builds the corpus, clock and handler and returns a bound server
whose ``.url`` is the base URL (call ``serve_forever()``); ``main(argv)`` is the command line
(``python -m crawlers.demo_forum``), which prints ``READY http://HOST:PORT/`` once it listens.
Requests are logged in plain words at debug level only; the ``Date`` header is the simulated clock.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import socketserver
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import DemoForum
from .clock import SimClock, http_date, parse_start
from .corpus import build_corpus
from .csv_replay import load_govmsg, newest_time
from .web import Request

logger = logging.getLogger(__name__)


@dataclass
class ForumOptions:
    seed: int = 7
    rate_limit: float = 20.0          # requests a second per client, 0 = off
    csv_path: str | None = None       # replay this CSV as /govmsg/
    start: datetime | None = None     # clock start; default now (or just after the CSV's newest post)
    speed: float = 1.0                # simulated seconds per real second


def build_forum(options: ForumOptions | None = None) -> DemoForum:
    """The forum (corpus, clock and handler) without any socket."""
    options = options or ForumOptions()
    govmsg = load_govmsg(options.csv_path) if options.csv_path else None
    start = options.start
    if start is None and govmsg is not None and newest_time(govmsg) is not None:
        start = newest_time(govmsg).replace(second=0, microsecond=0) + timedelta(minutes=1)
    corpus = build_corpus(options.seed, start)
    if govmsg is not None:
        corpus.sites["govmsg"] = govmsg
    return DemoForum(corpus, SimClock(corpus.start, options.speed), options.rate_limit)


class DemoForumHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 30                      # close idle keep-alive connections

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def do_HEAD(self):
        self.serve(send_body=False)

    def serve(self, send_body: bool = True) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        method = "GET" if self.command == "HEAD" else self.command
        request = Request.build(method, self.path, dict(self.headers.items()), body, self.client_address[0])
        response = self.server.forum.handle(request)
        payload = response.body
        compress = "gzip" in self.headers.get("Accept-Encoding", "") and len(payload) > 1024
        if compress:
            payload = gzip.compress(payload, compresslevel=5)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        if compress:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(payload)
        logger.debug("%s asked %s %s and got %d (%d bytes)", self.client_address[0], self.command, self.path,
                     response.status, len(payload))

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp=None) -> str:
        return http_date(self.server.forum.clock.now())

    def log_request(self, code="-", size="-") -> None:
        pass  # logged in plain words by serve()

    def log_message(self, format, *args) -> None:
        logger.debug("connection from %s: %s", self.client_address[0], format % args)


class DemoForumServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, forum: DemoForum):
        self.forum = forum
        super().__init__(address, DemoForumHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on machines without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


def make_server(host: str = "127.0.0.1", port: int = 8808, options: ForumOptions | None = None) -> DemoForumServer:
    """A bound, not yet serving, demo forum server (``port=0`` picks a free port)."""
    return DemoForumServer((host, port), build_forum(options))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m crawlers.demo_forum",
                                     description="Serve the sheqing demo forum (Discuz, GBK Discuz and Tieba imitations).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8808, help="0 picks a free port")
    parser.add_argument("--rate-limit", type=float, default=20.0, help="requests a second per client (0 = off)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--csv", dest="csv_path", help="replay this government-message CSV as /govmsg/")
    parser.add_argument("--start", type=parse_start, help="clock start, ISO 8601 (default: now, Asia/Shanghai)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = ForumOptions(seed=args.seed, rate_limit=args.rate_limit, csv_path=args.csv_path, start=args.start,
                           speed=args.speed)
    try:
        server = make_server(args.host, args.port, options)
    except (OSError, ValueError) as error:
        print(f"demo forum cannot start: {error}", file=sys.stderr)
        return 1
    print(f"READY {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
