"""Replay a government message-board CSV as the ``/govmsg/`` Discuz site (board fid 1, 留言板).

The CSV has the columns 留言编号,留言用户,留言主题,留言时间,留言详情 (extra columns such as
反对数/点赞数 are ignored). Each row becomes one thread (tid = 留言编号) whose first floor is the
message, whitespace stripped, by 留言用户. When the CSV also has 答复意见 and 答复时间, a second floor
by 政府回复 appears at the reply time. Times look like ``2019/2/28 11:25:05`` (Asia/Shanghai).
The site is replayed faithfully: no deleted floors, no malformed pages, no database-error thread.
"""

from __future__ import annotations

import csv
import logging
import re
import zlib
from datetime import datetime, timedelta
from pathlib import Path

from .clock import CST
from .model import Board, Post, Site, Thread

logger = logging.getLogger(__name__)

REQUIRED = ("留言编号", "留言用户", "留言主题", "留言时间", "留言详情")
TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
REPLY_AUTHOR, REPLY_UID = "政府回复", 1
PID_BASE = 3_000_000


def parse_time(text: str) -> datetime | None:
    text = (text or "").strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=CST)
        except ValueError:
            continue
    return None


def clean(text: str) -> str:
    """Strip the whitespace around each line and drop empty lines."""
    lines = (line.strip() for line in re.split(r"[\r\n]+", text or ""))
    return "\n".join(line for line in lines if line)


def user_id(name: str) -> int:
    digits = re.sub(r"\D", "", name)
    return int(digits[-9:]) if digits else zlib.crc32(name.encode("utf-8")) % 9_000_000 + 1_000_000


def load_govmsg(path: str | Path) -> Site:
    """Read the CSV at ``path`` into a Discuz site. Raises ValueError naming missing columns."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing CSV columns {', '.join(missing)}")
        threads, skipped, seen = [], 0, set()
        for row in reader:
            created = parse_time(row["留言时间"])
            tid = row["留言编号"].strip()
            if created is None or not tid.isdigit() or int(tid) in seen:
                skipped += 1
                continue
            seen.add(int(tid))
            author = row["留言用户"].strip() or "匿名用户"
            posts = [Post(author=author, uid=user_id(author), created_at=created, text=clean(row["留言详情"]))]
            replied = parse_time(row.get("答复时间") or "")
            if replied is not None and clean(row.get("答复意见") or ""):
                posts.append(Post(author=REPLY_AUTHOR, uid=REPLY_UID, created_at=max(replied, created),
                                  text=clean(row["答复意见"])))
            threads.append(Thread(tid=int(tid), title=clean(row["留言主题"]).replace("\n", " "), posts=posts,
                                  kind="message", base_views=30 + zlib.crc32(tid.encode()) % 900))
    if skipped:
        logger.warning("skipped %d rows of %s without a usable, unique 留言编号 or a 留言时间", skipped, path)
    board = Board(fid=1, name="留言板", threads=_with_sticky(threads))
    _number(board.threads)
    return Site(prefix="govmsg", engine="discuz", title="问政留言板", charset="utf-8", boards={1: board},
                relative_span=True, cookie_prefix="GovM_2132_")


def newest_time(site: Site) -> datetime | None:
    times = [post.created_at for thread in site.threads() for post in thread.posts]
    return max(times) if times else None


def _with_sticky(threads: list[Thread]) -> list[Thread]:
    if not threads:
        return threads
    first = min(post.created_at for thread in threads for post in thread.posts)
    taken = {thread.tid for thread in threads}
    tid = 1 if 1 not in taken else max(taken) + 1
    notice = Post(author="管理员", uid=2, created_at=first - timedelta(days=1),
                  text="请文明留言，写清楚反映的地点和事项。\n留言将在审核后公开，相关部门会在规定时间内答复。")
    return [Thread(tid=tid, title="【置顶】留言须知", posts=[notice], category="other", risk="none",
                   kind="notice", sticky=True)] + threads


def _number(threads: list[Thread]) -> None:
    for thread in threads:
        thread.sort_posts()
        for floor, post in enumerate(thread.posts, 1):
            post.floor = floor
    posts = sorted(((post.created_at, thread.tid, post.floor, post) for thread in threads for post in thread.posts),
                   key=lambda item: item[:3])
    for index, (*_, post) in enumerate(posts):
        post.pid = PID_BASE + index
