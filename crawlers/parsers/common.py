"""What every page parser returns, and the HTML-to-text helper they share.

Parsers are pure functions from a page (text, URL, fetch time) to these frozen records; they never fetch
and never decide what to crawl next beyond reporting the page's own "next page" link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "BoardPage",
    "LoginRequired",
    "PageParseError",
    "ParsedPost",
    "ThreadPage",
    "ThreadSummary",
    "element_text",
    "query_param",
]


class PageParseError(ValueError):
    """The page is not the page we expected (error page, changed layout, garbage)."""


class LoginRequired(PageParseError):
    """The forum answered with its "please log in" message instead of the page."""


@dataclass(frozen=True)
class ParsedPost:
    post_id: str
    floor: int | None
    author: str
    author_id: str | None
    published_at: datetime
    text: str
    reply_to: str | None = None
    deleted: bool = False


@dataclass(frozen=True)
class ThreadPage:
    thread_id: str
    title: str
    page: int
    posts: tuple[ParsedPost, ...]
    next_page_url: str | None
    reply_count: int | None = None


@dataclass(frozen=True)
class ThreadSummary:
    thread_id: str
    title: str
    url: str
    reply_count: int | None
    sticky: bool = False


@dataclass(frozen=True)
class BoardPage:
    threads: tuple[ThreadSummary, ...]
    next_page_url: str | None
    page: int = 1


_BLOCK_TAGS = frozenset({"div", "p", "li", "tr", "table", "blockquote", "h1", "h2", "h3", "h4", "ul", "ol"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "img", "iframe", "object"})
_SPACES = re.compile(r"[ \t\r\f\v\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_LINE_EDGES = re.compile(r" ?\n ?")


def element_text(el, skip=lambda e: False) -> str:
    """Readable plain text of an lxml element: <br> and block ends become new lines, spaces collapsed.

    ``skip(element)`` returns True for sub-trees to leave out (quotes, signatures).
    """
    parts: list[str] = []

    def walk(node) -> None:
        if node.text and not (isinstance(node.tag, str) and node.tag in _SKIP_TAGS):
            parts.append(_source_space(node.text))
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "br":
                parts.append("\n")
            elif tag and tag not in _SKIP_TAGS and not skip(child):
                walk(child)
                if tag in _BLOCK_TAGS:
                    parts.append("\n")
            if child.tail:
                parts.append(_source_space(child.tail))

    if el is None:
        return ""
    walk(el)
    text = _SPACES.sub(" ", "".join(parts))
    text = _LINE_EDGES.sub("\n", text).strip()
    return _BLANK_LINES.sub("\n\n", text)


def _source_space(text: str) -> str:
    """Line breaks in HTML source are only spaces; real breaks come from <br> and blocks."""
    return text.replace("\r", " ").replace("\n", " ")


def query_param(url: str, name: str) -> str | None:
    """First value of a query parameter (``&amp;`` already decoded by the HTML parser)."""
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None
