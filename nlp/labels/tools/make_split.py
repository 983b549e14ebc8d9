"""Merge the annotators' slice files into one label file and set aside the held-out split.

Run before any training on new labels: python nlp/labels/tools/make_split.py
- reads nlp/labels/parts/slice_*.csv (message_id, category, risk, sentiment); slices 0-5 label
  messages_with_votes.csv (round 1), slices 6-9 messages_with_replies.csv (round 2, rare categories);
- a message already in govmsg_labels.csv keeps its split: splits are drawn once per round, never redrawn;
- groups near-duplicate messages (same normalised title, or character 4-gram Jaccard >= 0.6 on the text)
  so that reposts never sit on both sides of the split;
- draws the held-out split (20 %, at least 400 messages) stratified by category, seeded, at group level;
- writes nlp/labels/govmsg_labels.csv: message_id, category, risk, sentiment, split, annotator, dup_group.
The texts are read from ../shared/data for grouping only; nothing of them is written.
"""
from __future__ import annotations

import csv
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

LABELS = Path(__file__).resolve().parents[1]
GOVMSG = LABELS.parents[2] / "shared" / "data" / "govmsg"
ROUNDS = {"votes": (range(0, 6), GOVMSG / "messages_with_votes.csv"),
          "replies": (range(6, 10), GOVMSG / "messages_with_replies.csv")}
SEED = 20261122
HELD_OUT_SHARE = 0.20


def grams(text: str) -> set[str]:
    t = re.sub(r"\s+", "", text)
    return {t[i:i + 4] for i in range(max(1, len(t) - 3))}


def split_round(rows: list[dict], data: Path, seed: int) -> dict[str, tuple[str, str]]:
    """message id -> (split, dup_group) for one round's rows."""
    ids = [r["message_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids across slices"
    msgs = {r["留言编号"]: r for r in csv.DictReader(open(data, encoding="utf-8"))}
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_title = defaultdict(list)
    for i in ids:
        by_title[re.sub(r"\W", "", msgs[i]["留言主题"])].append(i)
    for same in by_title.values():
        for other in same[1:]:
            parent[find(other)] = find(same[0])
    g = {i: grams(msgs[i]["留言详情"]) for i in ids}
    index = defaultdict(set)
    for i in ids:
        for gram in g[i]:
            index[gram].add(i)
    for i in ids:
        counts = Counter(j for gram in g[i] for j in index[gram] if j > i and len(index[gram]) < 50)
        for j, shared in counts.items():
            if shared / len(g[i] | g[j]) >= 0.6:
                parent[find(j)] = find(i)
    groups = defaultdict(list)
    for i in ids:
        groups[find(i)].append(i)
    label = {r["message_id"]: r for r in rows}
    rng = random.Random(seed)
    by_cat = defaultdict(list)
    for root, members in groups.items():
        by_cat[label[members[0]]["category"]].append(root)
    held = set()
    for cat, roots in sorted(by_cat.items()):
        rng.shuffle(roots)
        size = sum(len(groups[r]) for r in roots)
        target, taken = round(size * HELD_OUT_SHARE), 0
        for root in roots:
            if taken >= target:
                break
            held.add(root)
            taken += len(groups[root])
    return {i: ("heldout" if find(i) in held else "train", find(i)) for i in ids}


def main() -> None:
    out = LABELS / "govmsg_labels.csv"
    existing = {}
    if out.exists():
        existing = {r["message_id"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
    written = []
    for source, (slices, data) in ROUNDS.items():
        rows = []
        for n in slices:
            part = LABELS / "parts" / f"slice_{n}.csv"
            if part.exists():
                rows += [dict(r, annotator=part.stem) for r in csv.DictReader(open(part, encoding="utf-8"))]
        if not rows:
            continue
        fresh = split_round(rows, data, SEED)
        for r in rows:
            old = existing.get(r["message_id"])
            split, group = (old["split"], old["dup_group"]) if old else fresh[r["message_id"]]
            written.append([r["message_id"], source, r["category"], r["risk"], r["sentiment"], split,
                            r["annotator"], group])
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["message_id", "source", "category", "risk", "sentiment", "split", "annotator", "dup_group"])
        w.writerows(written)
    split = Counter((row[1], row[5]) for row in written)
    print(f"{len(written)} labels; split {dict(split)} -> {out}")


if __name__ == "__main__":
    main()
