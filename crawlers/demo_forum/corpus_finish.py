"""Last step of corpus generation: thread ids, floor numbers, quotes, 楼中楼 comments and post ids.

Ids follow creation order as on real forums: within a board, older threads have lower tids; within a
Discuz site, pids grow with time; on Tieba, posts and comments share one growing id sequence.
"""

from __future__ import annotations

import random
from datetime import timedelta

from .chatter import COMMENTS
from .model import Board, Comment, Corpus
from .users import HandlePool, tieba_uid

PID_BASE = {"riverside": 268_000, "oldtown": 1_530_000}
TIEBA_ID_BASE = 145_000_000_000


def finish(corpus: Corpus, boards: dict[str, Board], tid_bases: dict[str, int], users: HandlePool,
           future_minutes: int) -> None:
    rng = random.Random(f"demo-forum:{corpus.seed}:finish")
    for key, board in boards.items():
        board.threads.sort(key=lambda thread: thread.created_at)
        tid = tid_bases[key]
        for thread in board.threads:
            thread.tid = tid
            tid += 1 + (rng.randint(1, 3) if rng.random() < 0.3 else 0)
            thread.sort_posts()
            for floor, post in enumerate(thread.posts, 1):
                post.floor = floor
    for prefix, site in corpus.sites.items():
        if site.engine == "discuz":
            _add_quotes(rng, site.threads())
            _number(sorted(site.threads(), key=lambda t: t.tid), PID_BASE[prefix], rng, small=True)
        else:
            until = corpus.start + timedelta(minutes=future_minutes)
            _add_comments(rng, site.threads(), users, corpus.seed, until)
            _number(sorted(site.threads(), key=lambda t: t.tid), TIEBA_ID_BASE, rng, small=False)


def _add_quotes(rng: random.Random, threads) -> None:
    for thread in threads:
        for post in thread.posts[2:]:
            if post.deleted:
                continue
            earlier = [p for p in thread.posts[: post.floor - 1] if not p.deleted and len(p.text) < 5000]
            roll = rng.random()
            if roll < 0.2 and earlier:
                post.quote_of = rng.choice(earlier)
            elif roll < 0.28 and earlier[1:]:
                post.reply_to = rng.choice(earlier[1:])


def _add_comments(rng: random.Random, threads, users: HandlePool, seed: int, until) -> None:
    for thread in threads:
        for post in thread.posts[1:]:
            if post.deleted or rng.random() >= 0.25:
                continue
            moment, names = post.created_at, []
            for _ in range(rng.randint(1, 4)):
                moment += timedelta(minutes=rng.uniform(3, 240))
                name = users.any()
                text = rng.choice(COMMENTS)
                if names and rng.random() < 0.3:
                    text = f"回复 {rng.choice(names)} :{text}"
                names.append(name)
                if moment <= until:
                    post.comments.append(Comment(cid=0, author=name, uid=tieba_uid(seed, name), created_at=moment, text=text))


def _number(threads, base: int, rng: random.Random, small: bool) -> None:
    """Give posts (and comments) ids in order of their time."""
    items = []
    for thread in threads:
        for post in thread.posts:
            items.append((post.created_at, thread.tid, post.floor, 0, post))
            for index, comment in enumerate(post.comments, 1):
                items.append((comment.created_at, thread.tid, post.floor, index, comment))
    items.sort(key=lambda item: item[:4])
    next_id = base
    for *_, item in items:
        if hasattr(item, "pid"):
            item.pid = next_id
        else:
            item.cid = next_id
        next_id += rng.randint(1, 4) if small else rng.randint(20_000, 3_000_000)
