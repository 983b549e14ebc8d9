"""Grouped 5-fold cross-validation of the sentiment head on the train split (never on the held-out split).

Folds keep near-duplicate groups together; the score is macro-F1 (and per-class F1) over the board's
messages only. The Weibo emotion sample, the random Weibo sample's dev half and the thanks, complaints and
chatter the team wrote (``nlp/labels/written_thanks.csv``, ``written_complaints.csv``, ``written_chatter.csv``)
only ever train: they sit in the training part of every fold, weighed as
``sheqing train`` weighs them. The model is the default classifier with its sentiment head only, fitted
without tuning its temperature and offsets, so the figure is the head's own, before the offsets that
``sheqing train`` adds for the board.

The Weibo posts rated for sentiment by reading (``weibo_read_sentiment("dev")``, a forum's register) are
folded and scored with the board's messages, each part's figures printed apart; ``--read-weight`` weighs
them in training (0: they are only scored, as the model without them would see them).

    python nlp/tools/cv_sentiment.py [--thanks-weight W] [--complaint-weight W] [--read-weight W]
                                     [--weibo-per-class N] [--C C] [--chatter-weight W] [--enquiry-weight W]
                                     [--sample-weight W]

``--thanks-weight 0`` leaves the written thanks out, ``--complaint-weight 0`` the written complaints
(``nlp/labels/written_complaints.csv``), ``--chatter-weight 0`` the written chatter, ``--enquiry-weight 0``
the written enquiries, ``--sample-weight 0`` the random sample (which the figures of earlier sessions left
out); ``--C`` fits the head with another C than ``sheqing train``'s.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.tools.folds import fold_sets, out_of_fold, print_scores  # noqa: E402
from nlp.train import (CHATTER_WEIGHT, COMPLAINT_WEIGHT, ENQUIRY_WEIGHT, READ_WEIGHT, SAMPLE_WEIGHT,  # noqa: E402
                       THANKS_WEIGHT, WEIBO_PER_CLASS, example_weights)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--thanks-weight", type=float, default=THANKS_WEIGHT)
    ap.add_argument("--complaint-weight", type=float, default=COMPLAINT_WEIGHT)
    ap.add_argument("--read-weight", type=float, default=READ_WEIGHT)
    ap.add_argument("--sample-weight", type=float, default=SAMPLE_WEIGHT)
    ap.add_argument("--chatter-weight", type=float, default=CHATTER_WEIGHT)
    ap.add_argument("--enquiry-weight", type=float, default=ENQUIRY_WEIGHT)
    ap.add_argument("--weibo-per-class", type=int, default=WEIBO_PER_CLASS,
                    help="Posts of each sentiment drawn from the Weibo emotion set's own labels.")
    ap.add_argument("--C", type=float, default=None, help="The sentiment head's C (default: sheqing train's).")
    args = ap.parse_args()
    weights = {"thanks": args.thanks_weight, "complaint": args.complaint_weight, "chatter": args.chatter_weight,
               "enquiry": args.enquiry_weight, "weibo_sample": args.sample_weight}
    # the posts read are scored whatever their weight: at 0 they only do not train
    scored, written = fold_sets("sentiment", {"govmsg", "weibo_read"}, weights,
                                weibo_per_class=args.weibo_per_class)
    weights["weibo_read"] = args.read_weight
    predicted = np.array([p.label for p in out_of_fold(
        scored, written, "sentiment", lambda fold: example_weights(fold, weights), args.C)], dtype=str)
    count = Counter(e.source for e in scored + written)
    board = [e for e in scored if e.source == "govmsg"]
    print(f"written thanks: {count['thanks']} at weight {args.thanks_weight:g}; written complaints: "
          f"{count['complaint']} at weight {args.complaint_weight:g}; written chatter: {count['chatter']} at weight "
          f"{args.chatter_weight:g}; written enquiries: {count['enquiry']} at weight {args.enquiry_weight:g}; "
          f"random Weibo sample: {count['weibo_sample']} at weight {args.sample_weight:g}; "
          f"Weibo posts read: {count['weibo_read']} at weight {args.read_weight:g}; Weibo emotion posts: "
          f"{args.weibo_per_class} a sentiment; board messages scored: {len(board)}")
    for name, part in (("board", slice(0, len(board))), ("Weibo posts read", slice(len(board), None))):
        print(f"{name}:")
        print_scores("sentiment", np.array([e.sentiment for e in scored[part]]), predicted[part])


if __name__ == "__main__":
    main()
