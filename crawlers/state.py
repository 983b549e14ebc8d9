"""Durable incremental-crawl state in one SQLite file: what each thread looked like, which posts we have.

For each thread we keep the reply count the board list showed when we last read it to the end, and the
last page we read; for each post a digest of its content. A run reads this at the start and commits its
updates in one transaction only after its batch file is safely on disk, so a run that dies half-way changes
nothing and the next run re-fetches what was lost (at-least-once; ids make the repeat harmless).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["CrawlState", "ThreadProgress"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    site TEXT NOT NULL, thread_id TEXT NOT NULL, board TEXT NOT NULL,
    reply_count INTEGER, last_page INTEGER NOT NULL, complete INTEGER NOT NULL,
    updated_at TEXT NOT NULL, PRIMARY KEY (site, thread_id));
CREATE TABLE IF NOT EXISTS posts_seen (
    site TEXT NOT NULL, post_id TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (site, post_id));
PRAGMA user_version = 1;
"""


@dataclass(frozen=True)
class ThreadProgress:
    """How far a run got in a thread. ``complete`` means it reached the thread's last page."""

    site: str
    board: str
    thread_id: str
    last_page: int
    complete: bool
    reply_count: int | None


class CrawlState:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def thread(self, site: str, thread_id: str) -> ThreadProgress | None:
        row = self._db.execute(
            "SELECT board, last_page, complete, reply_count FROM threads WHERE site=? AND thread_id=?",
            (site, thread_id),
        ).fetchone()
        if row is None:
            return None
        return ThreadProgress(site, row[0], thread_id, row[1], bool(row[2]), row[3])

    def unfinished_threads(self, site: str) -> list[ThreadProgress]:
        """Threads a run started but did not read to the end (page limit, a page that failed to parse)."""
        rows = self._db.execute(
            "SELECT board, thread_id, last_page, reply_count FROM threads WHERE site=? AND complete=0", (site,)
        )
        return [ThreadProgress(site, board, tid, page, False, replies) for board, tid, page, replies in rows]

    def seen_digests(self, site: str) -> dict[str, str]:
        """post id -> content digest of every post already delivered for a site."""
        return dict(self._db.execute("SELECT post_id, digest FROM posts_seen WHERE site=?", (site,)))

    def commit(self, progress: list[ThreadProgress], seen: dict[tuple[str, str], str]) -> None:
        """Record a finished run's progress and delivered posts, all or nothing."""
        now = datetime.now(timezone.utc).isoformat()
        with self._db:
            self._db.executemany(
                "INSERT INTO threads VALUES (?,?,?,?,?,?,?) ON CONFLICT(site, thread_id) DO UPDATE SET "
                "board=excluded.board, reply_count=excluded.reply_count, last_page=excluded.last_page, "
                "complete=excluded.complete, updated_at=excluded.updated_at",
                [(p.site, p.thread_id, p.board, p.reply_count, p.last_page, int(p.complete), now) for p in progress],
            )
            self._db.executemany(
                "INSERT INTO posts_seen VALUES (?,?,?) ON CONFLICT(site, post_id) DO UPDATE SET digest=excluded.digest",
                [(site, pid, digest) for (site, pid), digest in seen.items()],
            )
