"""Grouped 5-fold cross-validation of the sentiment head on the train split (never on the held-out split).

Folds keep near-duplicate groups together; the score is macro-F1 (and per-class F1) over the board's
messages only. The Weibo sample and the thanks and complaints the team wrote (``nlp/labels/written_thanks.csv``,
``written_complaints.csv``) only ever train: they sit in the training part of every fold, weighed as
``sheqing train`` weighs them. The model is the default classifier with its sentiment head only, fitted
without tuning its temperature and offsets, so the figure is the head's own, before the offsets that
``sheqing train`` adds for the board.

The Weibo posts rated for sentiment by reading (``weibo_read_sentiment("dev")``, a forum's register) are
folded and scored with the board's messages, each part's figures printed apart; ``--read-weight`` weighs
them in training (0: they are only scored, as the model without them would see them).

    python nlp/tools/cv_sentiment.py [--thanks-weight W] [--complaint-weight W] [--read-weight W]
                                     [--weibo-per-class N] [--C C]

``--thanks-weight 0`` leaves the written thanks out, ``--complaint-weight 0`` the written complaints
(``nlp/labels/written_complaints.csv``); ``--C`` fits the head with another C than ``sheqing train``'s.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import govmsg, weibo_read_sentiment, written_complaints, written_thanks  # noqa: E402
from nlp.tools.folds import out_of_fold, print_scores  # noqa: E402
from nlp.train import (COMPLAINT_WEIGHT, READ_WEIGHT, THANKS_WEIGHT, WEIBO_PER_CLASS, example_weights,  # noqa: E402
                       weibo_sentiment)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--thanks-weight", type=float, default=THANKS_WEIGHT)
    ap.add_argument("--complaint-weight", type=float, default=COMPLAINT_WEIGHT)
    ap.add_argument("--read-weight", type=float, default=READ_WEIGHT)
    ap.add_argument("--weibo-per-class", type=int, default=WEIBO_PER_CLASS,
                    help="Posts of each sentiment drawn from the Weibo emotion set's own labels.")
    ap.add_argument("--C", type=float, default=None, help="The sentiment head's C (default: sheqing train's).")
    args = ap.parse_args()
    board = [e for e in govmsg("train") if e.sentiment]
    read = weibo_read_sentiment("dev")
    thanks = written_thanks() if args.thanks_weight > 0 else []
    complaints = written_complaints() if args.complaint_weight > 0 else []
    predicted = np.array([p.label for p in out_of_fold(
        board + read, weibo_sentiment(args.weibo_per_class) + thanks + complaints, "sentiment",
        lambda fold: example_weights(fold, {"thanks": args.thanks_weight, "weibo_read": args.read_weight,
                                            "complaint": args.complaint_weight}), args.C)], dtype=str)
    print(f"written thanks: {len(thanks)} at weight {args.thanks_weight:g}; written complaints: {len(complaints)} at "
          f"weight {args.complaint_weight:g}; Weibo posts read: {len(read)} at weight "
          f"{args.read_weight:g}; Weibo emotion posts: {args.weibo_per_class} a sentiment; board messages scored: "
          f"{len(board)}")
    for name, part in (("board", slice(0, len(board))), ("Weibo posts read", slice(len(board), None))):
        print(f"{name}:")
        print_scores("sentiment", np.array([e.sentiment for e in (board + read)[part]]), predicted[part])


if __name__ == "__main__":
    main()
