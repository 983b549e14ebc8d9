"""How the sentiment head rates real Weibo posts, most of them about harm: a community forum's register,
where the government board's letters (``sheqing eval``) say little about how a short post that tells of a
fire, a fight or a broken lift reads.

Labels: ``nlp/labels/weibo_sentiment.csv`` (post id, stratum, frame, split, sentiment, annotator): the 677 posts of
``weibo_risk.csv`` rated for sentiment by reading (the labels README says how), with that file's split:
``dev`` trains the default model (``nlp.train``), ``test`` is only measured. Its strata: every post the risk
rules flagged when that sample was drawn (427), 200 other posts that name a hazard, 50 of the rest; figures
here are over the posts as drawn, not weighted back to all posts.

    python nlp/tools/weibo_sentiment_accuracy.py [MODEL.skops ...]   (default: the shipped model)

Prints, per model and split, macro-F1, accuracy, each class's precision and recall, and how many posts read
as negative the model calls positive.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import weibo_read_sentiment  # noqa: E402
from sheqing.records import SENTIMENTS  # noqa: E402


def scores(truth: list[str], predicted: list[str]) -> dict:
    """Macro-F1 and accuracy over the classes present, each class's precision and recall, and the posts read
    as negative that are called positive (from ``sheqing eval``'s per-head report)."""
    from nlp.train import _head_report

    report = _head_report(truth, predicted, [c for c in SENTIMENTS if c in truth])
    labels = report["labels"]
    return {"posts": len(truth), "macro_f1": report["macro_f1"], "accuracy": report["accuracy"],
            **{f"{c} P/R": f"{m['precision']:.3f}/{m['recall']:.3f} ({m['support']})"
               for c, m in report["per_class"].items()},
            "negative called positive": report["confusion"][labels.index("negative")][labels.index("positive")]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", help="Model files (default: the shipped model).")
    args = ap.parse_args()
    from nlp.classify import DEFAULT_MODEL_PATH, PostClassifier
    from nlp.tools import figures

    splits = {split: weibo_read_sentiment(split) for split in ("dev", "test")}
    for path in args.models or [DEFAULT_MODEL_PATH]:
        model = PostClassifier.load(path)
        print(path)
        for split, examples in splits.items():
            predicted = model.predict([e.text for e in examples])["sentiment"]
            print(f"  {split:5} {figures(scores([e.sentiment for e in examples], [p.label for p in predicted]))}")


if __name__ == "__main__":
    main()
