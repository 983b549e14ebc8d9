"""How well ``extract_places`` finds housing estates, communities and villages in real board messages.

Labels: ``nlp/labels/estates.csv`` (message id, split, start, end: each named estate, 社区 or 村 a message
mentions, as offsets into its normalised text; a message naming none has one row without offsets). 240
messages drawn at random from the labelled govmsg messages, read by four annotators (see the labels README);
half ``dev`` (read for errors while changing the extractor), half ``test`` (only measured).

A message's estates are compared as sets of names: a found name counts when an annotator wrote exactly that
name. Also printed: "overlapping", where a found name and a gold one share characters (a name cut short or
read too long counts there), and the recall over gold names that end in one of ``ESTATE_SUFFIXES`` (what
the extractor looks for; annotators also wrote names such as 碧桂园 or 时代城).

    python nlp/tools/estate_accuracy.py [--show dev]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import govmsg  # noqa: E402
from nlp.places import ESTATE_SUFFIXES, extract_places  # noqa: E402
from nlp.tools import figures  # noqa: E402

LABELS = Path(__file__).resolve().parents[1] / "labels" / "estates.csv"


def gold_estates(path: Path = LABELS) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """split -> message id -> the (start, end) of each named estate (empty: the message names none)."""
    out: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(dict)
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            spans = out[row["split"]].setdefault(row["message_id"], [])
            if row["start"]:
                spans.append((int(row["start"]), int(row["end"])))
    return out


def scores(texts: dict[str, str], gold: dict[str, list[tuple[int, int]]], show: bool = False) -> dict:
    found_n = gold_n = exact = overlap_found = overlap_gold = suffixed = suffixed_hit = 0
    for message_id, spans in gold.items():
        text = texts[message_id]
        truth = {text[a:b] for a, b in spans}
        found = {p.text for p in extract_places(text) if p.kind == "estate"}
        found_n, gold_n, exact = found_n + len(found), gold_n + len(truth), exact + len(found & truth)
        overlap_found += sum(any(f in t or t in f for t in truth) for f in found)
        overlap_gold += sum(any(f in t or t in f for f in found) for t in truth)
        ends = [t for t in truth if t.endswith(ESTATE_SUFFIXES)]
        suffixed, suffixed_hit = suffixed + len(ends), suffixed_hit + len(set(ends) & found)
        if show and found != truth:
            print(f"{message_id}: wrong {sorted(found - truth)}  missed {sorted(truth - found)}")
    return {"messages": len(gold), "gold": gold_n, "found": found_n, "exact": exact,
            "precision": exact / found_n if found_n else None, "recall": exact / gold_n if gold_n else None,
            "overlapping precision": overlap_found / found_n if found_n else None,
            "overlapping recall": overlap_gold / gold_n if gold_n else None,
            "recall of names with a known suffix": suffixed_hit / suffixed if suffixed else None,
            "names with a known suffix": suffixed}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", choices=("dev",), help="List each dev message whose estates differ.")
    args = ap.parse_args()
    texts = {e.id: e.text for e in govmsg("train") + govmsg("heldout")}
    for split, gold in sorted(gold_estates().items()):
        result = scores(texts, gold, show=args.show == split)
        print(f"{split}: {figures(result)}")


if __name__ == "__main__":
    main()
