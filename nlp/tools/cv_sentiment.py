"""Grouped 5-fold cross-validation of the sentiment head on the train split (never on the held-out split).

Folds keep near-duplicate groups together; the score is macro-F1 (and per-class F1) over the board's
messages only. The Weibo sample and the thanks the team wrote (``nlp/labels/written_thanks.csv``) only ever
train: they sit in the training part of every fold, weighed as ``sheqing train`` weighs them. The model is
the default classifier with its sentiment head only, fitted without tuning its temperature and offsets, so
the figure is the head's own, before the offsets that ``sheqing train`` adds for the board.

    python nlp/tools/cv_sentiment.py [--thanks-weight W]

``--thanks-weight 0`` leaves the written thanks out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import govmsg, written_thanks  # noqa: E402
from nlp.tools.folds import out_of_fold, print_scores  # noqa: E402
from nlp.train import THANKS_WEIGHT, example_weights, weibo_sentiment  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--thanks-weight", type=float, default=THANKS_WEIGHT)
    args = ap.parse_args()
    board = [e for e in govmsg("train") if e.sentiment]
    thanks = written_thanks() if args.thanks_weight > 0 else []
    y = np.array([e.sentiment for e in board])
    predicted = np.array([p.label for p in out_of_fold(
        board, weibo_sentiment() + thanks, "sentiment",
        lambda fold: example_weights(fold, thanks_weight=args.thanks_weight))], dtype=object)
    print(f"written thanks: {len(thanks)} at weight {args.thanks_weight:g}; board messages scored: {len(board)}")
    print_scores("sentiment", y, predicted.astype(str))


if __name__ == "__main__":
    main()
