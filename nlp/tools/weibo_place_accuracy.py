"""How well ``extract_places`` finds and resolves administrative places in real social-media posts.

Gold: the Weibo NER corpus (``../shared/data/weibo_ner``: Peng & Dredze 2015, 1,890 Weibo sentences marked by
its authors with people, organisations, places and geo-political entities) and ``nlp/labels/weibo_places.csv``,
which gives every GPE.NAM and LOC.NAM span of it the code of the administrative unit it names, read by us
(empty where it names none: a country, a lake, a road, a shop), and adds the few administrative names the
corpus left unmarked. Its ``train`` and ``dev`` sentences are read for errors while changing the extractor
(``dev`` here); ``test`` is only measured.

Per sentence, names are compared as sets, as the extractor reports them (each distinct mention once):

- recall: gold administrative names the extractor reports (any kind but estate or anonymised), or whose unit
  it reports under another name (吉林 ... 吉林省: each unit is reported once);
- precision: reported names that are gold administrative names, or part of a longer marked entity (湘潭 of
  湘潭大学生联盟, 苏州 of 红美商城-苏州站: the place is named there, though not marked alone);
- resolution: of the gold names found, those resolved to the unit the gold code gives.

    python nlp/tools/weibo_place_accuracy.py [--show dev]
"""

from __future__ import annotations

import argparse
import csv
import difflib
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import weibo_ner  # noqa: E402
from nlp.normalize import normalize_text  # noqa: E402
from nlp.places import extract_places  # noqa: E402
from nlp.tools import figures  # noqa: E402

LABELS = Path(__file__).resolve().parents[1] / "labels" / "weibo_places.csv"
SPLITS = {"dev": ("train", "dev"), "test": ("test",)}
NOT_ADMINISTRATIVE = ("estate", "anonymised")


def gold_places(path: Path = LABELS) -> dict[tuple[str, int], list[tuple[int, int, str]]]:
    """(corpus split, sentence number) -> (start, end, code) of each labelled span; code "" names no unit."""
    out: dict[tuple[str, int], list[tuple[int, int, str]]] = defaultdict(list)
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["split"], int(row["sentence"])].append((int(row["start"]), int(row["end"]), row["code"]))
    return out


def _aligned(raw: str, text: str):
    """A function taking a span of ``raw`` to the same characters in ``text`` (its normalised form), or None
    where normalising changed them."""
    where = {}
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, raw, text, autojunk=False).get_opcodes():
        if op == "equal" or (op == "replace" and a2 - a1 == b2 - b1):  # 瀋陽 -> 沈阳, ， -> ,
            where.update((a, b1 + a - a1) for a in range(a1, a2))

    def span(start: int, end: int) -> tuple[int, int] | None:
        if all(i in where for i in range(start, end)) and where[end - 1] - where[start] == end - 1 - start:
            return where[start], where[end - 1] + 1
        return None
    return span


def scores(split: str, gold: dict, show: bool = False) -> dict:
    found_n = right_n = gold_n = hit_n = resolved_n = 0
    for corpus_split in SPLITS[split]:
        for number, (raw, entities) in enumerate(weibo_ner(corpus_split)):
            text = normalize_text(raw, max_chars=10**6)
            span = _aligned(raw, text)
            truth = {}
            for start, end, code in gold.get((corpus_split, number), ()):
                moved = span(start, end)
                if code and moved:
                    truth[text[slice(*moved)]] = code
            marked = [text[slice(*moved)] for moved in (span(a, b) for a, b, _ in entities) if moved]
            found = {p.text: p for p in extract_places(text) if p.kind not in NOT_ADMINISTRATIVE}
            right = {name for name in found if name in truth or any(name in m and name != m for m in marked)}
            # A unit named twice is reported once (吉林 ... 吉林省): its code stands for the other name.
            codes = {p.code for p in found.values()}
            hits = {name for name, code in truth.items() if name in found or code in codes}
            resolved = {name for name in hits if name not in found or found[name].code == truth[name]}
            found_n, right_n, gold_n = found_n + len(found), right_n + len(right), gold_n + len(truth)
            hit_n, resolved_n = hit_n + len(hits), resolved_n + len(resolved)
            if show and (right != found.keys() or hits != truth.keys() or resolved != hits):
                print(f"{corpus_split} {number}: wrong {sorted(found.keys() - right)}  "
                      f"missed {sorted(truth.keys() - hits)}  "
                      f"misresolved {sorted((n, found[n].code, truth[n]) for n in hits - resolved)}")
    return {"gold": gold_n, "found": found_n, "precision": right_n / found_n if found_n else None,
            "recall": hit_n / gold_n if gold_n else None, "resolved": resolved_n / hit_n if hit_n else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", choices=("dev",), help="List each dev sentence with a wrong, missed or misresolved name.")
    args = ap.parse_args()
    gold = gold_places()
    for split in SPLITS:
        result = scores(split, gold, show=args.show == split)
        print(f"{split}: {figures(result)}")


if __name__ == "__main__":
    main()
