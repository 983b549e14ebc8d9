"""Choose which govmsg messages are sent to annotators, and in which slices.

The board is dominated by routine urban-construction complaints, so a purely random
sample would hold only a handful of fire, fraud, theft or food-safety messages. We
therefore take every keyword group below up to a cap (the keywords only *select*
messages for reading; they never set a label), then fill up with a seeded random
sample. The result is written as `nlp/labels/selection.csv` (message id, slice).

Run: python nlp/labels/tools/select_messages.py ../shared/data/govmsg/messages_with_votes.csv
A second round (rare categories) draws from messages_with_replies.csv:
     python nlp/labels/tools/select_messages.py ../shared/data/govmsg/messages_with_replies.csv \
         --total 1200 --slices 4 --first-slice 6 --cap 160 --out selection_replies.csv
Round 3 takes every message not read yet, in both files:
     python nlp/labels/tools/select_messages.py ../shared/data/govmsg/messages_with_votes.csv \
         --total 9999 --slices 4 --first-slice 10 --exclude selection.csv --out selection_votes_rest.csv
     python nlp/labels/tools/select_messages.py ../shared/data/govmsg/messages_with_replies.csv \
         --total 9999 --slices 4 --first-slice 14 --exclude selection_replies.csv --out selection_replies_rest.csv
"""
from __future__ import annotations

import csv
import random
import re
from pathlib import Path

SEED = 20261122
TOTAL = 2520
SLICES = 6
CAP_PER_GROUP = 70
GROUPS = {
    "fire": "消防|火灾|着火|起火|电动车.*充电|飞线|消防通道",
    "gas": "燃气|煤气|天然气",
    "lift": "电梯",
    "fraud": "集资|诈骗|理财|P2P|跑路|烂尾",
    "order": "盗窃|小偷|抢劫|打架|斗殴|吸毒|赌博|黑车|高空抛物",
    "food": "食品|中毒|过期|无证经营|药品|假药",
    "labor": "工资|欠薪|拖欠|社保|工伤|实习",
    "school": "学校.*安全|霸凌|校门|培训机构",
    "building": "危房|裂缝|违建|违章建筑|施工安全|坍塌|倒塌",
    "health": "疫苗|传染|医疗纠纷|医疗废物|蟑螂|老鼠",
    "neighbor": "邻居|楼上|楼下|狗|宠物",
    "school_gate": "学校|校园|学生|幼儿园",
    "hazard": "隐患|危险|受伤|死亡|跳楼|威胁|报复",
}


def main(path: str, total: int = TOTAL, slices: int = SLICES, first_slice: int = 0, cap: int = CAP_PER_GROUP,
         out_name: str = "selection.csv", exclude: str | None = None) -> None:
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    if exclude:
        done = {r["message_id"] for r in csv.DictReader(open(Path(__file__).resolve().parents[1] / exclude))}
        rows = [r for r in rows if r["留言编号"] not in done]
    rng = random.Random(SEED)
    rng.shuffle(rows)
    chosen: dict[str, None] = {}
    for pattern in GROUPS.values():
        hits = [r["留言编号"] for r in rows if re.search(pattern, r["留言主题"] + r["留言详情"])]
        for mid in hits[:cap]:
            chosen.setdefault(mid)
    for r in rows:
        if len(chosen) >= total:
            break
        chosen.setdefault(r["留言编号"])
    ids = list(chosen)
    rng.shuffle(ids)
    out = Path(__file__).resolve().parents[1] / out_name
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["message_id", "slice"])
        for i, mid in enumerate(ids):
            w.writerow([mid, first_slice + i % slices])
    print(f"wrote {len(ids)} ids in {slices} slices to {out}")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default="../shared/data/govmsg/messages_with_votes.csv")
    ap.add_argument("--total", type=int, default=TOTAL)
    ap.add_argument("--slices", type=int, default=SLICES)
    ap.add_argument("--first-slice", type=int, default=0)
    ap.add_argument("--cap", type=int, default=CAP_PER_GROUP)
    ap.add_argument("--out", default="selection.csv")
    ap.add_argument("--exclude", help="a selection file (in nlp/labels) whose messages were read already")
    a = ap.parse_args()
    main(a.path, a.total, a.slices, a.first_slice, a.cap, a.out, a.exclude)
