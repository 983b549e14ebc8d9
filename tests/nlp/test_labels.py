"""The label files are part of the product: ids only, valid codes, a held-out split that was read twice.

What `nlp/labels/README.md` promises, checked on the committed files: rows name messages by id and carry no
text; every code is one the taxonomy defines; the held-out split is large, stratified by category, never
shares a near-duplicate group with the train split (except the four groups the README names), every
held-out label was either agreed by two annotators or decided by a third, and so was every label on a
category boundary read again (``tools/reread.py``).
"""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
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
    # no message text anywhere in the label, part and review files (guide_examples.csv, written_letters.csv,
    # written_thanks.csv and written_complaints.csv are our own writing; cec_labels.csv names CEC reports by
    # their file names, the corpus's own identifiers)
    for path in [LABELS / "govmsg_labels.csv", *LABELS.glob("parts/*.csv"), *LABELS.glob("review/*.csv"),
                 *LABELS.glob("selection*.csv"), LABELS / "topic_pairs.csv"]:
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


def _reread_tool():
    """``nlp/labels/tools/reread.py`` (a script, not a package module), for its table of re-reads."""
    spec = importlib.util.spec_from_file_location("reread", LABELS / "tools" / "reread.py")
    module = sys.modules["reread"] = importlib.util.module_from_spec(spec)  # (its dataclass looks itself up there)
    spec.loader.exec_module(module)
    return module


REREAD_TOOL = _reread_tool()
REREADS = REREAD_TOOL.REREADS
# held-out messages whose two first readings disagreed, decided by a third (before any re-read)
HELD_OUT_DECIDED = {r["message_id"] for path in LABELS.glob("review/heldout_adjudicated_*.csv") for r in _rows(path)}


def _settled(name: str) -> dict[str, str]:
    """message_id -> label of a re-read's adjudicated file."""
    head = REREADS[name].head
    return {r["message_id"]: r[head] for r in _rows(LABELS / "review" / f"{name}_adjudicated.csv")}


def test_every_held_out_label_was_read_twice_and_train_labels_once_or_reviewed():
    reviews = Counter((r["split"], r["review"]) for r in LABEL_ROWS)
    assert set(reviews) <= {("heldout", "agreed"), ("heldout", "adjudicated"), ("train", "single"),
                            ("train", "rechecked"), ("train", "agreed"), ("train", "adjudicated")}
    second = {r["message_id"] for path in LABELS.glob("review/heldout_second_*.csv") for r in _rows(path)}
    decided = HELD_OUT_DECIDED | {m for name, reread in REREADS.items() if reread.split == "heldout" for m in _settled(name)}
    for r in LABEL_ROWS:
        if r["split"] == "heldout":
            assert r["message_id"] in second
            assert (r["review"] == "adjudicated") == (r["message_id"] in decided)


def test_messages_on_a_boundary_were_read_again_blind_and_settled():
    """``tools/reread.py``: each re-read reads one split only and one label (category or risk); each message
    read a second time blind by its slice's annotator; where the second reading differs from the first
    label, the label is the adjudicator's. A message in two re-reads keeps the later one's outcome."""
    labels = {r["message_id"]: r for r in LABEL_ROWS}
    assert set(REREADS) >= {"public_order", "public_order_heldout", "school_safety", "risk_high"}
    outcome, every_decided = {}, set()  # (message id, head) -> (label, adjudicated?) of the last re-read
    for name, reread in REREADS.items():
        head, codes = reread.head, REREAD_TOOL.CODES[reread.head]
        selection = {r["message_id"]: r for r in _rows(LABELS / "review" / f"{name}_selection.csv")}
        second = {}
        for slice_no in range(reread.slices):
            rows = _rows(LABELS / "review" / f"{name}_second_{slice_no}.csv")
            assert {r["message_id"] for r in rows} == {m for m, r in selection.items() if r["slice"] == str(slice_no)}
            second.update((r["message_id"], r[head]) for r in rows)
        decided = _settled(name)
        assert set(decided) == {m for m, c in second.items() if c != selection[m]["first"]}, name
        assert len(second) >= 100 and len(decided) >= 1
        for message_id, label in second.items():
            assert labels[message_id]["split"] == reread.split and label in codes
            outcome[message_id, head] = (decided[message_id], True) if message_id in decided else (label, False)
        every_decided |= decided.keys()
    for (message_id, head), (label, adjudicated) in outcome.items():
        row = labels[message_id]
        assert row[head] == label and row["review"] != "single"  # read twice at least
        assert row["review"] == "adjudicated" or not adjudicated
    assert all(r["review"] != "adjudicated" or r["message_id"] in every_decided | HELD_OUT_DECIDED for r in LABEL_ROWS)


