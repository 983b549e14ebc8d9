"""How the models read everyday social-media posts: 1,200 real Weibo posts drawn at random and labelled by
reading (``nlp/labels/weibo_sample.csv``), most of which report no problem at all, as most posts of a
community forum do. What a monitor sees of them is noise unless they are filed ``other`` with risk ``none``.

    python nlp/tools/weibo_sample_accuracy.py [MODEL.skops ...]   (default: the shipped model; test half)

Per model, over the ``test`` half (the ``dev`` half trains the default model; ``--split dev`` reads it):
- category: accuracy, macro-F1 over the categories present, and as a yes/no question "does the post report
  a problem of the table" (any category but ``other``): precision and recall, and how many posts are filed
  under a problem category that report none;
- risk as enrichment gives it (the risk head settled by the rules, ``nlp.risk_rules.settle_risk``): accuracy,
  how many posts the annotators rated ``none`` are rated ``none``, and precision and recall at ``medium`` or
  above and at ``high`` or above;
- sentiment: macro-F1 and accuracy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import Example, weibo_sample  # noqa: E402
from nlp.tools import figures  # noqa: E402
from sheqing.records import CATEGORIES, RISKS, SENTIMENTS  # noqa: E402


def scores(examples: list[Example], predicted: dict[str, list[str]]) -> dict[str, dict]:
    """The figures of each head (``predicted``: ``nlp.train.predict_all`` of the examples' texts)."""
    from nlp.train import _head_report, yes_no

    out = {}
    for head, classes in (("category", CATEGORIES), ("risk", RISKS), ("sentiment", SENTIMENTS)):
        truth = [getattr(e, head) for e in examples]
        report = _head_report(truth, predicted[head], classes)
        out[head] = {"macro_f1": report["macro_f1"], "accuracy": report["accuracy"]}
    category = [e.category for e in examples]
    problem = yes_no([c != "other" for c in category], [c != "other" for c in predicted["category"]])
    out["category"].update({f"problem {k}": v for k, v in problem.items()},
                           **{"filed under a problem, reporting none": problem["flagged"] - problem["both"]})
    risk = [e.risk for e in examples]
    out["risk"]["none kept none"] = (f"{sum(t == p == 'none' for t, p in zip(risk, predicted['risk']))}"
                                     f" of {risk.count('none')}")
    for bar in ("medium", "high"):
        at = RISKS.index(bar)
        result = yes_no([RISKS.index(r) >= at for r in risk], [RISKS.index(r) >= at for r in predicted["risk"]])
        out["risk"].update({f"{bar}+ {k}": v for k, v in result.items()})
    return out


def run(description: str, load, name: str) -> None:
    """The command line of this tool and of ``forum_accuracy.py``: ``scores`` of each model file given (none:
    the shipped model) over one split (``--split``, default ``test``) of the set ``load(split)`` reads from
    ``nlp/labels/<name>``."""
    from nlp.classify import DEFAULT_MODEL_PATH, PostClassifier
    from nlp.train import predict_all

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("models", nargs="*", help="Model files (default: the shipped model).")
    ap.add_argument("--split", choices=("dev", "test"), default="test")
    args = ap.parse_args()
    examples = load(args.split)
    print(f"{len(examples)} posts ({args.split} half of nlp/labels/{name})")
    for path in args.models or [DEFAULT_MODEL_PATH]:
        print(path)
        predicted = predict_all(PostClassifier.load(path), [e.text for e in examples])
        for head, result in scores(examples, predicted).items():
            print(f"  {head:9} {figures(result)}")


if __name__ == "__main__":
    run(__doc__.split("\n\n")[0], weibo_sample, "weibo_sample.csv")
