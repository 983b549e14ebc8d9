"""Category accuracy on forum posts: the demo forum's grievance and incident threads, each written for a
taxonomy category (``crawlers/demo_forum``), never trained on. A check in the product's own register
(short forum posts and replies) beside ``sheqing eval``'s board letters.

    python nlp/tools/demo_accuracy.py [MODEL.skops ...]   (default: the shipped model)

Prints, per model, accuracy and macro-F1 over the opening posts and over all posts (a reply is read with
its thread's title and counted right when it gets its thread's category), and per incident of the demo
(gas leak, lift, wage arrears) the share filed right; and the recall and precision of high+critical risk
(model and rules) on the opening posts, whose intended risk the corpus records too, and how many of those
that tell a grievance (intended risk ``low`` or above) are rated ``none``; and the sentiment the
opening posts get: they report a grievance or an incident, so `positive` is wrong (a few are follow-ups, such
as a leak found and being mended, that may read neutral); and how many opening posts of the chatter threads
(a sale, a lost cat, a running group: no problem) are filed `other` and rated risk `none`, as they are written.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawlers.demo_forum.corpus import build_corpus  # noqa: E402
from nlp.classify import DEFAULT_MODEL_PATH, PostClassifier  # noqa: E402
from nlp.datasets import post_text  # noqa: E402
from nlp.train import _urgent, predict_all  # noqa: E402


def scores(model: PostClassifier) -> dict[str, dict]:
    """Per set ("opening posts", "all posts"): its size, accuracy, macro-F1 and, per incident, the share of
    its posts filed right; and "risk of opening posts": high+critical recall and precision (model and
    rules, ``nlp.train.predict_all``) and how many grievances are rated ``none``; and "sentiment of opening
    posts": how many get each sentiment; and "chatter": how many chatter threads there are and how many of
    their opening posts are filed ``other`` and rated ``none``."""
    from sklearn.metrics import accuracy_score, f1_score

    every = list(build_corpus().threads())
    threads = [t for t in every if t.category and t.kind in ("grievance", "incident")]
    sets = {"opening posts": [(t, t.posts[0]) for t in threads],
            "all posts": [(t, p) for t in threads for p in t.posts]}
    out = {}
    for name, pairs in sets.items():
        truth = [t.category for t, _ in pairs]
        predicted = predict_all(model, [post_text(t.title, p.text) for t, p in pairs])
        labels = predicted["category"]
        incidents: dict[str, list[bool]] = {}
        for (thread, _), label in zip(pairs, labels):
            if thread.incident:
                incidents.setdefault(thread.incident, []).append(label == thread.category)
        out[name] = {"n": len(pairs), "accuracy": accuracy_score(truth, labels),
                     "macro_f1": f1_score(truth, labels, average="macro"),
                     "incidents": {k: sum(v) / len(v) for k, v in incidents.items()}}
        if name == "opening posts":
            rated = [(t.risk, risk) for (t, _), risk in zip(pairs, predicted["risk"]) if t.risk]
            risk_of_openers = _urgent([want for want, _ in rated], [got for _, got in rated])
            risk_of_openers["grievances"] = sum(want != "none" for want, _ in rated)
            risk_of_openers["grievances rated none"] = sum(want != "none" and got == "none" for want, got in rated)
            sentiment_of_openers = Counter(predicted["sentiment"])
    out["risk of opening posts"] = risk_of_openers
    out["sentiment of opening posts"] = sentiment_of_openers
    said = predict_all(model, [post_text(t.title, t.posts[0].text) for t in every if t.kind == "chatter"])
    out["chatter"] = {"n": len(said["category"]), "other": said["category"].count("other"),
                      "none": said["risk"].count("none")}
    return out


def main() -> None:
    for path in sys.argv[1:] or [DEFAULT_MODEL_PATH]:
        print(f"{path}:")
        found = scores(PostClassifier.load(Path(path)))
        urgent = found.pop("risk of opening posts")
        sentiment = found.pop("sentiment of opening posts")
        chatter = found.pop("chatter")
        for name, s in found.items():
            print(f"  {name:14} {s['n']:4}  accuracy {s['accuracy']:.3f}  macro-F1 {s['macro_f1']:.3f}  "
                  + "  ".join(f"{k} {v:.2f}" for k, v in sorted(s["incidents"].items())))
        print(f"  risk high+critical of opening posts (model and rules): recall {urgent['recall']} at precision "
              f"{urgent['precision']} ({urgent['true_urgent']} true, {urgent['predicted_urgent']} predicted); "
              f"{urgent['grievances rated none']} of {urgent['grievances']} grievances rated none")
        print("  sentiment of opening posts: " + ", ".join(f"{k} {sentiment[k]}" for k in ("negative", "neutral",
                                                                                           "positive")))
        print(f"  chatter opening posts: {chatter['other']} of {chatter['n']} filed other, {chatter['none']} rated "
              "risk none")


if __name__ == "__main__":
    main()
