"""The demo forum's content: sites, boards, threads, posts and 楼中楼 comments.

Objects are plain dataclasses. Each thread also records its intended ``category`` and ``risk`` (from
the project taxonomy) and what kind of content it is; that ground truth is never shown on pages.
A post is visible once its time has come (``created_at <= now``); a thread is visible with its first post.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Comment:
    """A 楼中楼 comment under a Tieba floor."""

    cid: int
    author: str
    uid: int
    created_at: datetime
    text: str


@dataclass
class Post:
    """One floor of a thread. ``text`` is plain text with ``\\n`` line breaks."""

    author: str
    uid: int
    created_at: datetime
    text: str
    pid: int = 0
    floor: int = 0
    deleted: bool = False
    quote_of: "Post | None" = None    # Discuz: quote block of an earlier floor
    reply_to: "Post | None" = None    # Discuz: "回复 N# NAME" line
    style: str = "plain"              # plain | font | smiley | indent | edited
    client: str | None = None         # Tieba: "Android" / "iPhone" tail
    incident: str | None = None
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Thread:
    tid: int
    title: str
    posts: list[Post]
    category: str | None = None       # ground truth, taxonomy code
    risk: str | None = None           # ground truth: none | low | medium | high | critical
    kind: str = "grievance"           # grievance | chatter | notice | incident | repost | near_duplicate | special
    incident: str | None = None
    copy_of: "Thread | None" = None   # for reposts and near-duplicates
    sticky: bool = False
    db_error: bool = False
    malformed: bool = False
    base_views: int = 100

    def sort_posts(self) -> None:
        self.posts.sort(key=lambda post: post.created_at)
        self._times = [post.created_at for post in self.posts]

    def visible_posts(self, now: datetime) -> list[Post]:
        times = getattr(self, "_times", None)
        if times is None or len(times) != len(self.posts):
            self.sort_posts()
            times = self._times
        return self.posts[: bisect.bisect_right(times, now)]

    def is_visible(self, now: datetime) -> bool:
        return bool(self.posts) and self.posts[0].created_at <= now

    @property
    def created_at(self) -> datetime:
        return self.posts[0].created_at


@dataclass
class Board:
    fid: int
    name: str
    threads: list[Thread] = field(default_factory=list)
    login_required: bool = False
    kw: str | None = None             # Tieba bar name


@dataclass
class Site:
    prefix: str                       # "riverside" -> served under /riverside/
    engine: str                       # "discuz" | "tieba"
    title: str
    charset: str                      # "utf-8" | "gbk"
    boards: dict[int, Board] = field(default_factory=dict)
    relative_span: bool = True        # Discuz: wrap relative times in <span title="...">
    cookie_prefix: str = ""

    def find_thread(self, tid: int) -> tuple[Board, Thread] | None:
        index = self.__dict__.get("_index")
        if index is None:
            index = {thread.tid: (board, thread) for board in self.boards.values() for thread in board.threads}
            self.__dict__["_index"] = index
        return index.get(tid)

    def threads(self):
        for board in self.boards.values():
            yield from board.threads


@dataclass
class Corpus:
    seed: int
    start: datetime
    sites: dict[str, Site] = field(default_factory=dict)

    def threads(self):
        for site in self.sites.values():
            yield from site.threads()

    def posts(self):
        for thread in self.threads():
            yield from thread.posts
