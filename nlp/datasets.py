"""Labelled examples for training and evaluation, joined from label files (ids) and the shared data (texts).

- ``govmsg(split)``: the project's own labels (``nlp/labels/govmsg_labels.csv``) on real government-board
  messages; ``split`` is ``"train"`` or ``"heldout"`` (never train or tune on the latter).
- ``cec()``: CEC emergency news reports (fire, traffic accident, food poisoning, terrorist attack,
  earthquake) with category from the corpus's own event type and risk from its casualty words
  (``nlp/labels/cec_labels.csv`` says how).
- ``corrections(path)``: category/risk corrections made by monitors, for retraining.
- ``weibo_posts()``: the real Weibo posts of the emotion sets, by id, without labels (``nlp/labels/weibo_risk.csv``
  rates some of them for risk, to measure the risk rules on social-media text).
- ``weibo_emotions()``: the NLPCC 2013 posts of those sets with their emotion labels (the default model's
  sentiment sample, ``nlp.train.weibo_sentiment``).
- ``weibo_read_sentiment(split)``: 677 of those posts, most of them about harm, rated for sentiment by reading
  (``nlp/labels/weibo_sentiment.csv``); ``dev`` trains, ``test`` is only measured.
- ``weibo_sample(split)``: 1,200 Weibo posts drawn at random, labelled for category, risk and sentiment by
  reading (``nlp/labels/weibo_sample.csv``): everyday social-media posts, most of them about no problem at all;
  ``dev`` trains, ``test`` is only measured.
- ``hotel_reviews()``: real hotel reviews (ChnSentiCorp), by id, without labels (``nlp/labels/home_places.csv``
  reads the district names some of them use, to measure the place extractor's short forms in a home city).
- ``weibo_ner(split)``: the Weibo NER sentences (``train``, ``dev``, ``test``) as written, with their entity spans
  (``nlp/labels/weibo_places.csv`` says which name an administrative unit, to measure the place extractor).

Texts stay in ``../shared/data``; a missing file is a clear error naming the path.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from .normalize import normalize_text

__all__ = ["Example", "govmsg", "govmsg_messages", "govmsg_posts", "cec", "weibo_posts", "weibo_emotions",
           "weibo_read_sentiment", "weibo_read_ids", "weibo_sample", "written_complaints", "written_chatter",
           "written_enquiries", "written_short", "forum_check", "hotel_reviews", "weibo_ner", "shared_data_dir",
           "DataMissing"]

LABELS_DIR = Path(__file__).resolve().parent / "labels"


class DataMissing(FileNotFoundError):
    """A shared data set the command needs is not where it should be."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str  # normalised title + body
    category: str | None
    risk: str | None
    sentiment: str | None
    source: str
    group: str | None = None  # near-duplicate group (govmsg ``dup_group``); None: the example is its own


