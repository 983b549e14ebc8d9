"""Merge the annotators' slice files into one label file and set aside the held-out split.

Run before any training on new labels: python nlp/labels/tools/make_split.py
- reads nlp/labels/parts/slice_*.csv (message_id, category, risk, sentiment); SLICES says which file of
  ../shared/data/govmsg each slice labels (round 1: 0-5, round 2: 6-9, round 3: 10-17, round 4: 18-19);
- groups near-duplicate messages over both files (same normalised title, or character 4-gram Jaccard >= 0.6
  on the text) so that reposts never sit on both sides of the split;
- a message already in govmsg_labels.csv keeps its split and group: splits are drawn once, never redrawn;
- a new message that joins a group with labelled members takes that group's split (held-out if any member
  is held out), so a repost of a held-out message is never trained on;
- the remaining new groups are drawn into the held-out split (20 % of the new messages) stratified by
  category, seeded, at group level;
- applies the reviews in nlp/labels/review/ (see ``reviewed``): held-out labels become the two annotators'
  agreed labels or, where they disagreed, a third annotator's decision; re-checked train labels take the
  re-checker's decision; messages on a category or risk boundary read a second time (``reread.py``) take
  the agreed or adjudicated label;
- writes nlp/labels/govmsg_labels.csv: message_id, source, category, risk, sentiment, split, annotator,
  dup_group, review (single | agreed | adjudicated | rechecked).
The texts are read from ../shared/data for grouping only; nothing of them is written.
"""
from __future__ import annotations

import csv
import functools
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

from nlp.datasets import GOVMSG_FILES, govmsg_messages
from reread import REREADS  # (this directory: the script's own)
from sheqing.files import atomic_file
from sheqing.records import HEADS

LABELS = Path(__file__).resolve().parents[1]
SLICES = {**{n: "votes" for n in (*range(0, 6), *range(10, 14))},
          **{n: "replies" for n in (*range(6, 10), *range(14, 18))},
          **{n: "sample" for n in (18, 19)}}
SEED = 20261122
HELD_OUT_SHARE = 0.20
COLUMNS = ["message_id", "source", "category", "risk", "sentiment", "split", "annotator", "dup_group", "review"]
REVIEW = LABELS / "review"


@functools.cache
def _review(pattern: str) -> dict[str, dict]:
    """message id -> row, over the review files matching ``pattern``."""
    return {r["message_id"]: r for path in sorted(REVIEW.glob(pattern))
            for r in csv.DictReader(open(path, encoding="utf-8"))}


def reviewed(row: dict) -> tuple[dict, str]:
    """The final labels of a message and how they were made.

    - held-out: a second annotator labelled every message blind (``heldout_second_*.csv``); where the two
      agree on all three labels they stand (``agreed``), otherwise a third annotator, shown both readings in
      random order and no model output, decided (``heldout_adjudicated_*.csv``: ``adjudicated``);
    - train: messages whose category or risk differed from a cross-validated model's prediction were
      re-read by an annotator shown both (``train_decided_*.csv``: ``rechecked``; sentiment kept);
    - then, in the order of ``reread.REREADS``, the messages on a category or risk boundary read again
      blind for that label (``NAME_second_*.csv``, ``tools/reread.py``): where that reading differs from
      the label so far, a third annotator, shown both in random order, decided (``NAME_adjudicated.csv``:
      ``adjudicated``); where it agrees, a label of one reading becomes ``agreed``.
    """
    mid = row["message_id"]
    second, rechecked = _review("heldout_second_*.csv").get(mid), _review("train_decided_*.csv").get(mid)
    how = "single"
    if row["split"] == "heldout" and second:
        if all(second[h] == row[h] for h in HEADS):
            how = "agreed"
        else:
            decided = _review("heldout_adjudicated_*.csv")[mid]
            row, how = {**row, **{h: decided[h] for h in HEADS}}, "adjudicated"
    if row["split"] == "train" and rechecked:
        row, how = {**row, "category": rechecked["category"], "risk": rechecked["risk"]}, "rechecked"
    for name, reread in REREADS.items():
        head = reread.head
        boundary = _review(f"{name}_second_*.csv").get(mid) if row["split"] == reread.split else None
        if boundary and boundary[head] != row[head]:
            row, how = {**row, head: _review(f"{name}_adjudicated.csv")[mid][head]}, "adjudicated"
        elif boundary and how == "single":
            how = "agreed"
    return row, how


