"""Request and response values passed between the HTTP server and the site handlers.

Keeping them plain lets ``save_pages`` and tests render pages without opening a socket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    target: str                      # path with query, as received
    path: str
    query: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)   # lower-case names
    body: bytes = b""
    client: str = "127.0.0.1"

    @classmethod
    def build(cls, method: str, target: str, headers: dict | None = None, body: bytes = b"",
              client: str = "127.0.0.1") -> "Request":
        if re.match(r"https?://", target):            # absolute form, as sent to a proxy
            target = urlsplit(target)._replace(scheme="", netloc="").geturl() or "/"
        raw_path, mark, raw_query = target.partition("?")
        parts = urlsplit(re.sub(r"/{2,}", "/", raw_path) + mark + raw_query)   # nginx merges slashes too
        path = parts.path or "/"
        query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        lowered = {key.lower(): value for key, value in (headers or {}).items()}
        return cls(method.upper(), target, path, query, lowered, body, client)

    @property
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except CookieError:
            return {}
        return {key: morsel.value for key, morsel in jar.items()}

    @property
    def form(self) -> dict[str, str]:
        text = self.body.decode("utf-8", errors="replace")
        return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def html_response(text: str, charset: str = "utf-8", status: int = 200, headers=None) -> Response:
    body = text.encode(charset, errors="xmlcharrefreplace")
    return Response(status, body, f"text/html; charset={charset}", list(headers or []))


def error_page(status: int, reason: str) -> Response:
    """An nginx-style error page."""
    title = escape(f"{status} {reason}")
    text = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
    return html_response(text, status=status)


def int_arg(query: dict[str, str], name: str, default: int | None = None) -> int | None:
    try:
        return int(query.get(name, ""))
    except ValueError:
        return default