GUIDE, LETTERS = _rows(LABELS / "guide_examples.csv"), _rows(LABELS / "written_letters.csv")
THANKS, COMPLAINTS = _rows(LABELS / "written_thanks.csv"), _rows(LABELS / "written_complaints.csv")
CHATTER, ENQUIRIES = _rows(LABELS / "written_chatter.csv"), _rows(LABELS / "written_enquiries.csv")
SHORT = _rows(LABELS / "written_short.csv")
WRITTEN = GUIDE + LETTERS + THANKS + COMPLAINTS + CHATTER + ENQUIRIES + SHORT


def _runs(text: str, n: int) -> list[str]:
    """Every run of ``n`` characters of ``text``: how the checks below find a phrase two texts share."""
    return [text[i:i + n] for i in range(len(text) - n + 1)]


def _demo_posts() -> list[tuple[str, str]]:
    """(thread title, post text) of every post of the demo forum, which the writers never read."""
    from crawlers.demo_forum.corpus import build_corpus

    return [(thread.title, post.text) for thread in build_corpus().threads() for post in thread.posts]


def test_written_posts_are_labelled_with_taxonomy_codes():
    assert len({r["id"] for r in WRITTEN}) == len(WRITTEN)
    assert {r["category"] for r in GUIDE} == set(CATEGORIES)
    assert {r["category"] for r in LETTERS} == {"school_safety", "neighbor_dispute", "food_drug", "public_order"}
    assert len(THANKS) == 300 and {r["sentiment"] for r in THANKS} == {"positive"}
    assert len({r["text"] for r in THANKS}) == len(THANKS)
    # a complaint about each thanks' subject: the same numbers, none of its text
    assert [r["id"].replace("complaint", "thanks") for r in COMPLAINTS] == [r["id"] for r in THANKS]
    assert {r["sentiment"] for r in COMPLAINTS} == {"negative"} and len({r["text"] for r in COMPLAINTS}) == 300
    assert not {r["text"] for r in COMPLAINTS} & {r["text"] for r in THANKS}
    # their category and risk read by four annotators, 75 each (nlp/labels/written_complaints_guide.md)
    assert {r["category"] for r in COMPLAINTS} <= set(CATEGORIES) and {r["risk"] for r in COMPLAINTS} <= set(RISKS)
    assert [r["annotator"] for r in COMPLAINTS] == [f"s{n // 75}" for n in range(300)]
    assert len({r["category"] for r in COMPLAINTS}) >= 12 and "none" not in {r["risk"] for r in COMPLAINTS}
    second = [row for path in sorted((LABELS / "parts").glob("complaints_s?_by?.csv")) for row in _rows(path)]
    first = {r["id"]: r for r in COMPLAINTS}  # 15 of each slice read again by the next slice's annotator
    assert len(second) == 60 and sum(first[r["id"]]["category"] == r["category"] for r in second) >= 54
    # a question or a short complaint may be all title
    assert all(r["title"].strip() and (r["text"].strip() or r in ENQUIRIES + SHORT) for r in WRITTEN)


def test_written_chatter_reports_no_problem_by_a_second_reading():
    """nlp/labels/written_chatter.csv: everyday forum posts in two batches of four writers, each post read again
    blind by another annotator (parts/chatter_read.csv, parts/chatter_read2.csv), who found no problem in any.
    The first batch keeps the writer's sentiment (the reader's differed once); the second, where the two
    differed, a third reading's (written_chatter_brief.md)."""
    assert len(CHATTER) >= 530 and len({r["text"] for r in CHATTER}) == len(CHATTER)
    assert all(re.fullmatch(r"w-chatter-\d{3}", r["id"]) for r in CHATTER)
    assert {r["sentiment"] for r in CHATTER} == set(SENTIMENTS)
    first, second = _rows(LABELS / "parts" / "chatter_read.csv"), _rows(LABELS / "parts" / "chatter_read2.csv")
    read = {r["id"]: r for r in first + second}
    assert read.keys() == {r["id"] for r in CHATTER} and len(read) == len(first) + len(second)
    assert {r["problem"] for r in read.values()} == {"no"} and {r["category"] for r in read.values()} == {"other"}
    trained = {r["id"]: r["sentiment"] for r in CHATTER}
    assert sum(trained[r["id"]] == r["sentiment"] for r in first) >= len(first) - 5
    assert all(trained[r["id"]] == (r["writer"] if r["writer"] == r["sentiment"] else r["third"]) for r in second)
    assert sum(r["writer"] == r["sentiment"] for r in second) >= len(second) - 20


