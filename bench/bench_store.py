"""SQLite store: indexing throughput and search / trend latency over 100,000 enriched posts.

Posts: 2,000 real messages of ../shared/data/govmsg enriched by the default model, each repeated 50 times
under new ids with publication times spread over the last 365 days (so time filters and trends have work to
do). Measured in one run, in a fresh file each:

- indexing: ``SqliteStore.upsert_posts`` in batches of 1,000 (documents, segmentation, two FTS5 indexes,
  place lists), against a raw ``executemany`` insert of the same posts as JSON into a plain table;
- search: ``store.search`` for typical monitor questions (text of 1 to 4 terms, with and without filters,
  newest first, 20 per page, with snippets), p50 and p95, against a raw FTS5 ``MATCH`` of the same terms;
- trends: ``store.trend`` and ``store.top`` (per day by category over 30 days, per week by district over a
  year, top streets), p50 and p95, against the same raw FTS5 query.

    python bench/bench_store.py [--posts 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_enrich import load_posts  # noqa: E402
from indexer.sqlite_store import SqliteStore  # noqa: E402
from nlp.enrich import Enricher  # noqa: E402

SEARCHES = [
    {"text": "燃气"}, {"text": "电梯 维修"}, {"text": "拖欠工资"}, {"text": "噪音 扰民 晚上"},
    {"text": "小区", "min_risk": "high"}, {"text": "停车", "category": "traffic"}, {"min_risk": "medium"},
    {"text": "物业", "place": "西湖区"}, {"category": "utilities", "sort": "risk"}, {"text": "漏水", "site": "govmsg"},
]
RAW_FTS = [
    ("posts_words", 'grams : "燃气"'), ("posts_words", 'grams : "电梯" AND grams : "维修"'),
    ("posts_chars", '"拖欠工资"'), ("posts_words", 'grams : "噪音" AND grams : "扰民" AND grams : "晚上"'),
    ("posts_words", 'grams : "小区"'), ("posts_words", 'grams : "停车"'), ("posts_words", 'grams : "物业"'),
    ("posts_words", 'grams : "漏水"'),
]


def make_posts(n: int, seed: int = 7):
    real = list(Enricher().enrich(load_posts(2000)))
    newest = max(p.published_at for p in real)
    rng = random.Random(seed)
    posts = []
    for i in range(n):
        base = real[i % len(real)]
        published = newest - timedelta(seconds=rng.randrange(365 * 86400))
        posts.append(base.model_copy(update={
            "id": f"govmsg:b{i}", "site": "govmsg", "post_id": f"b{i}", "published_at": published,
            "crawled_at": published + timedelta(hours=1),
        }))
    return posts, newest


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    posts, newest = make_posts(args.posts)
    tmp = Path(tempfile.mkdtemp(prefix="sheqing-bench-"))

    raw = sqlite3.connect(tmp / "raw.sqlite", isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("CREATE TABLE posts (id TEXT PRIMARY KEY, doc TEXT)")
    rows = [(p.id, json.dumps(p.model_dump(mode="json"), ensure_ascii=False)) for p in posts]
    start = time.perf_counter()
    for i in range(0, len(rows), 1000):
        raw.execute("BEGIN")
        raw.executemany("INSERT INTO posts VALUES (?, ?)", rows[i:i + 1000])
        raw.execute("COMMIT")
    raw_rate = len(rows) / (time.perf_counter() - start)

    store = SqliteStore(tmp / "store.sqlite")
    start = time.perf_counter()
    for i in tqdm(range(0, len(posts), 1000), desc="indexing", unit="batch"):
        store.upsert_posts(posts[i:i + 1000])
    rate = len(posts) / (time.perf_counter() - start)
    print(f"indexing: {rate:,.0f} posts/s into SQLite ({len(posts):,} posts); raw executemany {raw_rate:,.0f} "
          f"rows/s; ratio {rate / raw_rate:.3f}")

    db = store._db  # the baseline queries run on the very same file
    raw_times = []
    for table, match in RAW_FTS:
        raw_times += timed(lambda: db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT 20",
                                              (match,)).fetchall(), args.repeat)
    raw_p50, raw_p95 = percentiles(raw_times)
    print(f"raw FTS5 query: p50 {raw_p50:.2f} ms, p95 {raw_p95:.2f} ms")

    search_times = []
    for query in SEARCHES:
        search_times += timed(lambda: store.search(size=20, **query), args.repeat)
    p50, p95 = percentiles(search_times)
    print(f"search: p50 {p50:.1f} ms, p95 {p95:.1f} ms; ratio to raw FTS5 p50 {p50 / raw_p50:.1f}, p95 "
          f"{p95 / raw_p95:.1f}")

    month = newest - timedelta(days=30)
    trends = [
        lambda: store.trend(interval="day", group_by="category", start=month),
        lambda: store.trend(interval="week", group_by="district"),
        lambda: store.trend(interval="day", min_risk="high", start=month),
        lambda: store.top(field="street", size=10, start=month),
    ]
    trend_times = []
    for fn in trends:
        trend_times += timed(fn, args.repeat)
    p50, p95 = percentiles(trend_times)
    print(f"trends: p50 {p50:.1f} ms, p95 {p95:.1f} ms; ratio to raw FTS5 p50 {p50 / raw_p50:.1f}, p95 "
          f"{p95 / raw_p95:.1f}")
    store.close()


if __name__ == "__main__":
    main()
