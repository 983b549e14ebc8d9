"""What the evidence of the three heads is made of, on real board messages: words, pairs of words, character
n-grams, and how many of them a reader cannot take for a term (a pair with a one-character half such as
的+咨询, an n-gram that is no word such as 是不, an n-gram with punctuation such as 了。).

Each message is classified twice with the default model: as shipped (evidence only from ``readable_``
features) and as evidence was chosen before, from every feature of two characters or more.

    python nlp/tools/evidence_terms.py [--limit 2000]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.classify import DEFAULT_MODEL_PATH, HEADS, PostClassifier  # noqa: E402
from nlp.datasets import govmsg_posts, post_text  # noqa: E402

UNREADABLE = ("pair with a one-character half", "n-gram that is no word", "n-gram with punctuation")


def kinds(model: PostClassifier, evidence: list[str]) -> Counter:
    """How many evidence terms are of each kind (the name a feature shows: word, pair, or n-gram)."""
    vocabulary = model.terms_["words"].split("\n")
    words = {term for term in vocabulary if "\u2009" not in term}
    pairs = {term.replace("\u2009", ""): term.split("\u2009") for term in vocabulary if "\u2009" in term}
    out = Counter()
    for term in evidence:
        if term in words:
            out["word"] += 1
        elif term in pairs:
            out["pair with a one-character half" if min(map(len, pairs[term])) < 2 else "pair of two words"] += 1
        elif not term.isalnum():
            out["n-gram with punctuation"] += 1
        else:
            out["n-gram that is no word"] += 1
    return out


def choose_evidence_as_before(model: PostClassifier) -> None:
    """Make ``model`` choose evidence as it did before ``readable_``: from every feature of two characters or more."""
    model.__dict__["_readable"] = np.array([len(name) >= 2 for name in model.feature_names])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=2000, help="Messages, oldest first.")
    args = ap.parse_args()
    model = PostClassifier.load(DEFAULT_MODEL_PATH)
    X = model.transform([post_text(p.title, p.text) for p in govmsg_posts()[:args.limit]])
    shipped = [t for head in HEADS for p in model.predict_head(head, X) for t in p.evidence]
    choose_evidence_as_before(model)
    unfiltered = [t for head in HEADS for p in model.predict_head(head, X) for t in p.evidence]
    for name, evidence in (("any feature of 2+ characters (before)", unfiltered), ("shipped (readable only)", shipped)):
        counts = kinds(model, evidence)
        bad = sum(counts[k] for k in UNREADABLE)
        print(f"{name}: {len(evidence)} evidence terms, {bad} ({bad / len(evidence):.1%}) unreadable: "
              + ", ".join(f"{k} {counts[k]}" for k in ("word", "pair of two words", *UNREADABLE)))


if __name__ == "__main__":
    main()