def test_written_enquiries_were_read_again_blind():
    """nlp/labels/written_enquiries.csv: forum questions by four writers, four of each category of the guide
    (written_enquiries_brief.md); a blind reader gave each the writer's category and sentiment
    (parts/enquiries_read.csv), and a third reader of 60 the same category every time."""
    assert len(ENQUIRIES) == 240 and len({r["title"] + r["text"] for r in ENQUIRIES}) == 240
    assert Counter(r["category"] for r in ENQUIRIES) == {category: 16 for category in CATEGORIES}
    assert {r["sentiment"] for r in ENQUIRIES} == set(SENTIMENTS) and {r["risk"] for r in ENQUIRIES} <= set(RISKS)
    written = {r["id"]: r for r in ENQUIRIES}
    read, spot = _rows(LABELS / "parts" / "enquiries_read.csv"), _rows(LABELS / "parts" / "enquiries_spot.csv")
    assert {r["id"] for r in read} == written.keys() and len(spot) == 60
    assert all(written[r["id"]][f] == r[f] for r in read for f in ("category", "sentiment"))
    assert sum(written[r["id"]]["category"] == r["category"] for r in spot) >= 57


def test_written_short_complaints_were_read_again_blind_and_copy_no_forum_check_post():
    """nlp/labels/written_short.csv: one-line forum complaints by four writers, three of each problem category
    each (written_short_brief.md); each post was read blind by another annotator (parts/short_read.csv, all
    168 written) and kept only where the reader gave the writer's category and sentiment and it shares no title
    and no run of 8 characters with a post of the forum check set or the demo forum (their titles are as short)."""
    read = {r["id"]: r for r in _rows(LABELS / "parts" / "short_read.csv")}
    assert len(read) == 168 and all(re.fullmatch(r"w-short-[1-4]-\d{3}", i) for i in read)
    assert {r["id"] for r in SHORT} <= read.keys() and len(SHORT) >= 120
    assert all(read[r["id"]]["category"] == r["category"] and read[r["id"]]["sentiment"] == r["sentiment"]
               and read[r["id"]]["overlap"] == "no" for r in SHORT)
    assert set(CATEGORIES) - {r["category"] for r in SHORT} == {"other"}
    assert all(len(r["title"]) <= 15 and len(r["text"]) < 20 for r in SHORT)
    squeeze = lambda text: re.sub(r"[\W_]+", "", text)  # noqa: E731
    posts = [(r["title"], r["text"]) for r in _rows(LABELS / "forum_posts.csv")]
    posts += _demo_posts()
    check = [squeeze(title + text) for title, text in posts]
    titles = {squeeze(title) for title, _ in posts}
    runs = {piece for text in check for piece in _runs(text, 8)}
    for r in SHORT:
        text = squeeze(r["title"] + r["text"])
        assert squeeze(r["title"]) not in titles and not any(piece in runs for piece in _runs(text, 8))


def test_written_forum_posts_share_no_phrase_with_the_forum_check_set():
    """The forum check set measures what the chatter and the enquiries train: no run of 12 characters of one
    appears in a post of it but two stock phrases of the chatter's first batch (有看到的邻居麻烦说一声,
    祝各位邻居中秋快乐; the post that was a chatter post's very text, f2-046, is left out of the set)."""
    run = 12
    runs = {piece for r in CHATTER + ENQUIRIES for piece in _runs("".join((r["title"] + r["text"]).split()), run)}
    kept = {r["id"] for r in _rows(LABELS / "forum_check.csv")}
    check = {r["id"]: "".join((r["title"] + r["text"]).split())
             for r in _rows(LABELS / "forum_posts.csv") if r["id"] in kept}
    assert len(check) == 319
    shared = {i for i, text in check.items() if any(piece in runs for piece in _runs(text, run))}
    assert shared == {"f1-013", "f3-066"}


