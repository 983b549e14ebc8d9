"""Full default enrichment throughput on real messages, against pure-Python jieba segmentation alone.

Posts: the government-board messages of ../shared/data/govmsg (both files, about 6,700), as post records.
Enrichment: normalise, features, category/risk/sentiment with evidence, risk rules, places, SimHash groups,
topics (``nlp.enrich.Enricher.enrich``), one process. Baseline in the same run: ``jieba.lcut`` (precise
mode, pure Python) over the same texts. The target is at least 1,500 posts per second.

    python bench/bench_enrich.py [--limit N] [--rounds R] [--stages] [--free]

Each side runs ``--rounds`` times (default 3), the sides taking turns, and the fastest round is reported: on
this shared machine a single run of either varies by 10 % or more, and its speed drifts over minutes. Every
enrichment round starts from an empty near-duplicate index and topic state. ``--stages`` also times each
stage over the same posts, batch by batch in the pipeline's order (milliseconds per post): where the time
goes. ``--free`` also runs enrichment with the near-duplicate index, the topic stages, or both answering
constants (``stages_free``), in turn with the rest: what the run would cost if they cost nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.datasets import govmsg_posts  # noqa: E402
from nlp.enrich import Enricher  # noqa: E402
from sheqing.records import Post  # noqa: E402


def load_posts(limit: int | None) -> list[Post]:
    """The board's messages as post records, oldest first (``nlp.datasets.govmsg_posts``); the first ``limit``."""
    posts = govmsg_posts()
    return posts[:limit] if limit else posts


def stage_times(enricher: Enricher, posts: list[Post], batch_size: int = 512) -> dict[str, float]:
    """Milliseconds per post of each enrichment stage, timed batch by batch in the pipeline's order from a
    fresh state (what ``Enricher.enrich`` does, without building the records). Each batch is segmented
    first and alone, so "features" is the counting and weighting of words already cut; the near-duplicate
    index and the topic tracker cut their marker-free lines themselves where those differ."""
    from nlp.classify import HEADS
    from nlp.datasets import post_text
    from nlp.dedup import DuplicateIndex
    from nlp.places import extract_places
    from nlp.risk_rules import risk_floor
    from nlp.segment import forget_cut_lines, tokenize
    from nlp.topics import TopicTracker, posts_terms

    model, dups, tracker, out = enricher.model, DuplicateIndex(), TopicTracker(), {}

    def timed(name, fn):
        start = time.perf_counter()
        result = fn()
        out[name] = out.get(name, 0.0) + (time.perf_counter() - start) * 1000 / len(posts)
        return result

    for at in range(0, len(posts), batch_size):
        batch = posts[at:at + batch_size]
        texts = timed("normalise", lambda: [post_text(p.title, p.text) for p in batch])
        forget_cut_lines()
        timed("segmentation (rjieba)", lambda: [tokenize(t) for t in texts])
        X = timed("features", lambda: model.transform(texts))
        heads = timed("three heads with evidence",
                      lambda: {h: model.predict_head(h, X) for h in HEADS})
        timed("risk rules", lambda: [risk_floor(t) for t in texts])
        places = timed("places", lambda: [extract_places(t) for t in texts])
        timed("near-duplicates", lambda: dups.add_texts([(p.id, t) for p, t in zip(batch, texts)]))
        terms = timed("topic terms", lambda: posts_terms([(p.title, p.text) for p in batch]))
        timed("topics", lambda: [tracker.add(p.id, p.text, p.published_at, found, category.label,
                                             title=p.title, terms=t)
                                 for p, t, found, category in zip(batch, terms, places, heads["category"])])
    return out


@contextlib.contextmanager
def stages_free(stages: tuple[str, ...]):
    """Enrichment with the named stages answering constants: "near-duplicates" (every post its own group,
    one fingerprint for all), "topics" (no terms counted, every post its own topic). An upper bound on what
    making them faster, compiled say, could give; the records are not the real ones."""
    import nlp.enrich
    from nlp.dedup import DuplicateIndex
    from nlp.topics import TopicTracker

    saved = DuplicateIndex.add_texts, TopicTracker.add, nlp.enrich.posts_terms
    if "near-duplicates" in stages:
        DuplicateIndex.add_texts = lambda self, items: [("0" * 16, post_id) for post_id, _ in items]
    if "topics" in stages:
        TopicTracker.add = lambda self, post_id, *args, **kwargs: f"topic:{post_id}"
        nlp.enrich.posts_terms = lambda pairs: [None] * len(pairs)
    try:
        yield
    finally:
        DuplicateIndex.add_texts, TopicTracker.add, nlp.enrich.posts_terms = saved


def fastest(runs: dict, rounds: int) -> dict[str, float]:
    """Items per second of the fastest of ``rounds`` calls of each of ``runs`` (name -> a function that
    returns how many it did). The runs take turns, round after round: this shared machine's speed drifts
    by a quarter within minutes, and one side's rounds all run after the other's would carry that drift
    into the ratio."""
    best = dict.fromkeys(runs, 0.0)
    for _ in range(max(1, rounds)):
        for name, run in runs.items():
            start = time.perf_counter()
            done = run()
            best[name] = max(best[name], done / (time.perf_counter() - start))
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=3, help="Runs of each side; the fastest counts.")
    ap.add_argument("--stages", action="store_true", help="Also time each stage, batch by batch.")
    ap.add_argument("--free", action="store_true",
                    help="Also run enrichment with near-duplicates, topics or both answering constants.")
    args = ap.parse_args()
    posts = load_posts(args.limit)
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    enricher = Enricher()
    enricher.warm_up()

    def enrich_all(free: tuple[str, ...] = ()):
        with stages_free(free):
            return sum(1 for _ in Enricher(model=enricher.model).enrich(posts))  # a fresh state each round

    def segment_all():
        for p in posts:
            jieba.lcut(p.title + "\n" + p.text)
        return len(posts)

    runs = {"enrichment": enrich_all, "jieba": segment_all}
    freed = {" and ".join(stages): stages  # run name -> the stages answering constants
             for stages in (("near-duplicates",), ("topics",), ("near-duplicates", "topics"))} if args.free else {}
    runs.update({name: lambda stages=stages: enrich_all(stages) for name, stages in freed.items()})
    rates = fastest(runs, args.rounds)
    ours, base = rates["enrichment"], rates["jieba"]
    print(f"enrichment: {ours:.0f} posts/s over {len(posts)} real messages, fastest of {args.rounds} runs (target 1,500)")
    print(f"baseline: pure-Python jieba precise-mode segmentation alone: {base:.0f} posts/s")
    print(f"ratio enrichment/baseline: {ours / base:.2f}")
    for name in freed:
        rate = rates[name]
        print(f"  with {name} answering constants: {rate:.0f} posts/s "
              f"({1000 / rate:.3f} ms/post; all of it: {1000 / ours:.3f})")
    if args.stages:
        for name, ms in stage_times(enricher, posts).items():
            print(f"  stage {name:27} {ms:.3f} ms/post")


if __name__ == "__main__":
    main()
