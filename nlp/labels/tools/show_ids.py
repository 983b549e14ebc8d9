"""Print the messages named in a review list, for an annotator to read (second annotation, re-checks).

Usage: python nlp/labels/tools/show_ids.py LIST.csv START COUNT
LIST.csv has at least ``message_id`` and ``source`` (votes | replies); any other column (a first label to
re-check, say) is printed after the text. Texts stay in ../shared/data; nothing is copied.
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

LABELS = Path(__file__).resolve().parents[1]
GOVMSG = LABELS.parents[2] / "shared" / "data" / "govmsg"
FILES = {"votes": GOVMSG / "messages_with_votes.csv", "replies": GOVMSG / "messages_with_replies.csv",
         "sample": GOVMSG / "labelled_sample.csv"}


def main(path: str, start: int, count: int) -> None:
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    msgs = {}
    for source in {r["source"] for r in rows}:
        msgs[source] = {r["留言编号"]: r for r in csv.DictReader(open(FILES[source], encoding="utf-8"))}
    for n, row in enumerate(rows[start:start + count], start):
        m = msgs[row["source"]][row["message_id"]]
        text = re.sub(r"\s+", " ", m["留言详情"]).strip()
        extra = {k: v for k, v in row.items() if k not in ("message_id", "source")}
        print(f"[{n}] id={row['message_id']} | {m['留言主题']} | {m['留言时间']}\n{text[:1800]}")
        print(f"   >> {extra}\n" if extra else "")
    print(f"-- {len(rows)} messages in all")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