def shared_data_dir() -> Path:
    """``SHEQING_SHARED_DATA`` or ``../shared/data`` beside the checkout."""
    env = os.environ.get("SHEQING_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def _need(path: Path) -> Path:
    if not path.exists():
        raise DataMissing(f"needed data file is missing: {path} (set SHEQING_SHARED_DATA to the shared data folder)")
    return path


def post_text(title: str, body: str) -> str:
    """The text a classifier reads: normalised title, a new line, normalised body."""
    title, body = normalize_text(title), normalize_text(body)
    return f"{title}\n{body}" if title else body


GOVMSG_FILES = {"votes": "messages_with_votes.csv", "replies": "messages_with_replies.csv",
                "sample": "labelled_sample.csv"}


def govmsg_messages(source: str, data_dir: Path | None = None) -> dict[str, dict]:
    """The rows of one of the board's files (``GOVMSG_FILES``: votes, replies, sample) by message id, as read."""
    with open(_need((data_dir or shared_data_dir()) / "govmsg" / GOVMSG_FILES[source]), encoding="utf-8",
              newline="") as fh:
        return {r["留言编号"]: r for r in csv.DictReader(fh)}


# The Weibo posts of ``emotion/``: id prefix -> file and whether its first row is a header. A post's id is the
# prefix and the number of its row among the file's data rows, from 1 (``nlpcc:1`` is the first post).
WEIBO_FILES = {"nlpcc": ("nlpcc2013_weibo_emotion.tsv", True), "moods": ("simplifyweibo_5_moods.csv", False),
               "senti": ("weibo_senti_subset.csv", True)}


def _weibo_rows(prefix: str, data_dir: Path | None = None) -> Iterator[tuple[int, list[str]]]:
    """(row number from 1, row as read) of each post of one emotion file (``WEIBO_FILES``)."""
    name, header = WEIBO_FILES[prefix]
    with open(_need((data_dir or shared_data_dir()) / "emotion" / name), encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        if header:
            next(rows, None)
        yield from ((n, row) for n, row in enumerate(rows, 1) if len(row) > 1)


def weibo_posts(data_dir: Path | None = None) -> dict[str, str]:
    """The Weibo posts of the emotion sets (``WEIBO_FILES``), normalised, by id; their emotion labels are not read."""
    return {f"{prefix}:{n}": normalize_text(row[1])
            for prefix in WEIBO_FILES for n, row in _weibo_rows(prefix, data_dir)}


def weibo_emotions(data_dir: Path | None = None) -> list[tuple[int, str, str]]:
    """(row number, emotion label, text as written) of each NLPCC 2013 post: the post ``nlpcc:N`` of
    ``weibo_posts``."""
    return [(n, row[0], row[1]) for n, row in _weibo_rows("nlpcc", data_dir)]


def weibo_read_sentiment(split: str, data_dir: Path | None = None) -> list[Example]:
    """Real Weibo posts, most of them about harm, rated for sentiment by reading (``nlp/labels/weibo_sentiment.csv``),
    of one ``split``: ``dev`` trains the default model, ``test`` is only measured
    (``nlp/tools/weibo_sentiment_accuracy.py``)."""
    if split not in ("dev", "test"):
        raise ValueError("split must be 'dev' or 'test'")
    posts = weibo_posts(data_dir)
    return [Example(row["post_id"], posts[row["post_id"]], None, None, row["sentiment"], "weibo_read")
            for row in _weibo_read_rows() if row["split"] == split]


def weibo_read_ids() -> set[str]:
    """The ids of every post of ``nlp/labels/weibo_sentiment.csv`` (both splits)."""
    return {row["post_id"] for row in _weibo_read_rows()}


def weibo_sample(split: str, data_dir: Path | None = None) -> list[Example]:
    """Real Weibo posts drawn at random, labelled for category, risk and sentiment by reading
    (``nlp/labels/weibo_sample.csv``; ``nlp/labels/weibo_sample_guide.md`` says how), of one ``split``: ``dev``
    trains the default model, ``test`` is only measured (``nlp/tools/weibo_sample_accuracy.py``)."""
    if split not in ("dev", "test"):
        raise ValueError("split must be 'dev' or 'test'")
    posts = weibo_posts(data_dir)
    with open(LABELS_DIR / "weibo_sample.csv", encoding="utf-8", newline="") as fh:
        return [Example(row["post_id"], posts[row["post_id"]], row["category"], row["risk"], row["sentiment"],
                        "weibo_sample") for row in csv.DictReader(fh) if row["split"] == split]


def _weibo_read_rows() -> list[dict]:
    with open(LABELS_DIR / "weibo_sentiment.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def hotel_reviews(data_dir: Path | None = None) -> dict[str, str]:
    """The hotel reviews of ChnSentiCorp (``emotion/chnsenticorp_hotel_{train,validation,test}.csv``), normalised,
    by id ``hotel:SPLIT:N`` (N: the data row, from 1); their sentiment labels are not read."""
    out = {}
    for split in ("train", "validation", "test"):
        path = _need((data_dir or shared_data_dir()) / "emotion" / f"chnsenticorp_hotel_{split}.csv")
        with open(path, encoding="utf-8", newline="") as fh:
            rows = enumerate(csv.DictReader(fh), 1)
            out.update((f"hotel:{split}:{n}", normalize_text(row["text"])) for n, row in rows)
    return out


def weibo_ner(split: str, data_dir: Path | None = None) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """The sentences of ``weibo_ner/{split}.txt`` (CoNLL, a character and its BIO tag per line, a blank line
    between sentences), in file order: (text as written, [(start, end, type)] of each entity, such as GPE.NAM)."""
    sentences, chars, tags = [], [], []
    with open(_need((data_dir or shared_data_dir()) / "weibo_ner" / f"{split}.txt"), encoding="utf-8") as fh:
        for line in [*fh, "\n"]:
            if line.strip():
                char, _, tag = line.rstrip("\n").partition("\t")
                chars.append(char[:1] or " ")
                tags.append(tag.strip() or "O")
            elif chars:
                spans = []
                for at, tag in enumerate(tags):
                    if tag.startswith("B-"):
                        end = at + 1
                        while end < len(tags) and tags[end] == "I-" + tag[2:]:
                            end += 1
                        spans.append((at, end, tag[2:]))
                sentences.append(("".join(chars), spans))
                chars, tags = [], []
    return sentences


def govmsg(split: str | None = None, data_dir: Path | None = None) -> list[Example]:
    messages = {source: govmsg_messages(source, data_dir) for source in GOVMSG_FILES}
    out = []
    with open(LABELS_DIR / "govmsg_labels.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if split and row["split"] != split:
                continue
            msg = messages[row["source"]].get(row["message_id"])
            if msg is None:
                raise DataMissing(f"message {row['message_id']} of the label file is not in {GOVMSG_FILES[row['source']]}")
            out.append(Example(f"govmsg:{row['message_id']}", post_text(msg["留言主题"], msg["留言详情"]),
                               row["category"], row["risk"], row["sentiment"], "govmsg", row["dup_group"]))
    return out


def cec(data_dir: Path | None = None) -> list[Example]:
    data_dir = data_dir or shared_data_dir()
    labels = LABELS_DIR / "cec_labels.csv"
    out = []
    with open(labels, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            path = _need(data_dir / "cec" / "text" / row["file"])
            raw = path.read_text(encoding="utf-8", errors="replace")
            title, _, body = raw.strip().partition("\n")
            out.append(Example(f"cec:{row['file']}", post_text(title, body), row["category"] or None, row["risk"],
                               None, "cec"))
    return out


def cec_risk(text: str) -> str:
    """Risk of a CEC report: every report describes an emergency that happened, so at least high; critical
    where the risk rules find several deaths or mass casualties (``nlp.risk_rules``, the one place those
    patterns live)."""
    from .risk_rules import risk_floor

    return "critical" if risk_floor(text).level == "critical" else "high"


def guide_examples() -> list[Example]:
    """Short posts the team wrote from the taxonomy guide's table (``nlp/labels/guide_examples.csv``), one
    situation of each category's "what belongs here" per line: training only, category only. The board
    rarely reports some of what a community forum does (a gas leak as it happens, a fire, a dog bite)."""
    return _written("guide_examples.csv", "guide")


def written_letters(path: Path | None = None) -> list[Example]:
    """Board-style letters the team wrote for the four categories the board has fewest of
    (``nlp/labels/written_letters.csv``): training only, category only; none copies a real message. ``path``: a
    file of more letters in the same columns (id, category, title, text), to try a new set."""
    return _written(path or "written_letters.csv", "letter")


def written_thanks() -> list[Example]:
    """Thanks and praise the team wrote, in the board's manner and a forum's (``nlp/labels/written_thanks.csv``):
    training only, sentiment ``positive`` and category ``other`` (the guide files praise there, as the board's
    annotators filed 20 of its 26 positive messages; risk is left out); none copies a real message."""
    return _written("written_thanks.csv", "thanks", category="other")


def written_complaints() -> list[Example]:
    """Complaints the team wrote in a forum's voice, each about a subject of one of the written thanks
    (``nlp/labels/written_complaints.csv``): training only, sentiment ``negative`` as written and category as
    annotators read them (``nlp/labels/written_complaints_guide.md``); none copies a real message. The risk
    levels they read are not trained on: the forum's words of routine complaints pulled the risk head down
    (two of the demo forum's 13 ``high`` opening posts fell to ``medium``)."""
    return _written("written_complaints.csv", "complaint")


def written_chatter() -> list[Example]:
    """Everyday forum posts the team wrote (``nlp/labels/written_chatter.csv``: sales, lost keys, a running group,
    a question about the parcel lockers, a festival greeting, a bad day at work): training only, category
    ``other`` and sentiment as written and read again; none copies a real message or the demo forum."""
    return _written("written_chatter.csv", "chatter", category="other")


def written_enquiries() -> list[Example]:
    """Questions the team wrote in a forum's voice (``nlp/labels/written_enquiries.csv``: 闻到的味道要打哪个电话,
    停水是哪天, a closed gym's prepaid card), four of each problem category and four ``other``: training only,
    category and sentiment as their writer gave them and a blind reader agreed (the risk levels read are kept,
    not trained, as for the complaints); none copies a real message or the forum check set."""
    return _written("written_enquiries.csv", "enquiry")


def written_short() -> list[Example]:
    """Short forum complaints the team wrote (``nlp/labels/written_short.csv``: a title alone or a line, such as
    电梯又坏了 or 楼道好大一股煤气味), three of each problem category per writer: training only, category only,
    as their writer gave it and a blind reader agreed. Their sentiments (nearly all negative, as the brief asked)
    and risk levels are kept, not trained: trained for sentiment they lowered the forum check's dev half from
    0.824 to 0.818. None copies a real message, the forum check set or the demo forum."""
    return [replace(e, sentiment=None) for e in _written("written_short.csv", "short")]


def forum_check(split: str) -> list[Example]:
    """Community-forum opening posts the team wrote to measure the models in a forum's own register
    (``nlp/labels/forum_check.csv``, texts in ``forum_posts.csv``: everyday posts, problems of every category and
    thanks, each labelled by its writer and read again blind; ``nlp/labels/README.md`` says how), of one
    ``split``: ``dev`` may be read for errors, ``test`` only measures (``nlp/tools/forum_accuracy.py``). Neither
    ever trains."""
    if split not in ("dev", "test"):
        raise ValueError("split must be 'dev' or 'test'")
    with open(LABELS_DIR / "forum_posts.csv", encoding="utf-8", newline="") as fh:
        texts = {row["id"]: post_text(row["title"], row["text"]) for row in csv.DictReader(fh)}
    with open(LABELS_DIR / "forum_check.csv", encoding="utf-8", newline="") as fh:
        return [Example(f"forum:{row['id']}", texts[row["id"]], row["category"], row["risk"], row["sentiment"],
                        "forum_check") for row in csv.DictReader(fh) if row["split"] == split]


def _written(name: str | Path, source: str, category: str | None = None) -> list[Example]:
    """Posts the team wrote: id, title, text, category and sentiment (the file's columns, or None), from the file
    ``name`` of ``nlp/labels`` (or an absolute path); ``category``: the category of every post of a file without
    that column."""
    with open(LABELS_DIR / name, encoding="utf-8", newline="") as fh:
        return [Example(f"{source}:{row['id']}", post_text(row["title"], row["text"]), row.get("category", category),
                        None, row.get("sentiment"), source) for row in csv.DictReader(fh)]


def govmsg_posts(files: tuple[str, ...] = ("votes", "replies"), secret: bytes = b"govmsg-replay",
                 data_dir: Path | None = None):
    """The government-board messages as post records (site ``govmsg``), oldest first: for replays and benches.

    The board's user ids become keyed author hashes like any crawled author name; ``crawled_at`` is the
    publication time, as if each message had been read the moment it appeared.
    """
    from sheqing.records import Post, make_author_key, make_post_id

    from .parse_time import parse_message_time

    posts = []
    for name in files:
        with open(_need((data_dir or shared_data_dir()) / "govmsg" / GOVMSG_FILES[name]), encoding="utf-8",
                  newline="") as fh:
            for row in csv.DictReader(fh):
                pid, published = row["留言编号"], parse_message_time(row["留言时间"])
                posts.append(Post(
                    id=make_post_id("govmsg", pid), site="govmsg", engine="discuz", board=name, thread_id=pid,
                    post_id=pid, floor=1, url=f"https://govmsg.example.invalid/{pid}", title=row["留言主题"],
                    text=row["留言详情"].strip() or row["留言主题"],
                    author_key=make_author_key(secret, "govmsg", row["留言用户"]), published_at=published,
                    crawled_at=published))
    posts.sort(key=lambda p: p.published_at)
    return posts
