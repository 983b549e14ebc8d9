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
                                    [--chatter-weight W] [--enquiry-weight W] [--short-weight W]

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
``--chatter-weight`` the written everyday forum posts, ``--enquiry-weight`` the written forum questions,
``--short-weight`` the written short forum complaints.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import Example, written_letters  # noqa: E402
from nlp.tools.folds import fold_sets, out_of_fold, print_scores  # noqa: E402
from nlp.train import (CHATTER_WEIGHT, COMPLAINT_WEIGHT, ENQUIRY_WEIGHT, LETTER_WEIGHT, SAMPLE_WEIGHT,  # noqa: E402
                       SHORT_WEIGHT, example_weights, yes_no)


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
    ap.add_argument("--enquiry-weight", type=float, default=ENQUIRY_WEIGHT,
                    help="The written forum questions' weight (0: left out).")
    ap.add_argument("--short-weight", type=float, default=SHORT_WEIGHT,
                    help="The written short forum complaints' weight (0: left out).")
    args = ap.parse_args()
    weights = {"letter": args.letter_weight, "weibo_sample": args.sample_weight, "complaint": args.complaint_weight,
               "chatter": args.chatter_weight, "enquiry": args.enquiry_weight, "short": args.short_weight}
    extra = [e for path in args.extra if args.letter_weight > 0 for e in written_letters(Path(path).resolve())]
    if args.thanks:
        thanks, rest = fold_sets("category", {"thanks"}, weights)
        file_unseen_thanks(thanks, rest + extra, weights, args.C)
        return
    scored, written = fold_sets("category", {"govmsg", "cec"} | ({"weibo_sample"} if args.score_sample else set()),
                                weights)
    written += extra
    y = np.array([e.category for e in scored])
    predicted = np.array([p.label for p in out_of_fold(
        scored, written, "category", lambda fold: example_weights(fold, weights), args.C)], dtype=object)
    on_board = np.array([e.source == "govmsg" for e in scored])
    count = Counter(e.source for e in scored + written)
    print(f"written: {count['guide']} guide examples, {count['thanks']} thanks (other), {count['letter']} letters "
          f"at weight {args.letter_weight:g}, {count['complaint']} forum complaints at weight "
          f"{args.complaint_weight:g}, {count['chatter']} chatter at {args.chatter_weight:g}, {count['enquiry']} "
          f"forum questions at {args.enquiry_weight:g} and {count['short']} short complaints at "
          f"{args.short_weight:g}; "
          f"{count['weibo_sample']} Weibo posts read at weight {args.sample_weight:g}; board messages "
          f"scored: {on_board.sum()}")
    print_scores("category", y[on_board], predicted[on_board].astype(str))
    if args.score_sample:
        sample = np.array([e.source == "weibo_sample" for e in scored])
        result = yes_no(list(y[sample] != "other"), list(predicted[sample] != "other"))
        f1 = 2 * result["both"] / (result["true"] + result["flagged"]) if result["both"] else 0.0
        print(f"Weibo sample, out of fold: {result['flagged'] - result['both']} of {sample.sum() - result['true']} "
              f"posts reporting no problem filed under one; {result['both']} of {result['true']} reporting one "
              f"filed under a problem; F1 of 'reports a problem' {f1:.3f}")


def file_unseen_thanks(thanks: list[Example], rest: list[Example], weights: dict[str, float],
                       C: float | None) -> None:
    """Each fifth of ``thanks`` filed by a model that saw the other four fifths and ``rest`` (``out_of_fold`` with
    the thanks as the examples scored and the rest as examples that only train)."""
    filed = Counter(p.label for p in out_of_fold(
        thanks, rest, "category", lambda fold: example_weights(fold, weights), C))
    print(f"written thanks filed unseen: {filed['other']} of {len(thanks)} as other; "
          + ", ".join(f"{label} {n}" for label, n in filed.most_common() if label != "other"))

if __name__ == "__main__":
    main()
