"""The default classifier: estimator conventions, probabilities, evidence, skops persistence."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from nlp.classify import DEFAULT_MODEL_PATH, PostClassifier
from nlp.datasets import post_text
from nlp.features import with_title_weight

TOY = [
    ("楼道里燃气味很重，燃气泄漏了", "utilities", "high", "negative"),
    ("燃气管道漏气，整栋楼都闻到燃气味", "utilities", "high", "negative"),
    ("燃气公司来修燃气表，燃气正常", "utilities", "low", "neutral"),
    ("广场舞噪音太大，晚上十点还在跳", "environment", "low", "negative"),
    ("夜间施工噪音扰民，吵得睡不着", "environment", "low", "negative"),
    ("工地夜间施工噪音，凌晨还在打桩", "environment", "low", "negative"),
    ("感谢社区工作人员，电梯修好了，点赞", "other", "none", "positive"),
    ("谢谢物业，服务很好，点赞", "other", "none", "positive"),
    ("请问社区办证需要什么材料，谢谢", "other", "none", "neutral"),
]


@pytest.fixture(scope="module")
def toy_model():
    texts = [t for t, *_ in TOY]
    labels = {"category": [c for _, c, _, _ in TOY], "risk": [r for _, _, r, _ in TOY],
              "sentiment": [s for *_, s in TOY]}
    return PostClassifier(min_df=1).fit(texts, labels)


def test_fit_returns_self_and_sets_fitted_attributes_only(toy_model):
    fresh = PostClassifier(min_df=1)
    assert not any(k.endswith("_") for k in vars(fresh))
    assert set(toy_model.heads_) == {"category", "risk", "sentiment"}
    assert toy_model.get_params()["min_df"] == 1


def test_predictions_carry_probabilities_and_evidence_from_the_text(toy_model):
    text = "又闻到燃气味了，怀疑燃气泄漏"
    result = toy_model.predict([text])
    category = result["category"][0]
    assert category.label == "utilities"
    assert abs(sum(category.scores.values()) - 1) < 1e-3 and category.score == max(category.scores.values())
    assert category.evidence and all(term in text for term in category.evidence)
    assert any("燃气" in term for term in category.evidence)
    assert result["sentiment"][0].label == "negative"


def test_a_two_class_head_explains_either_class_by_the_terms_that_pull_towards_it():
    """A two-class linear model has one coefficient row, for its second class: evidence for the first class
    is the terms that pull the other way."""
    texts = [t for t, *_ in TOY]
    model = PostClassifier(min_df=1, C={"noise": 10.0}).fit(
        texts, {"noise": ["yes" if c == "environment" else "no" for _, c, _, _ in TOY]})
    got = model.predict(["工地噪音扰民，凌晨打桩", "燃气公司来修燃气表"])["noise"]
    assert [p.label for p in got] == ["yes", "no"]
    assert any("噪音" in term for term in got[0].evidence) and any("燃气" in term for term in got[1].evidence)
    assert not any("噪音" in term for term in got[1].evidence)


def test_skops_round_trip_and_refusal_of_foreign_objects(toy_model, tmp_path):
    path = tmp_path / "m.skops"
    toy_model.save(path, meta={"version": "toy"})
    loaded = PostClassifier.load(path)
    a = toy_model.predict(["夜间施工太吵"])["category"][0]
    b = loaded.predict(["夜间施工太吵"])["category"][0]
    assert a == b
    assert PostClassifier.meta(path) == {"version": "toy"}
    import skops.io as sio

    sio.dump({"payload": Path("/etc/passwd")}, tmp_path / "evil.skops")
    with pytest.raises(ValueError, match="refusing"):
        PostClassifier.load(tmp_path / "evil.skops")
    with pytest.raises(FileNotFoundError, match="sheqing train"):
        PostClassifier.load(tmp_path / "missing.skops")


def test_the_shipped_model_classifies_a_fresh_checkout_without_training():
    assert DEFAULT_MODEL_PATH.exists(), "nlp/models/default.skops is part of the project"
    model = PostClassifier.load()
    out = model.predict(["消防通道被电动车堵死了，楼道里还有人飞线充电", "小区门口广场舞噪音太大，晚上十点还不停"])
    assert out["category"][0].label == "fire_safety"
    assert out["category"][1].label == "environment"
    assert json.loads(DEFAULT_MODEL_PATH.with_suffix(".json").read_text())["version"]


def test_the_shipped_model_files_the_demo_forums_threads():
    """Forum posts, not board letters: the demo corpus's 108 grievance and incident threads (written for the
    demo, never trained on) with the category each was written for (``nlp/tools/demo_accuracy.py``). The
    model trained without the written letters filed 0.713 of the opening posts right (macro-F1 0.677), the
    shipped one 0.778 (0.752)."""
    from nlp.tools.demo_accuracy import scores

    opening = scores(PostClassifier.load())["opening posts"]
    assert opening["n"] >= 100 and opening["accuracy"] >= 0.75 and opening["macro_f1"] >= 0.72


def test_the_shipped_model_does_not_call_the_demo_forums_grievances_positive():
    """Each opening post of the demo's grievance and incident threads reports a problem. Trained on thanks about
    楼道, 燃气 and 小区门口 and on complaints mostly in the board's formal manner, the model before the written
    forum complaints (``nlp/labels/written_complaints.csv``) called 14 of the 108 positive (a gas smell in a
    stairwell among them); the shipped one calls none."""
    from nlp.tools.demo_accuracy import scores

    sentiment = scores(PostClassifier.load())["sentiment of opening posts"]
    assert sum(sentiment.values()) >= 100 and sentiment["positive"] <= 3 and sentiment["negative"] >= 85


def test_the_shipped_model_files_a_forum_gas_smell_under_utilities():
    """The written thanks train ``other`` and are about the same subjects as the written forum complaints; before
    the complaints had their categories, the thanks made a forum's words for a gas smell (燃气味) evidence for
    ``other``, and all four of these were filed there. Written here, not drawn from the training posts."""
    posts = ["楼道燃气味很重", "我们单元楼道有股煤气味", "楼道里燃气味很重，不知道哪家漏气了", "又停电了！"]
    predicted = PostClassifier.load().predict(posts)["category"]
    assert [p.label for p in predicted] == ["utilities"] * 4


def test_the_shipped_model_rates_the_demo_forums_chatter_none_and_its_grievances_not():
    """The demo forum's chatter threads (a sale, a lost cat, a running group) state no grievance: rated ``none``
    17 of 28 times where the risk head alone left 4 there; none of its grievance and incident threads whose
    intended risk is ``low`` or above is rated ``none`` (``python nlp/tools/demo_accuracy.py``)."""
    from nlp.tools.demo_accuracy import scores

    found = scores(PostClassifier.load())
    assert found["chatter"]["n"] >= 25 and found["chatter"]["none"] >= 15
    risk = found["risk of opening posts"]
    assert risk["grievances"] >= 90 and risk["grievances rated none"] == 0


def test_the_shipped_model_files_thanks_as_other():
    """Praise is ``other`` by the guide. Written here, not drawn from the thanks it trains on; the model before
    the thanks were labelled ``other`` filed these under what they thank for (utilities, property_mgmt,
    public_order, utilities), so each counted as one more grievance of that kind."""
    thanks = [("感谢社区网格员", "昨天家里水管爆了，网格员小王半夜赶来帮忙联系维修，非常感谢！"),
              ("给物业点个赞", "小区电梯坏了，物业第二天就请人修好了，效率很高，谢谢物业的师傅们。"),
              ("谢谢派出所民警", "我家老人走丢了，民警同志找了一晚上终于找到了，太感谢了！"),
              ("表扬环卫工人", "我们这条街的环卫工人每天天不亮就开始打扫，路面干干净净，辛苦了，谢谢你们！")]
    predicted = PostClassifier.load().predict([post_text(title, text) for title, text in thanks])
    assert [p.label for p in predicted["category"]] == ["other"] * 4
    assert [p.label for p in predicted["sentiment"]] == ["positive"] * 4


def test_the_shipped_model_files_few_everyday_weibo_posts_under_a_problem(shared_data):
    """Of the random Weibo sample's test half (never trained on; 582 of 600 posts report no problem), the model
    trained without the sample filed 79 of the 582 under a problem category; the shipped one files 24 and still
    finds 6 of the 18 that report one (nlp/tools/weibo_sample_accuracy.py)."""
    from nlp.datasets import weibo_sample
    from nlp.tools.weibo_sample_accuracy import scores
    from nlp.train import predict_all

    shared_data("emotion")
    test = weibo_sample("test")
    category = scores(test, predict_all(PostClassifier.load(), [e.text for e in test]))["category"]
    assert category["filed under a problem, reporting none"] <= 35, category
    assert category["problem true"] == 18 and category["problem both"] >= 5, category


def test_classify_command_line_contract(tmp_path):
    rows = [{"id": "a", "title": "金色家园燃气泄漏", "text": "西湖区金色家园3栋楼道燃气泄漏了，大家快撤离！"},
            {"id": "b", "title": "咨询", "text": "请问社保卡在哪里补办？"}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "sheqing.cli", "classify", str(src), "-o", str(out)],
                          capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr
    result = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in result] == ["a", "b"]
    for r in result:
        assert set(r) >= {"id", "category", "risk", "sentiment", "places", "scores", "evidence"}
        assert set(r["scores"]) == {"category", "risk", "sentiment"}
    assert result[0]["risk"] in ("high", "critical")  # an ongoing gas leak is never below high
    assert any(e.startswith("rule: gas leak") for e in result[0]["evidence"]["risk"]) or \
        result[0]["scores"]["risk"].get("high", 0) + result[0]["scores"]["risk"].get("critical", 0) > 0.5
    assert any(p["text"] == "金色家园" and p["kind"] == "estate" for p in result[0]["places"])


BAD_LINES = [  # (file content, the error's words): each the second line of the file, after a good one
    (b'not json\n', ":2: not a JSON line"),
    (b'[1, 2]\n', ":2: not a JSON object"),
    (b'{"id": "x"}\n', ":2: missing field(s) text"),
    (b'{"id": "x", "text": 5}\n', ":2: text must be text"),
    # 燃 in GB18030 happens to read as one UTF-8 character; 气 does not
    ('{"id": "x", "text": "燃气泄漏"}\n'.encode("gb18030"), ":2: not UTF-8 text (byte 0xc6 at byte 24"),
]


def test_classify_refuses_a_bad_line_by_its_number_and_writes_nothing(tmp_path):
    """A bad line anywhere stops the command before any work, with the file and line in one plain sentence
    (no traceback), and no output file is left; a byte-order mark and blank lines are fine."""
    from click.testing import CliRunner

    from sheqing.cli import main

    good = '{"id": "a", "title": "燃气泄漏", "text": "楼道里燃气泄漏了"}\n'.encode()
    out = tmp_path / "out.jsonl"
    for content, words in BAD_LINES:
        (tmp_path / "in.jsonl").write_bytes(good + content)
        result = CliRunner().invoke(main, ["classify", str(tmp_path / "in.jsonl"), "-o", str(out)])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert f"Error: {tmp_path / 'in.jsonl'}{words}" in result.output and "Traceback" not in result.output
        assert not out.exists()
    (tmp_path / "in.jsonl").write_bytes(b"\xef\xbb\xbf" + good + b"\n  \n")
    result = CliRunner().invoke(main, ["classify", str(tmp_path / "in.jsonl"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["a"]


def test_bulk_counting_gives_the_vectorizers_own_matrix(toy_model):
    texts = [t for t, *_ in TOY] + ["", " ", "燃", "燃气\n泄漏 了", "ABC abc 12.5% A3区", "𠮷野家的燃气味，燃气味"]
    for model in (toy_model, PostClassifier.load()):
        expected = model.vectorizer_.transform(with_title_weight(texts, model.title_weight))
        got = model.transform(texts)
        assert got.shape == expected.shape and got.has_sorted_indices
        assert (got.indptr == expected.indptr).all() and (got.indices == expected.indices).all()
        assert (got.data == expected.data).all()


def test_the_vocabulary_cut_keeps_equally_frequent_terms_in_alphabetical_order():
    """Every word below occurs in two texts; a cut to 101 features keeps zz (the most frequent) and the first
    100 words. scikit-learn's own cut keeps whichever equal ones its unstable sort leaves first (here words
    from all over the list), so the same texts could give another vocabulary on another machine."""
    from nlp.features import StableCutTfidfVectorizer

    words = [f"w{i:05d}" for i in range(20_000)]
    texts = [" ".join(words[i:i + 50]) for i in range(0, len(words), 50)] * 2 + ["zz zz zz", "zz"]
    vectorizer = StableCutTfidfVectorizer(min_df=2, max_features=101).fit(texts)
    assert sorted(vectorizer.vocabulary_) == words[:100] + ["zz"]
    assert sorted(vectorizer.vocabulary_.values()) == list(range(101))
    assert vectorizer.transform(["w00000 zz"]).nnz == 2


def test_the_title_counts_twice_and_a_model_saved_before_reads_it_once(toy_model, tmp_path):
    assert with_title_weight(["燃气泄漏\n楼道里有味道", "没有标题的一行", ""], 2) == \
        ["燃气泄漏\n燃气泄漏\n楼道里有味道", "没有标题的一行", ""]
    assert toy_model.title_weight == 2
    titled, untitled = toy_model.transform(["燃气泄漏\n噪音扰民", "噪音扰民\n燃气泄漏"])
    (_, words), (_, chars) = toy_model.vectorizer_.transformer_list
    column = len(words.vocabulary_) + chars.vocabulary_["燃气"]
    assert titled[0, column] > untitled[0, column] > 0  # the same words; 燃气 weighs more in the title

    older = PostClassifier(min_df=1).fit([t for t, *_ in TOY], {"category": [c for _, c, _, _ in TOY]})
    del older.title_weight  # what a model trained before the parameter existed holds
    older.save(tmp_path / "older.skops")
    loaded = PostClassifier.load(tmp_path / "older.skops")
    assert loaded.title_weight == 1
    assert (loaded.transform(["燃气泄漏\n噪音扰民"]) != older.vectorizer_.transform(["燃气泄漏\n噪音扰民"])).nnz == 0


def _rare_class_data(n=400, seed=0):
    """Texts of three classes, the third rare (4 %) and told apart only by one weak word."""
    import random

    rng = random.Random(seed)
    texts, labels, tune = [], [], []
    for i in range(n):
        kind = "c" if i % 25 == 0 else ("a" if i % 2 else "b")
        words = {"a": ["噪音", "施工", "扰民"], "b": ["燃气", "漏气", "维修"], "c": ["感谢", "表扬"]}[kind]
        filler = rng.sample(["小区", "楼道", "业主", "物业", "反映", "问题", "希望", "处理", "领导", "街道"], 4)
        texts.append(" ".join(filler + rng.sample(words, 1) + (rng.sample(["噪音", "燃气"], 1) if kind == "c" else [])))
        labels.append(kind)
        tune.append(True)
    return texts, labels, tune


def test_probabilities_are_a_tempered_softmax_whose_argmax_is_the_label():
    texts, labels, tune = _rare_class_data()
    model = PostClassifier(min_df=1).fit(texts, {"sentiment": labels}, tune_on=tune)
    assert 0.02 <= model.temperature_["sentiment"] <= 5.0
    for p in model.predict(texts[:50])["sentiment"]:
        assert abs(sum(p.scores.values()) - 1) < 1e-3 and p.scores[p.label] == max(p.scores.values())


def test_the_temperature_is_fitted_only_on_the_rows_to_tune_on():
    texts, labels, _ = _rare_class_data()
    model = PostClassifier(min_df=1).fit(texts, {"sentiment": labels}, tune_on=[False] * len(texts))
    assert model.temperature_["sentiment"] == 1.0 and not model.offsets_["sentiment"].any()
    tuned = PostClassifier(min_df=1).fit(texts, {"sentiment": labels})
    assert tuned.temperature_["sentiment"] != 1.0 and not tuned.offsets_["sentiment"].any()


def test_fixed_class_offsets_are_the_offsets_and_raise_that_class():
    import numpy as np

    texts, labels, _ = _rare_class_data()
    plain = PostClassifier(min_df=1).fit(texts, {"sentiment": labels})
    fixed = {"sentiment": {"c": 0.3}}
    moved = PostClassifier(min_df=1, class_offsets=fixed).fit(texts, {"sentiment": labels})
    k = list(moved.heads_["sentiment"].classes_).index("c")
    offsets = moved.offsets_["sentiment"]
    assert abs(offsets[k] - 0.3) < 1e-6 and not np.delete(offsets, k).any()
    assert moved.temperature_["sentiment"] == plain.temperature_["sentiment"]
    before, after = plain.predict(texts[:40])["sentiment"], moved.predict(texts[:40])["sentiment"]
    shares = [(b.scores["c"], a.scores["c"]) for b, a in zip(before, after)]  # (rounded to 4 places)
    assert all(b <= a for b, a in shares) and sum(a for _, a in shares) > sum(b for b, _ in shares)


def test_the_temperature_is_the_one_of_least_log_loss():
    import numpy as np

    from nlp.classify import _softmax, _temperature

    rng = np.random.default_rng(0)
    truth = np.array([0] * 300 + [1] * 300 + [2] * 20)
    scores = rng.normal(0, 0.3, (len(truth), 3))
    scores[np.arange(len(truth)), truth] += 0.6
    t = _temperature(scores, truth)
    assert 0.02 <= t <= 5.0
    loss = lambda t: -np.log(_softmax(scores / t)[np.arange(len(truth)), truth]).mean()  # noqa: E731
    assert loss(t) < loss(1.0) and loss(t) <= min(loss(t * 1.2), loss(t / 1.2))


def test_bootstrap_intervals_hold_the_figure_and_widen_for_rare_classes():
    import numpy as np

    from nlp.train import _head_report, _interval, _macro_f1_draws, _resamples, _urgent, _urgent_intervals

    def _macro_f1_interval(truth, pred, classes, draws):
        return _interval(_macro_f1_draws(truth, pred, classes, draws))

    rng = np.random.default_rng(1)
    classes = ["a", "b", "c"]
    truth = list(rng.choice(classes, 600, p=[0.6, 0.38, 0.02]))
    pred = [t if rng.random() < 0.8 else str(rng.choice(classes)) for t in truth]
    once = np.ones((1, len(truth)))  # every example drawn exactly once: the figure itself
    assert _macro_f1_interval(truth, pred, classes, once)[0] == round(_head_report(truth, pred, classes)["macro_f1"], 3)
    low, high = _macro_f1_interval(truth, pred, classes, _resamples(len(truth)))
    figure = _head_report(truth, pred, classes)["macro_f1"]
    assert low < figure < high and high - low > 0.05  # a rare class of about 12 cases makes it wide
    common = [c if c != "c" else "a" for c in truth]
    narrow = _macro_f1_interval(common, [p if p != "c" else "a" for p in pred], classes, _resamples(len(truth)))
    assert narrow[1] - narrow[0] < high - low
    risk_truth = ["high"] * 20 + ["low"] * 180
    risk_pred = ["high"] * 15 + ["low"] * 5 + ["high"] * 10 + ["low"] * 170
    u, band = _urgent(risk_truth, risk_pred), _urgent_intervals(risk_truth, risk_pred, _resamples(200))
    assert band["recall_interval"][0] < u["recall"] < band["recall_interval"][1]
    assert band["precision_interval"][0] < u["precision"] < band["precision_interval"][1]


def test_paired_resamples_tell_a_slip_from_a_fall():
    """The retrain gate's figure: in how many paired bootstrap samples the candidate scores lower. Labels that
    are the same never score lower; one more mistake in 600 is noise; sixty more are a fall; for urgent
    recall every sample holding the missed post scores lower."""
    import numpy as np

    from nlp.datasets import Example
    from nlp.train import worse_shares

    rng = np.random.default_rng(2)
    categories = ["traffic", "environment", "labor", "housing_land"]
    examples = [Example(id=str(i), text="", category=str(rng.choice(categories)), risk="high" if i < 20 else "low",
                        sentiment=str(rng.choice(["negative", "neutral", "positive"], p=[0.6, 0.35, 0.05])),
                        source="govmsg") for i in range(600)]
    truth = {"category": [e.category for e in examples], "sentiment": [e.sentiment for e in examples],
             "risk": [e.risk for e in examples]}
    current = {head: [label if rng.random() < 0.85 else str(rng.choice(pool)) for label in labels]
               for (head, labels), pool in zip(truth.items(), (categories, ["negative", "neutral", "positive"],
                                                               ["low"]))}
    current["risk"] = list(truth["risk"])  # finds every urgent post

    def with_mistakes(head: str, n: int) -> dict:  # n labels it had right, made wrong
        pool = categories if head == "category" else ["negative", "neutral", "positive"]
        right = [i for i, (p, t) in enumerate(zip(current[head], truth[head])) if p == t][:n]
        changed = list(current[head])
        for i in right:
            changed[i] = pool[(pool.index(changed[i]) + 1) % len(pool)]
        return {**current, head: changed}

    assert worse_shares(examples, current, current) == {"category_macro_f1": 0.0, "sentiment_macro_f1": 0.0,
                                                         "high_or_critical_recall": 0.0}
    slip = worse_shares(examples, with_mistakes("category", 1), current)
    assert 0.3 < slip["category_macro_f1"] < 0.95 and slip["sentiment_macro_f1"] == 0.0
    assert worse_shares(examples, with_mistakes("category", 60), current)["category_macro_f1"] >= 0.95
    assert worse_shares(examples, with_mistakes("sentiment", 60), current)["sentiment_macro_f1"] >= 0.95
    missed = {**current, "risk": ["low"] + current["risk"][1:]}
    share = worse_shares(examples, missed, current)["high_or_critical_recall"]
    assert 0.5 < share < 0.75  # the samples that draw the first post: 1 - (1 - 1/600)^600, about 0.63


def test_the_model_version_names_its_labels_and_parameters(tmp_path, monkeypatch):
    """Another sentiment label is another model, so another version (the version once named only the category
    and risk labels), and so is the same labels cut into other words (the vocabulary: segmentation changed
    without a new version once); written posts train at their own weights, and another weight is another
    version too (the Weibo sample at weight 1 and at 0.3 once gave two models one version)."""
    import re

    import nlp.segment
    from dataclasses import replace

    from nlp.datasets import Example
    from nlp.train import LETTER_WEIGHT, THANKS_WEIGHT, example_weights, train

    examples = [Example(f"toy:{i}", text, category, risk, sentiment, "govmsg")
                for i, (text, category, risk, sentiment) in enumerate(TOY)]
    first = train(examples, out=tmp_path / "a.skops").version_
    assert train(examples, out=tmp_path / "b.skops").version_ == first  # the same inputs: the same version
    flipped = examples[:-1] + [replace(examples[-1], sentiment="negative")]
    assert train(flipped, out=tmp_path / "c.skops").version_ != first
    named = [replace(e, text=e.text + "，A2区丽发新城") for e in examples]
    whole = train(named, out=None).version_
    monkeypatch.setattr(nlp.segment, "_ANONYMISED", re.compile(r"(?!)"))  # A2区 cut by jieba alone
    nlp.segment.forget_cut_lines()  # (forgets the lines cut before)
    try:
        assert train(named, out=None).version_ not in (whole, first)
    finally:
        monkeypatch.undo()
        nlp.segment.forget_cut_lines()  # (forgets the lines cut the other way)
    written = [replace(examples[0], source="letter"), replace(examples[1], source="thanks"), examples[2]]
    assert example_weights(written) == [LETTER_WEIGHT, THANKS_WEIGHT, 1.0]
    lighter = [replace(examples[0], source="letter")] + examples[1:]
    assert train(lighter, out=None).version_ not in (first, whole)


def test_weibo_posts_read_for_sentiment_train_with_their_dev_half_only(shared_data):
    """The Weibo posts rated for sentiment by reading train the default model with their dev half, as read;
    their test half, which measures the model, trains neither as read nor among the Weibo emotion set's own
    labels, from which the default model draws its sample of posts."""
    from nlp.datasets import weibo_read_ids, weibo_read_sentiment
    from nlp.train import READ_WEIGHT, WEIBO_PER_CLASS, example_weights, weibo_sentiment

    shared_data("emotion")
    dev, test = weibo_read_sentiment("dev"), weibo_read_sentiment("test")
    assert len(dev) + len(test) == len(weibo_read_ids()) == 677
    assert all(e.source == "weibo_read" and e.sentiment and not e.category and not e.risk for e in dev)
    assert example_weights(dev[:1]) == [READ_WEIGHT]
    sample = weibo_sentiment()
    assert {e.id.replace("weibo:", "nlpcc:") for e in sample}.isdisjoint(weibo_read_ids())
    assert Counter(e.sentiment for e in sample) == dict.fromkeys(("neutral", "positive", "negative"), WEIBO_PER_CLASS)
    with pytest.raises(ValueError, match="split must be"):
        weibo_read_sentiment("train")


def test_the_random_weibo_sample_trains_with_its_dev_half_only(shared_data):
    """The Weibo posts drawn at random and labelled by reading train the category and sentiment heads with their
    dev half, at their own weight (their risk levels, nearly all ``none``, would teach the risk head that a
    forum's everyday words state no grievance); no post of their test half, nor one with the same text, trains
    in any way (not as read for sentiment, not in the emotion set's sample)."""
    from nlp.datasets import weibo_sample
    from nlp.train import SAMPLE_WEIGHT, example_weights, training_examples

    for folder in ("govmsg", "cec", "emotion"):
        shared_data(folder)
    dev, test = weibo_sample("dev"), weibo_sample("test")
    assert len(dev) == len(test) == 600
    assert all(e.source == "weibo_sample" and e.category and e.risk and e.sentiment for e in dev + test)
    assert example_weights(dev[:1]) == [SAMPLE_WEIGHT]
    trained = training_examples()
    assert {e.id for e in dev} == {e.id for e in trained if e.source == "weibo_sample"}
    assert all(e.risk is None for e in trained if e.source == "weibo_sample")  # its risk levels only measure
    assert {e.text for e in test}.isdisjoint(e.text for e in trained)
    with pytest.raises(ValueError, match="split must be"):
        weibo_sample("train")


def test_cross_validation_folds_take_what_sheqing_train_fits(shared_data):
    """The measuring tools fold the examples ``sheqing train`` fits, no other set of their own: the sources
    scored are cut into folds, every other example with the head's label only ever trains, and a source
    weighing 0 is left out of both."""
    from nlp.tools.folds import fold_sets
    from nlp.train import training_examples

    for folder in ("govmsg", "cec", "emotion"):
        shared_data(folder)
    trained = [e for e in training_examples() if e.category]
    scored, extra = fold_sets("category", {"govmsg", "cec"})
    assert [e.id for e in scored] == [e.id for e in trained if e.source in ("govmsg", "cec")]
    assert [e.id for e in extra] == [e.id for e in trained if e.source not in ("govmsg", "cec")]
    assert {"guide", "letter", "thanks", "complaint", "chatter", "weibo_sample"} <= {e.source for e in extra}
    scored, extra = fold_sets("sentiment", {"govmsg", "weibo_read"}, {"chatter": 0, "letter": 0.3})
    assert {e.source for e in scored} == {"govmsg", "weibo_read"} and all(e.sentiment for e in scored + extra)
    assert "chatter" not in {e.source for e in extra} and "thanks" in {e.source for e in extra}


def test_yes_no_figures_count_what_they_say():
    """Precision and recall of a yes/no question, weighted or not, with the counts behind them; nothing
    flagged has no precision (not 0)."""
    from nlp.train import yes_no

    truth, predicted = [True, True, False, False, True], [True, False, True, False, False]
    assert yes_no(truth, predicted) == {"precision": 0.5, "recall": 1 / 3, "flagged": 2, "true": 3, "both": 1}
    weighted = yes_no(truth, predicted, [3, 1, 1, 1, 1])
    assert weighted["precision"] == 0.75 and weighted["recall"] == 0.6 and weighted["both"] == 1
    assert yes_no([True, False], [False, False])["precision"] is None
    assert yes_no([False], [True])["recall"] is None


def test_a_corrections_file_with_a_label_outside_the_taxonomy_stops_training(tmp_path):
    """A typed label ("gas") would train a class of its own: the file is refused by line before any training,
    as are a missing column and another encoding; a good file's labels, empty ones included, are read."""
    from click.testing import CliRunner

    from nlp.train import corrections
    from sheqing.cli import main

    bad = {"id,text,category,risk\nx1,楼道燃气泄漏,gas,\n": ":2: category 'gas' is not one of public_order",
           'id,text,category,risk\nx1,楼道燃气泄漏,,\n"x2","两行\n文本",traffic,urgent\n': ":4: risk 'urgent' is not one",
           "id,text\nx1,楼道燃气泄漏\n": ": no column(s) category, risk",
           ",楼道燃气泄漏,utilities,high\n": ": no column(s) id, text, category, risk"}
    path, model = tmp_path / "corrections.csv", tmp_path / "model.skops"
    for content, words in bad.items():
        path.write_text(content, encoding="utf-8")
        result = CliRunner().invoke(main, ["train", "--corrections", str(path), "-o", str(model)])
        assert result.exit_code == 1 and f"Error: {path}{words}" in result.output, result.output
        assert not model.exists()
    path.write_text("id,text,category,risk\nx1,楼道燃气泄漏,gas,\n", encoding="gb18030")
    result = CliRunner().invoke(main, ["train", "--corrections", str(path), "-o", str(model)])
    assert result.exit_code == 1 and "not UTF-8 text" in result.output
    path.write_text("\ufeffid,text,category,risk\nx1,楼道燃气泄漏,utilities,\nx2,噪音,,low\n", encoding="utf-8")
    assert [(e.id, e.category, e.risk, e.source) for e in corrections(path)] == [
        ("x1", "utilities", None, "correction"), ("x2", None, "low", "correction")]


def test_a_file_that_is_not_a_model_is_refused_in_one_sentence(tmp_path):
    from click.testing import CliRunner

    from sheqing.cli import main

    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "楼道里燃气泄漏了"}\n', encoding="utf-8")
    (tmp_path / "junk.skops").write_bytes(b"half a model")
    for args in (["classify", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.jsonl")], ["eval"]):
        result = CliRunner().invoke(main, [*args, "--model", str(tmp_path / "junk.skops")])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert f"Error: {tmp_path / 'junk.skops'} is not a model saved by sheqing train" in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_a_batch_gets_the_evidence_each_post_gets_alone_and_no_posts_get_none():
    """Evidence is ranked for a whole batch at once; a post's must not depend on its neighbours (posts with
    no readable feature among them)."""
    model = PostClassifier.load()
    texts = ["溪岸花园燃气泄漏，7幢正在疏散！", "", "的了吗", "电梯又坏了，困了两个人",
             "工地夜间施工噪音扰民\n凌晨两点还在打桩", "谢谢物业师傅修好了水管", "+1"]
    X = model.transform(texts)
    for head in model.heads_:
        together = [p.evidence for p in model.predict_head(head, X)]
        assert together == [model.predict_head(head, X[i])[0].evidence for i in range(len(texts))]
        assert together[0] and not together[1]
    assert model.predict([]) == {head: [] for head in model.heads_}


def test_of_terms_that_weigh_the_same_evidence_shows_the_longer_first():
    """广厦新村 is always written whole here, so the model weighs the words 广厦 and 新村, the pair 广厦新村 and
    停水 alike; the pair says the most, and comes first (equal terms used to come in whatever order the sort
    left them: 停水 here)."""
    texts = ["广厦新村停水三天了", "广厦新村又停水", "广厦新村停水没人管", "翠苑小区噪音扰民", "翠苑小区夜间施工噪音",
             "翠苑小区广场舞噪音"]
    labels = {"category": ["utilities"] * 3 + ["environment"] * 3}
    for most, expected in ((1, ["广厦新村"]), (2, ["广厦新村", "停水"])):
        model = PostClassifier(min_df=1, evidence_terms=most).fit(texts, labels)
        assert model.predict(["广厦新村停水了"])["category"][0].evidence == expected


def test_evidence_is_made_of_terms_a_reader_can_take_for_words():
    """The shipped model learns from 了燃气公司 (a pair with a particle), 是不 or 了。 too, but an alert shows
    only words of two characters or more, pairs of two such words, and n-grams that are such words; chosen as
    before (any feature of two characters), the same posts' evidence is mostly pieces like 燃气公司的."""
    from nlp.classify import HEADS, PostClassifier
    from nlp.tools.evidence_terms import UNREADABLE, choose_evidence_as_before, kinds

    model = PostClassifier.load()
    texts = ["溪岸花园燃气泄漏，7幢正在疏散！\n刚下楼看到消防车到了。燃气公司的人说整栋楼都要撤，千万不要开火，附近的邻居注意！",
             "请问一下，小区门口的路灯坏了，是不是该找物业？\n路灯坏了一个月了，晚上回家很黑，老人摔了一跤。"]

    def predictions() -> list:
        X = model.transform(texts)
        return [p for head in HEADS for p in model.predict_head(head, X)]

    def unreadable() -> int:  # (one ``kinds`` call: each reads the whole vocabulary)
        counts = kinds(model, [term for p in predictions() for term in p.evidence])
        return sum(counts[k] for k in UNREADABLE)

    assert unreadable() == 0
    assert all(p.evidence and all(term in "".join(texts).replace("\n", "") for term in p.evidence)
               for p in predictions())
    assert "燃气泄漏" in model.predict_head("category", model.transform(texts[:1]))[0].evidence
    choose_evidence_as_before(model)
    assert unreadable() >= 10
