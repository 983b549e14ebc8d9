"""A real HTTP server on 127.0.0.1 (a free port, its own thread) for test doubles of remote services.

Subclasses (a fake Elasticsearch cluster with ILM, a fake Kibana) give a request-handler class and check
every request they receive; this base only starts, serves and stops.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["LocalServer"]


class LocalServer:
    """``with LocalServer(Handler) as server: ... server.url``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
