"""How far two annotators agree on the held-out split: the ceiling any model is measured against.

Run: python nlp/labels/tools/agreement.py
Compares the first annotation (nlp/labels/parts/slice_*.csv) with the blind second annotation
(nlp/labels/review/heldout_second_*.csv) of every held-out message: raw agreement, Cohen's kappa, and the
macro-F1 the second annotator would score if the first were the truth (the figure ``sheqing eval`` reports
for a model), per head; and for risk, how many messages each rated high or critical and how many both did.
"""
from __future__ import annotations

import csv
from pathlib import Path

from sklearn.metrics import cohen_kappa_score, f1_score

LABELS = Path(__file__).resolve().parents[1]


def _read(pattern: str) -> dict[str, dict]:
    return {r["message_id"]: r for path in sorted(LABELS.glob(pattern)) for r in csv.DictReader(open(path, encoding="utf-8"))}


def main() -> None:
    first, second = _read("parts/slice_*.csv"), _read("review/heldout_second_*.csv")
    ids = sorted(second)
    print(f"{len(ids)} held-out messages annotated twice")
    for head in ("category", "risk", "sentiment"):
        a, b = [first[i][head] for i in ids], [second[i][head] for i in ids]
        agree = sum(x == y for x, y in zip(a, b)) / len(ids)
        print(f"{head:9}  agreement {agree:.3f}  kappa {cohen_kappa_score(a, b):.3f}  "
              f"macro-F1 (second vs first) {f1_score(a, b, average='macro'):.3f}")
    urgent = {"high", "critical"}
    a = {i for i in ids if first[i]["risk"] in urgent}
    b = {i for i in ids if second[i]["risk"] in urgent}
    print(f"high+critical: first {len(a)}, second {len(b)}, both {len(a & b)} "
          f"(second's recall {len(a & b) / max(1, len(a)):.2f} at precision {len(a & b) / max(1, len(b)):.2f})")


if __name__ == "__main__":
    main()
