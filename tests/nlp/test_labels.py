"""The label files are part of the product: ids only, valid codes, a held-out split that was read twice.

What `nlp/labels/README.md` promises, checked on the committed files: rows name messages by id and carry no
text; every code is one the taxonomy defines; the held-out split is large, stratified by category, never
shares a near-duplicate group with the train split (except the four groups the README names), and every
held-out label was either agreed by two annotators or decided by a third.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from sheqing.records import CATEGORIES, RISKS, SENTIMENTS

LABELS = Path(__file__).resolve().parents[2] / "nlp" / "labels"
HANZI = re.compile(r"[\u4e00-\u9fff]")
FILES = {"votes": "messages_with_votes.csv", "replies": "messages_with_replies.csv", "sample": "labelled_sample.csv"}


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


LABEL_ROWS = _rows(LABELS / "govmsg_labels.csv")


def test_rows_name_messages_by_id_with_valid_codes_and_no_text():
    assert list(LABEL_ROWS[0]) == ["message_id", "source", "category", "risk", "sentiment", "split", "annotator",
                                   "dup_group", "review"]
    assert len({(r["source"], r["message_id"]) for r in LABEL_ROWS}) == len(LABEL_ROWS) >= 2000
    for r in LABEL_ROWS:
        assert r["message_id"].isdigit() and r["source"] in FILES
        assert r["category"] in CATEGORIES and r["risk"] in RISKS and r["sentiment"] in SENTIMENTS, r
        assert r["split"] in ("train", "heldout")
    # no message text anywhere in the label, part and review files (guide_examples.csv is our own writing;
    # cec_labels.csv names CEC reports by their file names, the corpus's own identifiers)
    for path in [LABELS / "govmsg_labels.csv", *LABELS.glob("parts/*.csv"), *LABELS.glob("review/*.csv"),
                 *LABELS.glob("selection*.csv")]:
        assert not HANZI.search(path.read_text(encoding="utf-8")), f"{path.name} holds Chinese text"


def test_held_out_split_is_large_stratified_and_apart_from_train():
    held = [r for r in LABEL_ROWS if r["split"] == "heldout"]
    assert len(held) >= 400
    total, kept = Counter(r["category"] for r in LABEL_ROWS), Counter(r["category"] for r in held)
    for category, n in total.items():
        if n >= 30:
            assert 0.10 <= kept[category] / n <= 0.30, (category, kept[category], n)
    splits = defaultdict(set)
    for r in LABEL_ROWS:
        splits[r["dup_group"]].add(r["split"])
    assert sum(len(s) > 1 for s in splits.values()) <= 4  # the README's four groups of rounds 1 and 2


def test_every_held_out_label_was_read_twice_and_train_labels_once_or_rechecked():
    reviews = Counter((r["split"], r["review"]) for r in LABEL_ROWS)
    assert set(reviews) <= {("heldout", "agreed"), ("heldout", "adjudicated"), ("train", "single"),
                            ("train", "rechecked")}
    second = {r["message_id"] for path in LABELS.glob("review/heldout_second_*.csv") for r in _rows(path)}
    decided = {r["message_id"] for path in LABELS.glob("review/heldout_adjudicated_*.csv") for r in _rows(path)}
    for r in LABEL_ROWS:
        if r["split"] == "heldout":
            assert r["message_id"] in second
            assert (r["review"] == "adjudicated") == (r["message_id"] in decided)


def test_guide_examples_are_labelled_with_taxonomy_codes():
    rows = _rows(LABELS / "guide_examples.csv")
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["category"] for r in rows} == set(CATEGORIES)


def test_every_labelled_message_exists_in_the_shared_data(shared_data):
    ids = {}
    for source, name in FILES.items():
        ids[source] = {r["留言编号"] for r in _rows(shared_data(f"govmsg/{name}"))}
    missing = [(r["source"], r["message_id"]) for r in LABEL_ROWS if r["message_id"] not in ids[r["source"]]]
    assert not missing, missing[:5]
