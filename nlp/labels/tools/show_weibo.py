"""Print the Weibo posts of one slice of ``weibo_risk_selection.csv``, for an annotator to rate for risk.

Usage: python nlp/labels/tools/show_weibo.py SLICE
Prints each post's id and its normalised text, in the selection's (random) order, and nothing else: not the
stratum, not what the rules say, not the split. Texts stay in ../shared/data; nothing is copied.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import weibo_posts  # noqa: E402

SELECTION = Path(__file__).resolve().parents[1] / "weibo_risk_selection.csv"


def main(slice_no: int) -> None:
    posts = weibo_posts()
    with open(SELECTION, encoding="utf-8", newline="") as fh:
        ids = [row["post_id"] for row in csv.DictReader(fh) if int(row["slice"]) == slice_no]
    for n, post_id in enumerate(ids):
        print(f"[{n}] id={post_id}\n{posts[post_id]}\n")
    print(f"-- slice {slice_no}: {len(ids)} posts")


if __name__ == "__main__":
    main(int(sys.argv[1]))