def test_written_forum_posts_copy_nothing_of_the_demo_forum():
    """The demo forum's threads check the model (nlp/tools/demo_accuracy.py); the writers of the chatter and the
    enquiries did not read them, and no run of 12 characters of a written post appears in a demo post."""
    run = 12
    runs = {piece for r in CHATTER + ENQUIRIES for piece in _runs(r["title"] + "\n" + r["text"], run)}
    demo = [title + "\n" + text for title, text in _demo_posts()]
    assert not [text for text in demo if any(piece in runs for piece in _runs(text, run))]


def test_the_forum_check_set_was_read_twice_and_never_trains(shared_data):
    """nlp/labels/forum_check.csv: 319 forum opening posts by four writers (everyday posts, problems of every
    category, thanks), each read again blind by another annotator and, where the two differed, by a third;
    half ``dev``, half ``test``, drawn by writer and category. It only measures: no post of it, nor its text,
    is among the examples ``sheqing train`` fits."""
    from nlp.datasets import forum_check
    from nlp.train import training_examples

    rows, posts = _rows(LABELS / "forum_check.csv"), {r["id"]: r for r in _rows(LABELS / "forum_posts.csv")}
    assert len(rows) == 319 and len(posts) == 320 and "f2-046" not in {r["id"] for r in rows}  # (merge_forum.LEFT_OUT)
    assert len({posts[r["id"]]["title"] + posts[r["id"]]["text"] for r in rows}) == 319
    assert all(r["category"] in CATEGORIES and r["risk"] in RISKS and r["sentiment"] in SENTIMENTS for r in rows)
    assert {r["category"] for r in rows} == set(CATEGORIES) and {r["risk"] for r in rows} == set(RISKS)
    assert all(re.fullmatch(r"w[1-4]\+r[5-8](\+d)?", r["annotator"]) for r in rows)
    split = Counter(r["split"] for r in rows)
    assert split.keys() == {"dev", "test"} and abs(split["dev"] - split["test"]) <= 30
    for folder in ("govmsg", "cec", "emotion"):
        shared_data(folder)
    trained = training_examples()
    assert not {f"forum:{r['id']}" for r in rows} & {e.id for e in trained}
    assert not {e.text for e in forum_check("dev") + forum_check("test")} & {e.text for e in trained}


def test_written_posts_copy_no_real_message(shared_data):
    """Our writing, not the board's: no run of 20 characters of a written post appears in any message (at 12
    characters the only shared runs are greetings such as 尊敬的领导：您好！我是)."""
    run = 20
    runs = {piece for r in WRITTEN for piece in _runs(r["title"] + "\n" + r["text"], run)}
    copied = []
    for name in FILES.values():
        for message in _rows(shared_data(f"govmsg/{name}")):
            text = message["留言主题"] + "\n" + message["留言详情"]
            copied += [piece for piece in _runs(text, run) if piece in runs][:1]
    assert not copied, copied[:5]


def test_every_labelled_message_exists_in_the_shared_data(shared_data):
    ids = {}
    for source, name in FILES.items():
        ids[source] = {r["留言编号"] for r in _rows(shared_data(f"govmsg/{name}"))}
    missing = [(r["source"], r["message_id"]) for r in LABEL_ROWS if r["message_id"] not in ids[r["source"]]]
    assert not missing, missing[:5]


def test_weibo_risk_labels_rate_every_selected_post_and_measure_the_rules(shared_data):
    """nlp/labels/weibo_risk.csv: 677 real Weibo posts rated for risk by reading, each once, with a level of the
    guide, half dev and half test in each stratum; on test (never read for errors) the rules keep what they
    had when their figurative-use exceptions were written: 20 of the 28 posts rated high or critical, at a
    weighted precision of at least 0.21 (nlp/tools/weibo_risk_accuracy.py)."""
    from nlp.datasets import weibo_posts
    from nlp.risk_rules import risk_floor
    from nlp.tools.weibo_risk_accuracy import read_labels, scores

    shared_data("emotion")
    rows, posts = read_labels(), weibo_posts()
    assert len(rows) == len({r["post_id"] for r in rows}) == 677
    assert all(r["post_id"] in posts and r["risk"] in RISKS for r in rows)
    per = Counter((r["stratum"], r["split"]) for r in rows)
    for stratum in ("flagged", "hazard", "plain"):
        assert abs(per[stratum, "dev"] - per[stratum, "test"]) <= 1
    test = [r for r in rows if r["split"] == "test"]
    result = scores(test, {r["post_id"]: risk_floor(posts[r["post_id"]]).level for r in test}, "high")
    assert result["true"] == 28 and result["both"] >= 20 and result["precision"] >= 0.21, result


