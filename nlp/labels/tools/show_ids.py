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

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import govmsg_messages  # noqa: E402


def main(path: str, start: int, count: int) -> None:
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    msgs = {source: govmsg_messages(source) for source in {r["source"] for r in rows}}
    for n, row in enumerate(rows[start:start + count], start):
        m = msgs[row["source"]][row["message_id"]]
        text = re.sub(r"\s+", " ", m["留言详情"]).strip()
        extra = {k: v for k, v in row.items() if k not in ("message_id", "source")}
        print(f"[{n}] id={row['message_id']} | {m['留言主题']} | {m['留言时间']}\n{text[:1800]}")
        print(f"   >> {extra}\n" if extra else "")
    print(f"-- {len(rows)} messages in all")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
