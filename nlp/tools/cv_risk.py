"""Grouped 5-fold cross-validation of the risk head on the train split: how well the model alone ranks
``high``/``critical`` messages, and what it would add to the risk rules (never on the held-out split).

Folds keep near-duplicate groups together. The model is the default classifier (``PostClassifier``) with its
risk head only, fitted on the other folds plus the CEC reports (their weak risk labels), without tuning its
temperature and offsets. Each board message gets P(high) + P(critical) from the fold that did not see it.
The report: the rules alone, the model's own labels, and for each threshold on that probability the recall
and precision of the model alone and of the model or the rules; then the model's average precision against
the base rate.

``--binary`` fits the head on two labels instead, ``urgent`` (high or critical) and ``other``, so that its
decision is about that line alone; ``--board-only`` leaves the CEC reports out. The model's average
precision on the train split's 45 high+critical of 5,754 (base rate 0.0078): five levels 0.026 with the CEC
reports and 0.024 without; two levels 0.036 with and 0.040 without. The words of a board letter hardly
tell a `high` one from the rest: its `high` comes from the risk rules.

    python nlp/tools/cv_risk.py [--binary] [--board-only]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.risk_rules import risk_floor  # noqa: E402
from nlp.tools.folds import fold_sets, out_of_fold  # noqa: E402

URGENT = ("high", "critical")


def two_levels(examples: list) -> list:
    """The examples with their risk as ``urgent`` (high or critical) or ``other``."""
    return [dataclasses.replace(e, risk="urgent" if e.risk in URGENT else "other") for e in examples]


def main() -> None:
    from sklearn.metrics import average_precision_score

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", action="store_true", help="Fit the head on urgent against other.")
    ap.add_argument("--board-only", action="store_true", help="Leave the CEC reports out.")
    args = ap.parse_args()
    board, extra = fold_sets("risk", {"govmsg"}, {"cec": 0} if args.board_only else None)
    truth = np.isin([e.risk for e in board], URGENT)
    levels = ("urgent",) if args.binary else URGENT
    fitted = (two_levels(board), two_levels(extra)) if args.binary else (board, extra)
    predictions = out_of_fold(*fitted, "risk")
    urgent_p = np.array([sum(p.scores.get(level, 0.0) for level in levels) for p in predictions])
    labels = np.isin([p.label for p in predictions], levels)
    rules = np.array([risk_floor(e.text).level in URGENT for e in board])

    def line(name: str, predicted: np.ndarray) -> str:
        hits = int((predicted & truth).sum())
        return (f"{name}: recall {hits / truth.sum():.3f} at precision {hits / max(predicted.sum(), 1):.3f} "
                f"({hits} of {int(truth.sum())}, {int(predicted.sum())} predicted)")

    print(f"board messages in the train split: {len(board)}, high+critical: {int(truth.sum())}")
    print(line("rules alone", rules))
    print(line("model's own labels", labels))
    for threshold in (0.2, 0.25, 0.3, 0.35, 0.4):
        model_says = urgent_p >= threshold
        print(f"P(high+critical) >= {threshold}: " + line("model", model_says) + "; "
              + line("model or rules", model_says | rules))
    print(f"model's average precision {average_precision_score(truth, urgent_p):.3f} "
          f"(base rate {truth.mean():.4f})")


if __name__ == "__main__":
    main()
