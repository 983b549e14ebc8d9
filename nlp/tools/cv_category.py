"""Grouped 5-fold cross-validation of the category head on the train split: how model-selection figures for
the training data are measured (never on the held-out split).

Folds keep near-duplicate groups together; the score is macro-F1 (and per-class F1) over the board's
messages only. CEC reports, the posts the team wrote (guide examples, thanks as ``other``, letters, forum
complaints and chatter) and the
read ``dev`` half of the random Weibo sample (``weibo_sample``) only ever train: they sit in the training part
of every fold, weighed as ``sheqing train`` weighs them (``example_weights``). The model is the default
classifier (``PostClassifier``) with its category head only, fitted without tuning its temperature and offsets.

    python nlp/tools/cv_category.py [--letter-weight W] [--extra FILE.csv ...] [--C C] [--thanks]
                                    [--sample-weight W] [--score-sample] [--complaint-weight W]
                                    [--chatter-weight W]

``--letter-weight 0`` leaves the written letters out; ``--extra`` adds more letters in the format of
``nlp/labels/written_letters.csv`` (id, category, title, text) at the same weight, to try a new set;
``--C`` fits the head with another C than ``sheqing train``'s. ``--thanks`` instead files the written thanks
in five folds, each fold by a model trained on the rest of the training data and the other folds, and
counts how many it files as ``other``; with ``--letter-weight`` and ``--C`` as above. ``--sample-weight`` weighs
the Weibo sample otherwise (0 leaves it out); ``--score-sample`` puts it in the folds with the board instead, so
that each of its posts is filed by a model that did not see it, and prints how many of its posts that report no
problem are filed under one and how many of those that do are found, and the F1 of that yes/no question (how
the sample's weight was chosen: 0.215 at 0.1, 0.279 at 0.3, 0.190 at 1, before the complaints had their
categories). ``--complaint-weight`` weighs the written forum complaints otherwise (0 leaves them out), and
``--chatter-weight`` the written everyday forum posts.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import (Example, cec, govmsg, guide_examples, post_text, weibo_sample,  # noqa: E402
                          written_chatter, written_complaints, written_letters, written_thanks)
from nlp.tools.folds import out_of_fold, print_scores  # noqa: E402
from nlp.tools.weibo_sample_accuracy import flagged  # noqa: E402
from nlp.train import CHATTER_WEIGHT, COMPLAINT_WEIGHT, LETTER_WEIGHT, SAMPLE_WEIGHT, example_weights  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--letter-weight", type=float, default=LETTER_WEIGHT)
    ap.add_argument("--extra", nargs="*", default=[], help="More letters (CSV: id, category, title, text).")
    ap.add_argument("--C", type=float, default=None, help="The category head's C (default: sheqing train's).")
    ap.add_argument("--thanks", action="store_true", help="File each fifth of the thanks, unseen, and count them.")
    ap.add_argument("--sample-weight", type=float, default=SAMPLE_WEIGHT,
                    help="The Weibo sample's weight (0: left out).")
    ap.add_argument("--score-sample", action="store_true", help="Score the Weibo sample out of fold too.")
    ap.add_argument("--complaint-weight", type=float, default=COMPLAINT_WEIGHT,
                    help="The written forum complaints' weight (0: left out).")
    ap.add_argument("--chatter-weight", type=float, default=CHATTER_WEIGHT,
                    help="The written everyday forum posts' weight (0: left out).")
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
    read = weibo_sample("dev") if args.sample_weight > 0 else []
    forum = (written_complaints() if args.complaint_weight > 0 else []) + (
        written_chatter() if args.chatter_weight > 0 else [])
    weights = {"letter": args.letter_weight, "weibo_sample": args.sample_weight, "complaint": args.complaint_weight,
               "chatter": args.chatter_weight}
    if args.thanks:
        file_unseen_thanks(board, guide + letters + forum + read, thanks, weights, args.C)
        return
    written = guide + thanks + letters + forum + ([] if args.score_sample else read)
    scored = board + (read if args.score_sample else [])
    y = np.array([e.category for e in scored])
    predicted = np.array([p.label for p in out_of_fold(
        scored, written, "category", lambda fold: example_weights(fold, weights), args.C)], dtype=object)
    on_board = np.array([e.source == "govmsg" for e in scored])
    print(f"written: {len(guide)} guide examples, {len(thanks)} thanks (other), {len(letters)} letters at weight "
          f"{args.letter_weight:g}, {len(forum)} forum complaints and chatter at weight {args.complaint_weight:g} "
          f"and {args.chatter_weight:g}; "
          f"{len(read)} Weibo posts read at weight {args.sample_weight:g}; board messages "
          f"scored: {on_board.sum()}")
    print_scores("category", y[on_board], predicted[on_board].astype(str))
    if args.score_sample:
        sample = np.array([e.source == "weibo_sample" for e in scored])
        result = flagged(list(y[sample] != "other"), list(predicted[sample] != "other"))
        f1 = 2 * result["both"] / (result["true"] + result["flagged"]) if result["both"] else 0.0
        print(f"Weibo sample, out of fold: {result['flagged'] - result['both']} of {sample.sum() - result['true']} "
              f"posts reporting no problem filed under one; {result['both']} of {result['true']} reporting one "
              f"filed under a problem; F1 of 'reports a problem' {f1:.3f}")


def file_unseen_thanks(board: list[Example], written: list[Example], thanks: list[Example],
                       weights: dict[str, float], C: float | None) -> None:
    """Each fifth of ``thanks`` filed by a model that saw the other four fifths, ``board`` and ``written``
    (``out_of_fold`` with the thanks as the examples scored and the rest as examples that only train)."""
    from collections import Counter

    filed = Counter(p.label for p in out_of_fold(
        thanks, board + written, "category", lambda fold: example_weights(fold, weights), C))
    print(f"written thanks filed unseen: {filed['other']} of {len(thanks)} as other; "
          + ", ".join(f"{label} {n}" for label, n in filed.most_common() if label != "other"))

if __name__ == "__main__":
    main()
