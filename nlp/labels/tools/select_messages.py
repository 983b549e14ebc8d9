"""Choose which govmsg messages are sent to annotators, and in which slices.

The board is dominated by routine urban-construction complaints, so a purely random
sample would hold only a handful of fire, fraud, theft or food-safety messages. We
therefore take every keyword group below up to a cap (the keywords only *select*
messages for reading; they never set a label), then fill up with a seeded random
sample. The result is written as `nlp/labels/selection.csv` (message id, slice).

Run: python nlp/labels/tools/select_messages.py ../shared/data/govmsg/messages_with_votes.csv
"""
from __future__ import annotations

import csv
import random
import re
import sys
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
}


def main(path: str) -> None:
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    rng = random.Random(SEED)
    rng.shuffle(rows)
    chosen: dict[str, None] = {}
    for pattern in GROUPS.values():
        hits = [r["留言编号"] for r in rows if re.search(pattern, r["留言主题"] + r["留言详情"])]
        for mid in hits[:CAP_PER_GROUP]:
            chosen.setdefault(mid)
    for r in rows:
        if len(chosen) >= TOTAL:
            break
        chosen.setdefault(r["留言编号"])
    ids = list(chosen)
    rng.shuffle(ids)
    out = Path(__file__).resolve().parents[1] / "selection.csv"
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["message_id", "slice"])
        for i, mid in enumerate(ids):
            w.writerow([mid, i % SLICES])
    print(f"wrote {len(ids)} ids in {SLICES} slices to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/govmsg/messages_with_votes.csv")
