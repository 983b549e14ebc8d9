"""`sheqing_retrain` with `dag.test()`: corrections from the store, a candidate in the data folder, promotion
only when the held-out scores are not worse (a macro-F1 beyond resampling noise, urgent recall at all).

Training on every label file takes over a minute, so both runs train on the same fixed sample of 150 label
examples (the DAG's ``sample`` parameter) plus the analysts' corrections. Such a candidate is far worse than
the shipped model and must not replace it; once a model trained on that same data is the active one, the
candidate equals it (a tie) and is promoted.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime

import pytest

from indexer.sqlite_store import SqliteStore
from nlp.classify import DEFAULT_MODEL_PATH
from tests.indexer.samples import CST, make_posts

SAMPLE = {"sample": 150}


def decisions(models) -> list[dict]:
    return [json.loads(line) for line in (models / "retrain.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def data_dir(sheqing_env, shared_data):
    for needed in ("govmsg", "cec", "emotion"):  # the label files' texts
        shared_data(needed)
    data_dir = sheqing_env()
    data_dir.mkdir(parents=True)
    with SqliteStore(data_dir / "sheqing.sqlite") as store:
        posts = make_posts()
        store.upsert_posts(posts)
        store.correct_post(posts[7].id, "category", "building_safety", by="analyst", note="装修噪音")
    return data_dir


def test_a_worse_candidate_is_kept_out_and_an_equal_one_is_promoted(dagbag, data_dir):
    retrain, models = dagbag.dags["sheqing_retrain"], data_dir / "models"
    shipped = DEFAULT_MODEL_PATH.read_bytes()

    first = retrain.test(logical_date=datetime(2024, 3, 4, 3, 0, tzinfo=CST), run_conf=SAMPLE)
    assert first.state == "success"
    with open(models / "corrections.csv", encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["category"] == "building_safety" and "噪音" in row["text"]
    meta = json.loads((models / "candidate.json").read_text(encoding="utf-8"))
    assert meta["examples"]["correction"] == 1 and sum(meta["examples"].values()) == 151
    (kept,) = decisions(models)
    assert kept["promoted"] is False and kept["worse"] and kept["current_path"] == str(DEFAULT_MODEL_PATH)
    assert kept["candidate"]["category_macro_f1"] < kept["current"]["category_macro_f1"]
    assert kept["worse_share"]["category_macro_f1"] >= 0.95  # a fall far beyond resampling noise
    assert not (models / "active.skops").exists()
    assert DEFAULT_MODEL_PATH.read_bytes() == shipped  # never trained over the committed model

    shutil.copyfile(models / "candidate.skops", models / "active.skops")  # a model of that same data is in use
    second = retrain.test(logical_date=datetime(2024, 3, 11, 3, 0, tzinfo=CST), run_conf=SAMPLE)
    assert second.state == "success"
    promoted = decisions(models)[-1]
    assert promoted["promoted"] is True and promoted["worse"] == []
    assert promoted["candidate"] == promoted["current"]
    assert set(promoted["worse_share"].values()) == {0.0}  # the same labels never score lower
    assert promoted["current_path"] == str(models / "active.skops")
    active = json.loads((models / "active.json").read_text(encoding="utf-8"))
    assert active["evaluation"] == {"candidate": promoted["candidate"], "previous": promoted["current"]}
    assert active["version"] == meta["version"] and active["promoted_at"]
    assert (models / "active.skops").read_bytes() == (models / "candidate.skops").read_bytes()
    assert (models / "previous.skops").exists()


def test_not_worse_means_no_deciding_score_fell():
    from sheqing.airflow_tasks import not_worse

    current = {"category_macro_f1": 0.65, "sentiment_macro_f1": 0.57, "high_or_critical_recall": 0.72}
    assert not_worse(dict(current), current) == (True, [])
    assert not_worse({**current, "category_macro_f1": 0.70}, current) == (True, [])
    assert not_worse({**current, "high_or_critical_recall": 0.70}, current) == (False, ["high_or_critical_recall"])
    assert not_worse({**current, "high_or_critical_recall": None}, current) == (False, ["high_or_critical_recall"])
    assert not_worse(current, {**current, "high_or_critical_recall": None}) == (True, [])


def test_a_macro_f1_fall_within_resampling_noise_does_not_keep_corrections_out():
    """One positive message more or less moves held-out sentiment macro-F1 by 0.08: such a fall, lower in 60 %
    of the paired bootstrap samples, promotes; one lower in 97 % of them does not; urgent recall is strict."""
    from sheqing.airflow_tasks import not_worse

    current = {"category_macro_f1": 0.71, "sentiment_macro_f1": 0.78, "high_or_critical_recall": 0.58}
    slipped = {**current, "sentiment_macro_f1": 0.70}
    noise = {"category_macro_f1": 0.0, "sentiment_macro_f1": 0.6, "high_or_critical_recall": 0.0}
    assert not_worse(slipped, current, noise) == (True, [])
    assert not_worse(slipped, current, {**noise, "sentiment_macro_f1": 0.97}) == (False, ["sentiment_macro_f1"])
    assert not_worse(slipped, current) == (False, ["sentiment_macro_f1"])  # no shares: any fall counts
    missed_one = {**current, "high_or_critical_recall": 0.54}
    assert not_worse(missed_one, current, {**noise, "high_or_critical_recall": 0.63}) == (
        False, ["high_or_critical_recall"])
