"""Print the Weibo posts of one slice of a selection, for an annotator to label.

Usage: python nlp/labels/tools/show_weibo.py SLICE [SELECTION]
SELECTION: a file of ``nlp/labels`` with ``post_id`` and ``slice`` columns (default ``weibo_risk_selection.csv``,
the posts rated for risk and sentiment; ``weibo_sample_selection.csv``, the random sample).
Prints each post's id and its normalised text, in the selection's (random) order, and nothing else: not the
stratum, not what the rules say, not the split. Texts stay in ../shared/data; nothing is copied.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import weibo_posts  # noqa: E402

LABELS = Path(__file__).resolve().parents[1]


def main(slice_no: int, selection: str = "weibo_risk_selection.csv") -> None:
    posts = weibo_posts()
    with open(LABELS / selection, encoding="utf-8", newline="") as fh:
        ids = [row["post_id"] for row in csv.DictReader(fh) if int(row["slice"]) == slice_no]
    for n, post_id in enumerate(ids):
        print(f"[{n}] id={post_id}\n{posts[post_id]}\n")
    print(f"-- slice {slice_no}: {len(ids)} posts")


if __name__ == "__main__":
    main(int(sys.argv[1]), *sys.argv[2:3])
