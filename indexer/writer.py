"""Writing enriched posts to a store without losing any: refused posts wait in a dead-letter file.

``index_posts(store, posts, deadletter_dir)`` first retries the posts refused by earlier runs, then writes
the new ones. A post the store refuses (a mapping conflict, a document too large ...) is written to
``DEADLETTER_DIR/{store}.jsonl`` with the reason and the whole post, logged with its id, and retried on the
next run; it leaves the dead-letter file only when the store takes it, or when a newer copy of the same post
(a later crawl) has been stored since. A store that cannot be reached raises ``StoreUnavailable`` before the
dead-letter file changes: the caller keeps its batch pending and calls again later.

The dead-letter file is rewritten whole (temporary file, then rename), so a crash never leaves half of it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sheqing.files import atomic_file
from sheqing.records import EnrichedPost

from .store import Rejected, Store

__all__ = ["IndexReport", "index_posts", "read_dead_letters"]

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    written: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    recovered: int = 0  # dead letters from earlier runs that the store took this time
    waiting: int = 0  # dead letters left for the next run

    def summary(self) -> str:
        text = f"{self.written} posts written"
        if self.recovered:
            text += f", {self.recovered} earlier refused posts recovered"
        if self.waiting:
            text += f", {self.waiting} refused posts waiting in the dead-letter file"
        return text


def _path(store: Store, deadletter_dir: Path) -> Path:
    return Path(deadletter_dir) / f"{store.name}.jsonl"


def read_dead_letters(store: Store, deadletter_dir: Path) -> list[dict]:
    """The dead letters of a store: ``{"id", "reason", "attempts", "first_refused", "post"}`` each."""
    path = _path(store, deadletter_dir)
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _write_dead_letters(path: Path, letters: list[dict]) -> None:
    if not letters:
        path.unlink(missing_ok=True)
        return
    with atomic_file(path) as fh:
        for letter in letters:
            fh.write(json.dumps(letter) + "\n")  # ASCII escapes: keeps even text that is not valid Unicode


def index_posts(store: Store, posts: Iterable[EnrichedPost], deadletter_dir: Path,
                batch_size: int = 500) -> IndexReport:
    """Retry the dead letters, then write ``posts`` in batches; see the module docstring."""
    report = IndexReport()
    path = _path(store, deadletter_dir)
    letters = {letter["id"]: letter for letter in read_dead_letters(store, deadletter_dir)}
    if letters:
        old = {i: EnrichedPost.model_validate(letter["post"]) for i, letter in letters.items()}
        stored = store.get_posts(list(old))
        superseded = [i for i, post in old.items() if i in stored and stored[i].crawled_at >= post.crawled_at]
        for post_id in superseded:
            del letters[post_id], old[post_id]
        retry = store.upsert_posts(list(old.values()))
        refused_again = {r.id: r.reason for r in retry.rejected}
        report.recovered = len(old) - len(refused_again)
        for post_id in list(letters):
            if post_id in refused_again:
                letters[post_id].update(reason=refused_again[post_id], attempts=letters[post_id]["attempts"] + 1)
            else:
                del letters[post_id]

    batch: list[EnrichedPost] = []

    def flush() -> None:
        result = store.upsert_posts(batch)
        report.written += result.written
        by_id = {p.id: p for p in batch}
        for rejected in result.rejected:
            log.warning("store %s refused post %s: %s (kept in %s for the next run)",
                        store.name, rejected.id, rejected.reason, path)
            report.rejected.append(rejected)
            post = by_id.get(rejected.id)
            if post is not None:
                letters[rejected.id] = {
                    "id": rejected.id, "reason": rejected.reason, "attempts": 1,
                    "first_refused": datetime.now(timezone.utc).isoformat(),
                    "post": post.model_dump(mode="json"),
                }
        for post_id in by_id.keys() - {r.id for r in result.rejected}:
            letters.pop(post_id, None)  # a newer copy made it: the old refusal no longer matters
        batch.clear()

    try:
        for post in posts:
            batch.append(post)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    finally:  # what was refused so far is kept even if the store goes down half-way
        _write_dead_letters(path, list(letters.values()))
    report.waiting = len(letters)
    return report
