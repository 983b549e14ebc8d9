"""Crawl output: one JSONL batch of validated posts per crawl run, never visible half-written.

A run writes ``DIR/SITE/RUN_ID.jsonl.part`` and, when it ends well, flushes it to disk and renames it to
``RUN_ID.jsonl`` next to ``RUN_ID.stats.json``. Readers only ever see complete files. Parts left by a run
that died are removed by the next run of that site (their posts are fetched again, since the state was not
committed).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from uuid import uuid4

from sheqing.records import Post

__all__ = ["BatchWriter", "new_run_id"]

log = logging.getLogger(__name__)


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid4().hex[:6]


class BatchWriter:
    """Append posts to a run's part file; ``commit`` makes it a batch, ``discard`` throws it away."""

    def __init__(self, batches_dir: Path, site: str, run_id: str):
        self.dir = Path(batches_dir) / site
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / f"{run_id}.jsonl"
        self._part = self.dir / f"{run_id}.jsonl.part"
        self._clear_stale_parts()
        self._fh = open(self._part, "w", encoding="utf-8")
        self.count = 0

    def write(self, post: Post) -> None:
        self._fh.write(post.model_dump_json() + "\n")
        self.count += 1

    def commit(self) -> Path:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._part, self.path)
        return self.path

    def discard(self) -> None:
        self._fh.close()
        self._part.unlink(missing_ok=True)

    def _clear_stale_parts(self) -> None:
        for stale in self.dir.glob("*.part"):
            log.warning("removing %s left by a crawl that did not finish; its posts will be fetched again", stale)
            stale.unlink(missing_ok=True)
