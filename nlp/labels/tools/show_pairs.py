"""Print the pairs of one annotation slice of ``topic_pairs.csv``, for an annotator to read.

Usage: python nlp/labels/tools/show_pairs.py SLICE [START COUNT]
Prints each pair's id, then both messages: id, time, title and full text (whitespace collapsed, at most
1,500 characters). Neither the frame a pair was drawn from, nor its split, nor any judgment is shown. Texts stay in
../shared/data; nothing is copied.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import govmsg_messages  # noqa: E402

QUEUE = Path(__file__).resolve().parents[1] / "topic_pairs.csv"


def main(slice_no: int, start: int = 0, count: int = 10_000) -> None:
    with open(QUEUE, encoding="utf-8", newline="") as fh:
        pairs = [row for row in csv.DictReader(fh) if int(row["slice"]) == slice_no]
    messages = {**govmsg_messages("votes"), **govmsg_messages("replies")}
    for row in pairs[start:start + count]:
        print(f"===== pair {row['pair']}")
        for side in ("message_a", "message_b"):
            r = messages[row[side]]
            text = re.sub(r"\s+", " ", r["留言详情"]).strip()
            print(f"[{side[-1].upper()}] id={row[side]} | {r['留言时间']} | {r['留言主题']}\n{text[:1500]}")
        print()
    print(f"-- slice {slice_no}: {len(pairs)} pairs in all")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
