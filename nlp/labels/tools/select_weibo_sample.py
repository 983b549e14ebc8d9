"""Choose real Weibo posts at random, to label for category, risk and sentiment: what everyday social-media
posts look like to the models.

Usage: python nlp/labels/tools/select_weibo_sample.py           (writes nlp/labels/weibo_sample_selection.csv)
       python nlp/labels/tools/select_weibo_sample.py --merge   (selection + parts/weibo_sample_sN.csv ->
       weibo_sample.csv)

Every other label here comes from a complaint (the board's letters), a report of harm (CEC, the Weibo posts
rated for risk, which were drawn for their harm words) or a thanks, so the category and risk heads had never
seen a post about nothing in particular: a community forum's daily chatter. Of 2,000 Weibo posts drawn at
random the shipped model filed 289 under a grievance category and rated 1,710 risk ``low``, "a routine
grievance", where most say nothing of a problem.

1,200 posts are drawn at random (seed 20261125) from the 29,744 of ``emotion/`` (``nlp.datasets.weibo_posts``),
leaving out any whose normalised text is that of a post already used (read for risk and sentiment,
``weibo_read_ids``, or in the sentiment head's sample of the emotion labels, ``nlp.train.weibo_sentiment``),
and keeping one post of each text. Alternate rows are ``dev`` (trains the default model) and ``test`` (only
measured: ``python nlp/tools/weibo_sample_accuracy.py``); ``slice`` (0-5, 200 each) is the annotator's.
The annotators see the posts in random order, without the split (``tools/show_weibo.py SLICE
weibo_sample_selection.csv``).
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import weibo_posts, weibo_read_ids  # noqa: E402
from sheqing.records import CATEGORIES, RISKS, SENTIMENTS  # noqa: E402

LABELS = Path(__file__).resolve().parents[1]
OUT = LABELS / "weibo_sample_selection.csv"
MERGED = LABELS / "weibo_sample.csv"
SEED = 20261125
SIZE, SLICES = 1200, 6
FIELDS = {"category": CATEGORIES, "risk": RISKS, "sentiment": SENTIMENTS}


def main() -> None:
    from nlp.train import weibo_sentiment

    posts = weibo_posts()
    used = weibo_read_ids() | {"nlpcc:" + e.id.removeprefix("weibo:") for e in weibo_sentiment()}
    used_texts = {posts[post_id] for post_id in used}
    first_of_text: dict[str, str] = {}
    for post_id, text in posts.items():
        if text.strip() and text not in used_texts:
            first_of_text.setdefault(text, post_id)
    ids = random.Random(SEED).sample(sorted(first_of_text.values()), SIZE)
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["post_id", "split", "slice"])
        writer.writerows((post_id, "dev" if i % 2 == 0 else "test", i % SLICES) for i, post_id in enumerate(ids))
    print(f"{SIZE} of {len(first_of_text)} unused distinct posts ({len(posts)} in all) -> {OUT}")


def merge() -> None:
    """Join the selection with each slice's labels (``parts/weibo_sample_sN.csv``: post_id, category, risk,
    sentiment, reason) into ``weibo_sample.csv``: every selected post labelled exactly once, by its own
    slice's annotator, with codes of the guide. (``parts/weibo_sample_sN_byM.csv``, a second reading of part
    of slice N by the annotator of slice M, is for the agreement figure only.)"""
    with open(OUT, encoding="utf-8", newline="") as fh:
        selection = {row["post_id"]: row for row in csv.DictReader(fh)}
    labelled = {}
    for path in sorted((LABELS / "parts").glob("weibo_sample_s?.csv")):
        annotator = path.stem.removeprefix("weibo_sample_")
        for post_id, labels in read_part(path).items():
            if post_id in labelled or post_id not in selection:
                raise SystemExit(f"{path}: {post_id}: labelled twice or not selected")
            if f"s{selection[post_id]['slice']}" != annotator:
                raise SystemExit(f"{path}: {post_id} belongs to slice {selection[post_id]['slice']}")
            labelled[post_id] = (*labels, annotator)
    missing = selection.keys() - labelled.keys()
    if missing:
        raise SystemExit(f"{len(missing)} selected posts are not labelled, e.g. {sorted(missing)[:3]}")
    with open(MERGED, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["post_id", "split", *FIELDS, "annotator"])
        writer.writerows((post_id, row["split"], *labelled[post_id]) for post_id, row in selection.items())
    print(f"{len(labelled)} posts labelled -> {MERGED}")


def read_part(path: Path, fields: dict = FIELDS, key: str = "post_id") -> dict[str, tuple[str, ...]]:
    """An annotator's file: the ``key`` column -> the values of ``fields`` (by default category, risk and
    sentiment), each checked against the codes the field allows (the guide's)."""
    out = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            values = tuple((row.get(field) or "").strip() for field in fields)
            for value, (field, allowed) in zip(values, fields.items()):
                if value not in allowed:
                    raise SystemExit(f"{path}: {row[key]}: {field} {value!r} is not a code of the guide")
            out[row[key].strip()] = values
    return out


def print_agreement(what: str, first: list[tuple], second: list[tuple], fields) -> None:
    """Per field (the values' places in ``first`` and ``second``, two readings of the same posts): how many
    readings agree, and Cohen's kappa; each line headed ``what``."""
    from sklearn.metrics import cohen_kappa_score

    for i, field in enumerate(fields):
        a, b = [x[i] for x in first], [x[i] for x in second]
        same = sum(x == y for x, y in zip(a, b))
        print(f"{what}, {field}: {same} of {len(a)} agree (kappa {cohen_kappa_score(a, b):.3f})")


if __name__ == "__main__":
    merge() if sys.argv[1:2] == ["--merge"] else main()
