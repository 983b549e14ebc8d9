"""Choose the pairs of board messages that annotators judge for the topic and near-duplicate measurement.

Every government-board message (both files, oldest first, ``nlp.datasets.govmsg_posts``) is enriched as the
pipeline does (``Enricher.enrich``: topics and near-duplicate groups), then pairs are drawn from three frames:

- ``topic``: one random pair of posts from each of 160 random topics of two posts or more, as the tracker
  made them when the pairs were drawn (for precision: does a topic hold one issue?);
- ``neighbour``: each message and its most similar message within 7 days (cosine of TF-IDF character
  bigrams, nothing the tracker uses), stratified by that cosine (``BANDS``: how many pairs each band has and
  how many are drawn), for recall: are the posts about one issue put in one topic? The bands' sizes are
  written beside the pairs so that recall can be weighted back to the whole frame;
- ``estate``: 60 random pairs of messages naming the same estate (``nlp.places``, kind ``estate``) within 7
  days, whatever their words: the same complaint in other words, or another complaint at the same place.

A pair drawn twice is kept once, under the first frame. Pairs are shuffled and dealt into ``--slices``
slices; half the pairs (by a seeded draw) are ``dev`` (read for errors while changing the tracker), half
``test`` (only measured). The annotators see neither the frame nor the split (``show_pairs.py``).

    python nlp/labels/tools/select_topic_pairs.py            # writes topic_pairs.csv, judgments empty
    python nlp/labels/tools/select_topic_pairs.py --merge    # fills them from parts/topic_pairs_SLICE.csv

Each annotator writes ``parts/topic_pairs_SLICE.csv`` (pair, same_issue, copy, note; yes or no). A second
reading of a slice (``parts/topic_pairs_SLICEb.csv``) is compared with the first by ``--merge``.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import govmsg_posts, post_text  # noqa: E402
from nlp.enrich import Enricher  # noqa: E402

SEED = 20261124
WEEK = 7 * 86400.0
TOPIC_PAIRS, ESTATE_PAIRS = 160, 60
BANDS = ((0.1, 0.2, 80), (0.2, 0.3, 50), (0.3, 0.5, 40), (0.5, 0.9, 30), (0.9, 1.01, 20))  # cosine from, to, drawn
LABELS = Path(__file__).resolve().parents[1]
OUT = LABELS / "topic_pairs.csv"
COLUMNS = ["pair", "message_a", "message_b", "slice", "split", "frame", "band", "band_pairs", "same_issue", "copy",
           "annotator"]


def neighbours(posts, texts) -> dict[tuple[int, int], float]:
    """(i, j) with i < j -> cosine, for each post and its most similar post within a week."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    X = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True).fit_transform(texts)
    times = np.array([p.published_at.timestamp() for p in posts])
    pairs = {}
    for start in range(0, len(posts), 1000):
        block = (X[start:start + 1000] @ X.T).toarray()
        block[np.abs(times[start:start + 1000, None] - times[None, :]) > WEEK] = 0.0
        block[np.arange(len(block)), np.arange(start, start + len(block))] = 0.0
        for offset, j in enumerate(block.argmax(axis=1)):
            i = start + offset
            if block[offset, j] > 0:
                pairs[(min(i, int(j)), max(i, int(j)))] = float(block[offset, j])
    return pairs


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def merge(path: Path = OUT) -> None:
    """Fill the judgments of ``path`` from each slice's annotator file; print the agreement of second readings."""
    rows = _read(path)
    for slice_no in sorted({row["slice"] for row in rows}):
        judged = {r["pair"]: r for r in _read(LABELS / "parts" / f"topic_pairs_{slice_no}.csv")}
        mine = [row for row in rows if row["slice"] == slice_no]
        if set(judged) != {row["pair"] for row in mine}:
            raise SystemExit(f"parts/topic_pairs_{slice_no}.csv does not judge exactly the pairs of slice {slice_no}")
        for row in mine:
            answer = judged[row["pair"]]
            if answer["same_issue"] not in ("yes", "no") or answer["copy"] not in ("yes", "no") or \
                    (answer["copy"], answer["same_issue"]) == ("yes", "no"):
                raise SystemExit(f"pair {row['pair']}: same_issue and copy must be yes or no, a copy the same issue")
            row.update(same_issue=answer["same_issue"], copy=answer["copy"], annotator=f"pairs_{slice_no}")
        second = LABELS / "parts" / f"topic_pairs_{slice_no}b.csv"
        if second.exists():
            again = {r["pair"]: r for r in _read(second)}
            for field in ("same_issue", "copy"):
                agree = sum(again[row["pair"]][field] == row[field] for row in mine)
                print(f"slice {slice_no}, second reading: {field} agrees on {agree} of {len(mine)} pairs")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, COLUMNS)
        out.writeheader()
        out.writerows(rows)
    print(f"{sum(1 for row in rows if row['same_issue'])} judged pairs -> {path}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--slices", type=int, default=4)
    ap.add_argument("--merge", action="store_true", help="Fill the judgments from the annotators' files.")
    args = ap.parse_args()
    if args.merge:
        return merge(args.out)
    rng = random.Random(SEED)
    posts = govmsg_posts()
    enriched = list(Enricher().enrich(posts))
    texts = [post_text(p.title, p.text) for p in posts]
    times = [p.published_at.timestamp() for p in posts]

    chosen: dict[tuple[int, int], dict] = {}

    def take(pair, frame, **extra):
        pair = tuple(sorted(pair))
        if pair not in chosen:
            chosen[pair] = {"frame": frame, **extra}

    members = defaultdict(list)
    for i, post in enumerate(enriched):
        members[post.enrichment.topic_id].append(i)
    topics = sorted(topic for topic, ids in members.items() if len(ids) >= 2)
    for topic in rng.sample(topics, min(TOPIC_PAIRS, len(topics))):
        take(rng.sample(members[topic], 2), "topic", band="", band_pairs="")

    near = neighbours(posts, texts)
    for low, high, drawn in BANDS:
        band = sorted(pair for pair, cosine in near.items() if low <= cosine < high)
        for pair in rng.sample(band, min(drawn, len(band))):
            take(pair, "neighbour", band=f"{low:.1f}-{min(high, 1.0):.1f}", band_pairs=len(band))

    by_estate = defaultdict(list)
    for i, post in enumerate(enriched):
        for name in {m.text for m in post.enrichment.places if m.kind == "estate"}:
            by_estate[name].append(i)
    same_estate = sorted({pair for ids in by_estate.values() for pair in combinations(ids, 2)
                          if abs(times[pair[0]] - times[pair[1]]) <= WEEK})
    for pair in rng.sample(same_estate, min(ESTATE_PAIRS, len(same_estate))):
        take(pair, "estate", band="", band_pairs=len(same_estate))

    rows = list(chosen.items())
    rng.shuffle(rows)
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for n, ((a, b), info) in enumerate(rows):
            out.writerow([f"p{n:03d}", posts[a].post_id, posts[b].post_id, n % args.slices,
                          "dev" if rng.random() < 0.5 else "test", info["frame"], info["band"], info["band_pairs"],
                          "", "", ""])
    frames = Counter(info["frame"] for _, info in rows)
    print(f"{len(rows)} pairs ({dict(frames)}) "
          f"from {len(topics)} topics, {len(near)} neighbour pairs, {len(same_estate)} same-estate pairs -> {args.out}")


if __name__ == "__main__":
    main()
