"""The one item the spiders yield: everything read from one thread page, with how far that got us.

Posts and the thread's progress travel together so that progress is never recorded for posts that were
not written.
"""

from __future__ import annotations

from dataclasses import dataclass

from .parsers.common import ParsedPost
from .state import ThreadProgress

__all__ = ["CrawledPage"]


@dataclass(frozen=True)
class CrawledPage:
    site: str
    engine: str
    board: str
    thread_id: str
    title: str
    url: str
    posts: tuple[ParsedPost, ...]
    progress: ThreadProgress
    thread_reply_count: int | None = None
