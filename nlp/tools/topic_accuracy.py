"""How well topics hold one issue each and near-duplicate groups hold copies, judged on real board messages.

Labels: ``nlp/labels/topic_pairs.csv``: pairs of government-board messages, each read by an annotator who
answered "same issue?" (the same concrete problem at the same place) and "copy?" (one a near-verbatim copy of
the other). The pairs come from three frames (``nlp/labels/tools/select_topic_pairs.py``): ``topic`` (two
posts of one topic as the tracker made them when the pairs were drawn), ``neighbour`` (a message and its most
similar message of the week by character bigrams, stratified by that similarity; each pair weighs its band's
size over the pairs drawn from it, so figures stand for the whole frame) and ``estate`` (two messages naming
the same estate within a week). Half the pairs are ``dev`` (read while changing the tracker), half ``test``.

Every board message is enriched as the pipeline does, oldest first, from an empty state (``Enricher.enrich``);
a pair is "joined" when both posts get the same topic, "grouped" when they get the same near-duplicate group.
Per split and frame: precision = judged same among the pairs joined, recall = joined among the pairs judged
same (weighted); the same for copies and groups. A ``topic`` pair the tracker no longer joins drops out of
that frame's precision (so a changed tracker is measured on the pairs it still joins there).

    python nlp/tools/topic_accuracy.py [--show dev]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import govmsg_posts  # noqa: E402
from nlp.enrich import Enricher  # noqa: E402
from nlp.train import yes_no  # noqa: E402

LABELS = Path(__file__).resolve().parents[1] / "labels" / "topic_pairs.csv"


def judged_pairs(path: Path = LABELS) -> list[dict]:
    """The judged pairs, each with its weight in its frame (band size over pairs drawn from the band)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    drawn = defaultdict(int)
    for row in rows:
        drawn[row["frame"], row["band"]] += 1
    for row in rows:
        row["weight"] = int(row["band_pairs"]) / drawn[row["frame"], row["band"]] if row["band_pairs"] else 1.0
    return rows


def rates(rows: list[dict], truth: str, found: str) -> tuple[float | None, float | None, int, int]:
    """Weighted precision and recall of ``found`` (a pair put together) against ``truth`` (judged yes), and
    the numbers of pairs found and judged yes (unweighted)."""
    result = yes_no([r[truth] == "yes" for r in rows], [bool(r[found]) for r in rows], [r["weight"] for r in rows])
    return result["precision"], result["recall"], result["flagged"], result["true"]


def measure(rows: list[dict], enriched: dict) -> dict[tuple[str, str], dict]:
    """(split, frame) -> pairs, topic precision and recall, near-duplicate precision and recall, and the
    counts behind them; ``enriched``: post id (the board's message id) -> enriched post. Marks each row
    ``joined`` and ``grouped``."""
    for row in rows:
        a, b = enriched[row["message_a"]].enrichment, enriched[row["message_b"]].enrichment
        row["joined"], row["grouped"] = a.topic_id == b.topic_id, a.dup_group == b.dup_group
    out = {}
    for split in ("dev", "test"):
        for frame in ("topic", "neighbour", "estate"):
            part = [r for r in rows if r["split"] == split and r["frame"] == frame]
            p, r, joined, same = rates(part, "same_issue", "joined")
            cp, cr, grouped, copies = rates(part, "copy", "grouped")
            out[split, frame] = {"pairs": len(part), "precision": p, "recall": r, "joined": joined, "same": same,
                                 "copy precision": cp, "copy recall": cr, "grouped": grouped, "copies": copies}
    return out


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", choices=("dev",), help="List each dev pair where the tracker and the annotator differ.")
    args = ap.parse_args()
    enriched = {p.post_id: p for p in Enricher().enrich(govmsg_posts())}
    rows = judged_pairs()
    for (split, frame), m in measure(rows, enriched).items():
        print(f"{split:4s} {frame:9s} {m['pairs']:3d} pairs | topics: precision {_fmt(m['precision'])} recall "
              f"{_fmt(m['recall'])} ({m['joined']} joined, {m['same']} same issue) | near-duplicates: precision "
              f"{_fmt(m['copy precision'])} recall {_fmt(m['copy recall'])} ({m['grouped']} grouped, "
              f"{m['copies']} copies)")
    if args.show:
        for row in rows:
            if row["split"] == args.show and row["joined"] != (row["same_issue"] == "yes"):
                a, b = enriched[row["message_a"]], enriched[row["message_b"]]
                print(f"{row['pair']} {row['frame']:9s} {'joined' if row['joined'] else 'apart '} judged "
                      f"same={row['same_issue']} | {a.title[:40]} | {b.title[:40]}")


if __name__ == "__main__":
    main()