def grams(text: str) -> set[str]:
    t = re.sub(r"\s+", "", text)
    return {t[i:i + 4] for i in range(max(1, len(t) - 3))}


def near_duplicate_groups(ids: list[str], msgs: dict[str, dict]) -> dict[str, str]:
    """message id -> root id of its near-duplicate group (same normalised title or 4-gram Jaccard >= 0.6)."""
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb, key=ids_order.__getitem__)] = min(ra, rb, key=ids_order.__getitem__)

    ids_order = {i: n for n, i in enumerate(ids)}
    by_title = defaultdict(list)
    for i in ids:
        by_title[re.sub(r"\W", "", msgs[i]["留言主题"])].append(i)
    for same in by_title.values():
        for other in same[1:]:
            join(same[0], other)
    g = {i: grams(msgs[i]["留言详情"]) for i in ids}
    index = defaultdict(set)
    for i in ids:
        for gram in g[i]:
            index[gram].add(i)
    for i in ids:
        counts = Counter(j for gram in g[i] for j in index[gram]
                         if ids_order[j] > ids_order[i] and len(index[gram]) < 50)
        for j, shared in counts.items():
            if shared / len(g[i] | g[j]) >= 0.6:
                join(i, j)
    return {i: find(i) for i in ids}


def draw_held_out(groups: dict[str, list[str]], label: dict[str, dict], seed: int) -> set[str]:
    """Roots of the groups set aside: 20 % of the messages of each category, whole groups, seeded."""
    rng = random.Random(seed)
    by_cat = defaultdict(list)
    for root, members in sorted(groups.items()):
        by_cat[label[members[0]]["category"]].append(root)
    held = set()
    for cat, roots in sorted(by_cat.items()):
        rng.shuffle(roots)
        target, taken = round(sum(len(groups[r]) for r in roots) * HELD_OUT_SHARE), 0
        for root in roots:
            if taken >= target:
                break
            held.add(root)
            taken += len(groups[root])
    return held


def main() -> None:
    out = LABELS / "govmsg_labels.csv"
    existing = {}
    if out.exists():
        existing = {r["message_id"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
    rows = []
    for n, source in sorted(SLICES.items()):
        part = LABELS / "parts" / f"slice_{n}.csv"
        if part.exists():
            rows += [dict(r, annotator=part.stem, source=source)
                     for r in csv.DictReader(open(part, encoding="utf-8"))]
    ids = [r["message_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids across slices"
    msgs = {}
    for source in GOVMSG_FILES:
        msgs.update(govmsg_messages(source))
    root = near_duplicate_groups(ids, msgs)
    members = defaultdict(list)
    for i in ids:
        members[root[i]].append(i)
    label = {r["message_id"]: r for r in rows}
    assigned: dict[str, tuple[str, str]] = {i: (e["split"], e["dup_group"]) for i, e in existing.items() if i in label}
    fresh_groups, conflicts = {}, 0
    for r, group in members.items():
        old = [assigned[i] for i in group if i in assigned]
        if not old:
            fresh_groups[r] = group
            continue
        splits = {s for s, _ in old}
        conflicts += len(splits) > 1
        split = "heldout" if "heldout" in splits else "train"
        dup_group = next(g for s, g in old if s == split)
        for i in group:
            assigned.setdefault(i, (split, dup_group))
    held = draw_held_out(fresh_groups, label, SEED)
    for r, group in fresh_groups.items():
        for i in group:
            assigned[i] = ("heldout" if r in held else "train", r)
    reviews = Counter()
    with atomic_file(out, newline="") as fh:  # a review file that fails to read leaves the labels as they were
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for r in rows:
            split, group = assigned[r["message_id"]]
            final, how = reviewed({**r, "split": split})
            reviews[how] += 1
            w.writerow([r["message_id"], r["source"], final["category"], final["risk"], final["sentiment"], split,
                        r["annotator"], group, how])
    counts = Counter(assigned[i][0] for i in ids)
    new = [i for i in ids if i not in existing]
    print(f"{len(rows)} labels ({len(new)} new: {dict(Counter(assigned[i][0] for i in new))}); "
          f"split {dict(counts)}; groups bridging both splits: {conflicts}; reviews {dict(reviews)} -> {out}")


if __name__ == "__main__":
    main()
