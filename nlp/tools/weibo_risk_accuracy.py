"""How the risk rules, and the classifier with them, rate real Weibo posts: false alarms and misses on
social-media text, where fire, blood and death are also cooking, films and jokes.

Labels: ``nlp/labels/weibo_risk.csv`` (post id, stratum, frame, split, risk, annotator): real posts of the
emotion sets rated for risk by reading (the labels README says how). The posts were drawn in strata
(``nlp/labels/tools/select_weibo_risk.py``): every post the rules flagged at ``medium`` or above when the
sample was drawn, 200 of the 3,299 other posts that name a hazard, 50 of the 26,018 rest. Figures over a
split weigh each post by its stratum's size over the posts of that stratum in the split, so they estimate
the whole 29,744 posts; the raw counts are printed too. ``dev`` is read for errors while changing the
rules, ``test`` only measured.

For each split, two alert levels (``medium`` or above: a yellow alert or more; ``high`` or above: orange
or red) and two raters: the rules alone (``risk_floor``) and what enrichment does (the classifier's risk
head settled by the rules, ``nlp.train.predict_all``).

    python nlp/tools/weibo_risk_accuracy.py [--show dev]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import weibo_posts  # noqa: E402
from nlp.risk_rules import risk_floor  # noqa: E402
from nlp.train import predict_all, yes_no  # noqa: E402
from nlp.tools import figures  # noqa: E402
from sheqing.records import RISKS  # noqa: E402

LABELS = Path(__file__).resolve().parents[1] / "labels" / "weibo_risk.csv"


def read_labels(path: Path = LABELS) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def scores(rows: list[dict], rated: dict[str, str], at_least: str) -> dict:
    """Weighted precision and recall of ``rated`` (post id -> level) at ``at_least`` against the rows' labels
    (``yes_no``; each post weighs its stratum's size over the stratum's posts among ``rows``), and the raw
    counts (flagged, true, both) in the sample."""
    per_stratum = Counter(row["stratum"] for row in rows)
    bar = RISKS.index(at_least)
    return yes_no([RISKS.index(row["risk"]) >= bar for row in rows],
                  [RISKS.index(rated[row["post_id"]]) >= bar for row in rows],
                  [int(row["frame"]) / per_stratum[row["stratum"]] for row in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--show", choices=("dev",), help="List each dev post on which the rules and the label disagree about medium+ or high+.")
    args = ap.parse_args()
    from nlp.classify import PostClassifier

    rows, posts = read_labels(), weibo_posts()
    texts = [posts[row["post_id"]] for row in rows]
    floors = [risk_floor(text) for text in texts]
    settled = predict_all(PostClassifier.load(), texts, floors=floors)["risk"]
    raters = {"rules alone": {row["post_id"]: floor.level for row, floor in zip(rows, floors)},
              "classifier with rules": {row["post_id"]: level for row, level in zip(rows, settled)}}
    for split in ("dev", "test"):
        part = [row for row in rows if row["split"] == split]
        for name, rated in raters.items():
            for level in ("medium", "high"):
                print(f"{split} {name:22} {level}+: {figures(scores(part, rated, level))}")
    if args.show:
        for row, text, floor in zip(rows, texts, floors):
            level = floor.level
            if row["split"] == args.show and any((RISKS.index(level) >= RISKS.index(bar)) != (RISKS.index(row["risk"]) >= RISKS.index(bar))
                                                 for bar in ("medium", "high")):
                print(f"{row['post_id']} label {row['risk']} rules {level} {list(floor.rules)}: {text[:120]}")


if __name__ == "__main__":
    main()