def test_weibo_sentiment_labels_rate_the_risk_samples_posts_once_and_measure_the_model(shared_data):
    """nlp/labels/weibo_sentiment.csv: the 677 posts of weibo_risk.csv, with its strata and splits, rated for
    sentiment by reading, each once by its slice's annotator; a second reading of 40 posts of each slice by
    another annotator agrees on at least 0.9 of them (152 of 160 when they were read); on test (never trained
    on) the shipped model scores macro-F1 0.711 where the model trained without the read half scored 0.520,
    and calls 12 of the 162 negative posts positive, where that one called 61
    (nlp/tools/weibo_sentiment_accuracy.py)."""
    from nlp.classify import PostClassifier
    from nlp.datasets import weibo_posts
    from nlp.tools.weibo_sentiment_accuracy import scores

    shared_data("emotion")
    rows, posts = _rows(LABELS / "weibo_sentiment.csv"), weibo_posts()
    risk = {r["post_id"]: r for r in _rows(LABELS / "weibo_risk.csv")}
    selection = {r["post_id"]: r for r in _rows(LABELS / "weibo_risk_selection.csv")}
    assert len(rows) == len({r["post_id"] for r in rows}) == len(risk) == 677
    for row in rows:
        assert row["sentiment"] in SENTIMENTS and row["post_id"] in posts
        assert [row[k] for k in ("stratum", "frame", "split")] == [risk[row["post_id"]][k] for k in ("stratum", "frame", "split")]
        assert row["annotator"] == f"s{selection[row['post_id']]['slice']}"
    first = {r["post_id"]: r["sentiment"] for r in rows}
    second = [r for path in sorted((LABELS / "parts").glob("weibo_sentiment_s?_by?.csv")) for r in _rows(path)]
    readings = [r for path in sorted((LABELS / "parts").glob("weibo_sentiment_s*.csv")) for r in _rows(path)]
    assert len(second) == 160 and len(readings) == 677 + 160
    assert all(r["reason"] and not HANZI.search(r["reason"]) for r in readings)  # a reason, and no text of the post
    assert sum(first[r["post_id"]] == r["sentiment"] for r in second) >= 0.9 * len(second)
    test = [r for r in rows if r["split"] == "test"]
    predicted = PostClassifier.load().predict([posts[r["post_id"]] for r in test])["sentiment"]
    result = scores([r["sentiment"] for r in test], [p.label for p in predicted])
    assert result["macro_f1"] >= 0.70 and result["negative called positive"] <= 20, result


def test_weibo_sample_labels_every_selected_post_once_and_was_read_twice_in_part(shared_data):
    """nlp/labels/weibo_sample.csv: the 1,200 Weibo posts of weibo_sample_selection.csv, drawn at random, each
    labelled once by its slice's annotator with codes of the guide, half dev and half test; a second reading
    of 30 posts of each slice by another annotator, and every reading gives a reason without a character of
    the post; the two readings agree on at least 0.95 of the categories and 0.85 of the sentiments (178 and
    163 of 180 when they were read)."""
    from nlp.datasets import weibo_posts

    shared_data("emotion")
    rows, posts = _rows(LABELS / "weibo_sample.csv"), weibo_posts()
    selection = {r["post_id"]: r for r in _rows(LABELS / "weibo_sample_selection.csv")}
    assert len(rows) == len({r["post_id"] for r in rows}) == len(selection) == 1200
    assert len({posts[r["post_id"]] for r in rows}) == 1200  # no text twice, so none in both halves
    for row in rows:
        assert row["category"] in CATEGORIES and row["risk"] in RISKS and row["sentiment"] in SENTIMENTS
        assert row["split"] == selection[row["post_id"]]["split"]
        assert row["annotator"] == f"s{selection[row['post_id']]['slice']}"
    assert Counter(r["split"] for r in rows) == {"dev": 600, "test": 600}
    first = {r["post_id"]: r for r in rows}
    second = [r for path in sorted((LABELS / "parts").glob("weibo_sample_s?_by?.csv")) for r in _rows(path)]
    readings = [r for path in sorted((LABELS / "parts").glob("weibo_sample_s*.csv")) for r in _rows(path)]
    assert len(second) == 180 and len(readings) == 1200 + 180
    assert all(r["reason"] and not HANZI.search(r["reason"]) for r in readings)
    assert sum(first[r["post_id"]]["category"] == r["category"] for r in second) >= 0.95 * len(second)
    assert sum(first[r["post_id"]]["sentiment"] == r["sentiment"] for r in second) >= 0.85 * len(second)


