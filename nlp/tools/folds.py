"""The cross-validation loop the measuring tools share: grouped 5-fold predictions over the train split."""

from __future__ import annotations

import numpy as np

from nlp.classify import PostClassifier, Prediction
from nlp.datasets import Example
from nlp.train import CLASS_OFFSETS, HEAD_C, training_examples


def fold_sets(head: str, scored: set[str], weights: dict[str, float] | None = None,
              **kwargs) -> tuple[list[Example], list[Example]]:
    """``sheqing train``'s examples that carry ``head``'s label (``training_examples``, with ``weights`` and
    ``kwargs`` as it takes them), split into those of the ``scored`` sources, which the folds cut, and the rest,
    which only ever train: ``out_of_fold``'s ``board`` and ``extra``."""
    examples = [e for e in training_examples(weights=weights, **kwargs) if getattr(e, head)]
    return [e for e in examples if e.source in scored], [e for e in examples if e.source not in scored]


def out_of_fold(board: list[Example], extra: list[Example], head: str,
                weights=None, C: float | None = None) -> list[Prediction]:
    """``head``'s prediction for each of ``board``, from a model that did not see it: grouped 5-fold (near-
    duplicate groups kept together), each fold's model the default classifier with that head only, fitted
    on the other folds plus ``extra`` (examples that only ever train), without fitting its temperature, with
    the fixed ``CLASS_OFFSETS`` that ``sheqing train`` gives it. ``weights``: a function of the fitted examples
    giving their training weights (default: none); ``C``: the head's C (default: ``sheqing train``'s,
    ``nlp.train.HEAD_C``)."""
    from sklearn.model_selection import GroupKFold
    from tqdm import tqdm

    texts = np.array([e.text for e in board], dtype=object)
    groups = np.array([e.group or e.id for e in board])
    predicted: list[Prediction | None] = [None] * len(board)
    for train, test in tqdm(list(GroupKFold(5).split(texts, groups=groups)), desc="folds"):
        fold = [board[i] for i in train] + extra
        model = PostClassifier(C={head: HEAD_C[head] if C is None else C}, class_offsets=CLASS_OFFSETS)
        model.fit([e.text for e in fold], {head: [getattr(e, head) for e in fold]},
                  sample_weight=None if weights is None else weights(fold), tune_on=[False] * len(fold))
        for i, prediction in zip(test, model.predict(list(texts[test]))[head]):
            predicted[i] = prediction
    return predicted


def print_scores(head: str, truth, predicted) -> None:
    """Macro-F1 and each class's precision, recall, F1 and support of out-of-fold labels, as the tools print them."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(truth))
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    print(f"{head} macro-F1 (grouped 5-fold CV, train split): {f.mean():.4f}")
    for label, *row in zip(labels, p, r, f, s):
        print(f"  {label:17} precision {row[0]:.3f} recall {row[1]:.3f} f1 {row[2]:.3f} ({row[3]})")
