"""Choose the real Weibo posts to rate for risk: how the risk rules do on social-media text.

Usage: python nlp/labels/tools/select_weibo_risk.py           (writes nlp/labels/weibo_risk_selection.csv)
       python nlp/labels/tools/select_weibo_risk.py --merge   (selection + parts/weibo_risk_s*.csv -> weibo_risk.csv)
       python nlp/labels/tools/select_weibo_risk.py --merge sentiment   (parts/weibo_sentiment_s?.csv ->
       weibo_sentiment.csv: the same posts, slices and splits, rated for sentiment)

The rules (``nlp.risk_rules``) were written on government-board letters and the team's forum posts; a
community forum reads more like Weibo, where fire, blood and death are also cooking, films and jokes.
Three strata of the 29,744 posts of ``emotion/`` (``nlp.datasets.weibo_posts``):

- ``flagged``: every post the rules, as of commit 7e55241, raise to ``medium`` or above (all of them);
- ``hazard``: 200 drawn at random from the posts that name a hazard (``HAZARD``) and are not flagged;
- ``plain``: 50 drawn at random from the rest.

Each row gets a ``slice`` (0-3, one annotator each, drawn at random) and a ``split``: half of each
stratum ``dev`` (read for errors while changing the rules), half ``test`` (only measured). Seed 20261123.
The selection only chooses what is read: the annotators see the posts in random order, without the
stratum, the rules' verdict or the split.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import weibo_posts  # noqa: E402
from nlp.risk_rules import risk_floor  # noqa: E402
from sheqing.records import RISKS, SENTIMENTS  # noqa: E402

LABELS = Path(__file__).resolve().parents[1]
OUT = LABELS / "weibo_risk_selection.csv"
SEED = 20261123
HAZARD = re.compile("火|烟|爆|炸|燃气|煤气|漏气|死|亡|伤|血|打|砍|杀|刀|枪|跳楼|自杀|轻生|塌|淹|洪|困|救命|报警|警察|"
                    "事故|撞|中毒|毒|抢|偷|盗|威胁|报复|闹事|冲突|围堵|讨薪|欠薪|电梯|危险|隐患")


def main() -> None:
    rng = random.Random(SEED)
    posts = weibo_posts()
    flagged, hazard, plain = [], [], []
    for post_id, text in posts.items():
        if risk_floor(text).level in ("medium", "high", "critical"):
            flagged.append(post_id)
        else:
            (hazard if HAZARD.search(text) else plain).append(post_id)
    strata = {"flagged": flagged, "hazard": rng.sample(hazard, 200), "plain": rng.sample(plain, 50)}
    frame = {"flagged": len(flagged), "hazard": len(hazard), "plain": len(plain)}
    rows = []
    for stratum, ids in strata.items():
        ids = list(ids)
        rng.shuffle(ids)
        rows += [{"post_id": post_id, "stratum": stratum, "frame": frame[stratum],
                  "split": "dev" if i % 2 == 0 else "test"} for i, post_id in enumerate(ids)]
    rng.shuffle(rows)
    for i, row in enumerate(rows):
        row["slice"] = i % 4
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["post_id", "stratum", "frame", "split", "slice"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} posts: " + ", ".join(f"{k} {len(v)} of {frame[k]}" for k, v in strata.items()) + f" -> {OUT}")


def merge(field: str = "risk") -> None:
    """Join the selection with each slice's ratings (``parts/weibo_FIELD_sN.csv``: post_id, FIELD, reason;
    FIELD ``risk`` or ``sentiment``) into ``weibo_FIELD.csv``: every selected post rated exactly once, by its
    own slice's annotator, with a value of the guide. (``parts/weibo_sentiment_sN_byM.csv``, a second reading
    of part of slice N, is for the agreement figure only.)"""
    allowed, merged = {"risk": RISKS, "sentiment": SENTIMENTS}[field], LABELS / f"weibo_{field}.csv"
    with open(OUT, encoding="utf-8", newline="") as fh:
        selection = {row["post_id"]: row for row in csv.DictReader(fh)}
    rated = {}
    for path in sorted((LABELS / "parts").glob(f"weibo_{field}_s?.csv")):
        annotator = path.stem.removeprefix(f"weibo_{field}_")
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                post_id, value = row["post_id"].strip(), row[field].strip()
                if post_id in rated or post_id not in selection or value not in allowed:
                    raise SystemExit(f"{path}: {post_id}: rated twice, not selected, or {field} {value!r} unknown")
                if f"s{selection[post_id]['slice']}" != annotator:
                    raise SystemExit(f"{path}: {post_id} belongs to slice {selection[post_id]['slice']}")
                rated[post_id] = (value, annotator)
    missing = selection.keys() - rated.keys()
    if missing:
        raise SystemExit(f"{len(missing)} selected posts are not rated, e.g. {sorted(missing)[:3]}")
    with open(merged, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["post_id", "stratum", "frame", "split", field, "annotator"])
        for post_id, row in selection.items():
            writer.writerow([post_id, row["stratum"], row["frame"], row["split"], *rated[post_id]])
    print(f"{len(rated)} ratings -> {merged}")


if __name__ == "__main__":
    merge(*sys.argv[2:3]) if sys.argv[1:2] == ["--merge"] else main()
