"""Print the messages of one annotation slice, for an annotator to read.

Usage: python nlp/labels/tools/show_slice.py SLICE START COUNT
Prints message id, title and full text (whitespace collapsed) of selection rows
START..START+COUNT-1 of that slice. Texts stay in ../shared/data; nothing is copied.
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import govmsg_messages  # noqa: E402

LABELS = Path(__file__).resolve().parents[1]
# slices 0-5 come from messages_with_votes.csv, slices 6-9 (second round) from messages_with_replies.csv;
# round 3 reads the rest of both files: slices 10-13 (votes) and 14-17 (replies); round 4 the board's own
# labelled sample (slices 18-19)
SOURCES = [("selection.csv", "votes"), ("selection_replies.csv", "replies"), ("selection_votes_rest.csv", "votes"),
           ("selection_replies_rest.csv", "replies"), ("selection_sample.csv", "sample")]


def main(slice_no: int, start: int, count: int) -> None:
    for selection, source in SOURCES:
        path = LABELS / selection
        ids = [r["message_id"] for r in csv.DictReader(open(path)) if int(r["slice"]) == slice_no] if path.exists() else []
        if ids:
            break
    msgs = govmsg_messages(source)
    for n, mid in enumerate(ids[start:start + count], start):
        r = msgs[mid]
        text = re.sub(r"\s+", " ", r["留言详情"]).strip()
        print(f"[{n}] id={mid} | {r['留言主题']} | {r['留言时间']}\n{text[:1800]}\n")
    print(f"-- slice {slice_no}: {len(ids)} messages in all")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