def test_weibo_place_labels_name_spans_by_number_and_carry_no_text():
    rows = _rows(LABELS / "weibo_places.csv")
    assert list(rows[0]) == ["split", "sentence", "start", "end", "ner", "code"]
    for r in rows:
        assert r["split"] in ("train", "dev", "test") and r["ner"] in ("GPE", "LOC", "added"), r
        assert r["sentence"].isdigit() and r["start"].isdigit() and r["end"].isdigit(), r
        assert r["code"] == "" or (r["code"].isdigit() and len(r["code"]) in (2, 4, 6, 9)), r
    assert len({(r["split"], r["sentence"], r["start"]) for r in rows}) == len(rows)


def test_home_place_labels_name_texts_by_id_with_a_verdict_and_carry_no_text():
    """nlp/labels/home_places.csv: each district name a home adds to a text, read once; ids as nlp.datasets
    gives them (the corpus's own file names for CEC), names the district stems of the place table."""
    from nlp.places import PlaceIndex
    from nlp.tools.home_place_accuracy import HOMES

    rows = _rows(LABELS / "home_places.csv")
    assert list(rows[0]) == ["home", "id", "name", "verdict", "note"]
    stems = PlaceIndex.load().home_forms
    for r in rows:
        assert r["home"] in HOMES and r["verdict"] in ("yes", "no", "unsure"), r
        assert r["id"].split(":")[0] in ("nlpcc", "moods", "senti", "ner", "hotel", "cec") and r["name"] in stems, r
        assert r["note"].isascii() or len(r["note"]) <= 60, r  # a short reason, not a quoted post
    assert len({(r["home"], r["id"], r["name"]) for r in rows}) == len(rows)


def test_street_place_labels_name_texts_by_id_with_a_code_and_a_verdict_and_carry_no_text():
    """nlp/labels/street_places.csv: each street or town read after its district, read once (session 24)."""
    from web.areas import unit

    rows = _rows(LABELS / "street_places.csv")
    assert list(rows[0]) == ["id", "name", "code", "verdict", "note"]
    for r in rows:
        assert r["id"].split(":")[0] in ("nlpcc", "moods", "senti", "ner", "hotel", "cec", "govmsg"), r
        assert r["verdict"] in ("yes", "no", "unsure") and len(r["note"]) <= 60, r
        found = unit(r["code"])
        assert found and len(r["code"]) == 9 and r["name"][:2] == found[0][-1][:2], r  # a street, by its stem
    assert len({(r["id"], r["name"]) for r in rows}) == len(rows)


def test_weibo_ner_sentences_and_entity_spans_are_read_from_conll(tmp_path):
    from nlp.datasets import DataMissing, weibo_ner

    folder = tmp_path / "weibo_ner"
    folder.mkdir()
    (folder / "dev.txt").write_text("去\tO\n宁\tB-GPE.NAM\n波\tI-GPE.NAM\n\n小\tB-PER.NOM\n王\tI-PER.NOM\n说\tO\n"
                                    "上\tB-GPE.NAM\n海\tI-GPE.NAM\n", encoding="utf-8")
    assert weibo_ner("dev", tmp_path) == [("去宁波", [(1, 3, "GPE.NAM")]),
                                          ("小王说上海", [(0, 2, "PER.NOM"), (3, 5, "GPE.NAM")])]
    try:
        weibo_ner("test", tmp_path)
    except DataMissing as error:
        assert "test.txt" in str(error)
    else:
        raise AssertionError("a missing file must raise DataMissing")
