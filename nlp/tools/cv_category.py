"""Grouped 5-fold cross-validation of the category head on the train split: how model-selection figures for
the training data are measured (never on the held-out split).

Folds keep near-duplicate groups together; the score is macro-F1 (and per-class F1) over the board's
messages only. CEC reports and the posts the team wrote (guide examples, thanks as ``other``, letters) only
ever train: they sit in the training part of every fold, weighed as ``sheqing train`` weighs them
(``example_weights``). The model is the default classifier (``PostClassifier``) with its category head
only, fitted without tuning its temperature and offsets.

    python nlp/tools/cv_category.py [--letter-weight W] [--extra FILE.csv ...] [--C C] [--thanks]

``--letter-weight 0`` leaves the written letters out; ``--extra`` adds more letters in the format of
``nlp/labels/written_letters.csv`` (id, category, title, text) at the same weight, to try a new set;
``--C`` fits the head with another C than ``sheqing train``'s. ``--thanks`` instead files the written thanks
in five folds, each fold by a model trained on the rest of the training data and the other folds, and
counts how many it files as ``other``; with ``--letter-weight`` and ``--C`` as above.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import Example, cec, govmsg, guide_examples, post_text, written_letters, written_thanks  # noqa: E402
from nlp.tools.folds import out_of_fold, print_scores  # noqa: E402
from nlp.train import LETTER_WEIGHT, example_weights  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--letter-weight", type=float, default=LETTER_WEIGHT)
    ap.add_argument("--extra", nargs="*", default=[], help="More letters (CSV: id, category, title, text).")
    ap.add_argument("--C", type=float, default=None, help="The category head's C (default: sheqing train's).")
    ap.add_argument("--thanks", action="store_true", help="File each fifth of the thanks, unseen, and count them.")
    args = ap.parse_args()
    board = [e for e in govmsg("train") + cec() if e.category]
    letters = written_letters()
    for path in args.extra:
        with open(path, encoding="utf-8", newline="") as fh:
            letters += [Example(f"extra:{r['id']}", post_text(r["title"], r["text"]), r["category"], None, None,
                                "letter") for r in csv.DictReader(fh)]
    if args.letter_weight <= 0:
        letters = []
    guide, thanks = guide_examples(), written_thanks()
    if args.thanks:
        file_unseen_thanks(board, guide + letters, thanks, args.letter_weight, args.C)
        return
    written = guide + thanks + letters
    y = np.array([e.category for e in board])
    predicted = np.array([p.label for p in out_of_fold(
        board, written, "category", lambda fold: example_weights(fold, {"letter": args.letter_weight}), args.C)],
        dtype=object)
    on_board = np.array([e.source == "govmsg" for e in board])
    print(f"written: {len(guide)} guide examples, {len(thanks)} thanks (other), {len(letters)} letters at weight "
          f"{args.letter_weight:g}; board messages scored: {on_board.sum()}")
    print_scores("category", y[on_board], predicted[on_board].astype(str))


def file_unseen_thanks(board: list[Example], written: list[Example], thanks: list[Example], letter_weight: float,
                       C: float | None) -> None:
    """Each fifth of ``thanks`` filed by a model that saw the other four fifths, ``board`` and ``written``
    (``out_of_fold`` with the thanks as the examples scored and the rest as examples that only train)."""
    from collections import Counter

    filed = Counter(p.label for p in out_of_fold(
        thanks, board + written, "category", lambda fold: example_weights(fold, {"letter": letter_weight}), C))
    print(f"written thanks filed unseen: {filed['other']} of {len(thanks)} as other; "
          + ", ".join(f"{label} {n}" for label, n in filed.most_common() if label != "other"))

if __name__ == "__main__":
    main()
