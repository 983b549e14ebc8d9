"""Alert rules evaluated per second over a SQLite store of 100,000 posts, against the store queries they issue.

Store: the posts of ``bench_store.py`` (2,000 real messages enriched, repeated under new ids over a year),
built once into ``bench/out/alerts-store-N.sqlite`` and reused. Rules: the shipped ones
(``alerts/rules/default.yaml``: two single-post rules, two spike rules, one hot-topic rule), evaluated as of
the newest post. Baseline, same run: the exact store calls (``search``/``trend``/``top`` with the same
arguments) the rules made, replayed on the same store without the rules around them; the ratio says how
much of a rule's time is the store's.

    python bench/bench_alerts.py [--posts 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.rules import load_rules  # noqa: E402
from bench_store import make_posts  # noqa: E402
from indexer.sqlite_store import SqliteStore  # noqa: E402
from sheqing.settings import Settings  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


class Recorder:
    """The store, noting every query call (method and arguments) made through it."""

    QUERIES = ("search", "trend", "top", "count", "get_posts")

    def __init__(self, store):
        self.store = store
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name):
        method = getattr(self.store, name)
        if name not in self.QUERIES:
            return method

        def recorded(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return method(*args, **kwargs)

        return recorded


def build_store(n: int) -> tuple[SqliteStore, object]:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"alerts-store-{n}.sqlite"
    store = SqliteStore(path)
    if store.count() != n:
        store.close()
        path.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        store = SqliteStore(path)
        posts, _ = make_posts(n)
        for i in tqdm(range(0, n, 1000), desc="building the store", unit="batch"):
            store.upsert_posts(posts[i:i + 1000])
    newest = store.search(sort="newest", size=1).hits[0].post.published_at
    return store, newest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    store, now = build_store(args.posts)
    rules = load_rules(Settings().alert_rules_dir)

    recorder = Recorder(store)
    findings = {rule.name: len(rule.find(recorder, now)) for rule in rules}  # warm-up, and the calls to replay
    calls = list(recorder.calls)

    start = time.perf_counter()
    for _ in range(args.repeat):
        for rule in rules:
            rule.find(store, now)
    elapsed = time.perf_counter() - start
    rate = args.repeat * len(rules) / elapsed

    start = time.perf_counter()
    for _ in range(args.repeat):
        for name, call_args, kwargs in calls:
            getattr(store, name)(*call_args, **kwargs)
    raw = time.perf_counter() - start

    print(f"findings per rule: {findings}")
    print(f"rules: {rate:.1f} rule evaluations/s over {args.posts:,} posts ({len(rules)} rules, "
          f"{elapsed / args.repeat * 1000:.0f} ms per full run, {len(calls)} store queries)")
    print(f"the same store queries alone: {raw / args.repeat * 1000:.0f} ms per run; ratio (queries / rules) "
          f"{raw / elapsed:.2f}")
    store.close()


if __name__ == "__main__":
    main()
