"""The enrichment pipeline end to end with the shipped model, and the `sheqing topics` contract."""

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nlp.enrich import Enricher
from sheqing.records import EnrichedPost, Post, make_post_id

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def post(pid: str, title: str, text: str, minutes: int = 0, floor: int = 1) -> Post:
    return Post(id=make_post_id("demo", pid), site="demo", engine="discuz", board="2", thread_id=pid,
                post_id=pid, floor=floor, url=f"http://forum.invalid/t/{pid}", title=title, text=text,
                author_key="0123456789abcdef", published_at=T0 + timedelta(minutes=minutes), crawled_at=T0)


POSTS = [
    post("1", "金色家园3栋燃气泄漏", "西湖区北山街道金色家园3栋楼道燃气泄漏，味道很重，已经有老人头晕，大家赶紧下楼！"),
    post("2", "转发：金色家园3栋燃气泄漏", "转发：西湖区北山街道金色家园3栋楼道燃气泄漏，味道很重，已经有老人头晕，大家赶紧下楼！", 5),
    post("3", "金色家园煤气味", "金色家园3栋一直有煤气味，燃气公司的人来了吗？楼道里燃气泄漏太吓人了", 20),
    post("4", "广场舞太吵", "翠苑小区门口广场舞每天晚上放到十点，音响噪音太大，孩子没法写作业。", 30),
    post("5", "顶", "顶", 31, floor=2),
    post("6", "顶", "顶", 32, floor=2),
]


def test_enrich_labels_places_duplicates_and_topics(tmp_path):
    enricher = Enricher(state_dir=tmp_path)
    out = {p.id: p for p in enricher.enrich(POSTS)}
    assert all(isinstance(p, EnrichedPost) for p in out.values())
    leak = out["demo:1"].enrichment
    assert leak.risk in ("high", "critical") and any(e.startswith("rule:") for e in leak.evidence["risk"]) \
        or leak.scores["risk"]["high"] > 0.5
    assert {p.text for p in leak.places} >= {"西湖区", "北山街道", "金色家园"}
    assert out["demo:2"].enrichment.dup_group == "demo:1"  # the repost joins its original
    assert out["demo:3"].enrichment.dup_group == "demo:3"
    assert out["demo:3"].enrichment.topic_id == leak.topic_id  # same issue, other words
    assert out["demo:4"].enrichment.topic_id != leak.topic_id
    assert out["demo:4"].enrichment.category == "environment"
    assert out["demo:6"].enrichment.dup_group == "demo:6"  # short replies are not one group
    assert len(leak.simhash) == 16 and leak.model_version
    enricher.save_state()

    again = Enricher(state_dir=tmp_path)  # the next run continues the same groups and topics
    late = list(again.enrich([post("7", "金色家园燃气泄漏", "转发：西湖区北山街道金色家园3栋楼道燃气泄漏，味道很重，已经有老人头晕，大家赶紧下楼！", 60)]))[0]
    assert late.enrichment.dup_group == "demo:1" and late.enrichment.topic_id == leak.topic_id


def test_a_reply_is_filed_with_its_thread_but_rated_by_its_own_facts(tmp_path):
    title = "西岭新城东门有人拿刀打架！"
    opener = post("10", title, "刚刚西岭新城东门口两伙人打起来了，其中一个手里拿着刀，地上有血，已经有人报警了。")
    asking = post("11", title, "求地址", 5, floor=2)
    telling = post("12", title, "又打起来了，有人被砍伤了，救护车刚到", 9, floor=3)
    out = {p.id: p.enrichment for p in Enricher(state_dir=tmp_path).enrich([opener, asking, telling])}
    first, second, third = (out[p.id] for p in (opener, asking, telling))
    assert first.risk == "high" and any(e.startswith("rule:") for e in first.evidence["risk"])
    assert second.category == first.category  # read with its thread's title
    assert second.risk not in ("high", "critical")  # "求地址" states no fact of harm
    assert not any(e.startswith("rule:") for e in second.evidence["risk"])
    assert third.risk == "high"  # its own words report an injury


def test_a_post_without_a_word_to_read_is_filed_as_saying_nothing():
    empty = ["", "顶", "+1", "😀😀 ！！"]
    records = [{"id": str(n), "title": "", "text": text} for n, text in enumerate(empty)]
    records.append({"id": "reply", "title": "楼道燃气泄漏", "text": "顶", "reply": True})
    out = Enricher().classify(records)
    for record in out[:len(empty)]:
        assert (record["category"], record["risk"], record["sentiment"]) == ("other", "none", "neutral"), record
        assert record["scores"]["risk"] == {"none": 1.0, "low": 0.0, "medium": 0.0, "high": 0.0, "critical": 0.0}
        assert record["evidence"] == {"category": [], "risk": [], "sentiment": []}
    reply = out[-1]  # a reply is read with its thread's title, which has words
    assert reply["category"] == "utilities" and reply["evidence"]["category"]


def test_a_post_that_states_no_grievance_is_rated_none_and_says_why():
    """The risk head rates nearly every everyday post ``low`` (it learnt ``none`` from the board's enquiries);
    filed under ``other`` and not negative, a post states no grievance and is rated ``none``
    (``nlp.risk_rules.settle_risk``), with that rule as its evidence. A complaint is not lowered. (The model
    still files some chatter under a problem: a stroller for sale as ``utilities``, a cycling trip as
    ``public_order``; those keep the head's level.)"""
    from nlp.risk_rules import NO_GRIEVANCE

    chatter = [("出一台二手婴儿车", "九成新，小区门口自提，价格好商量"), ("周末有人一起去西湖边骑车吗", "约起来，早上七点出发"),
               ("求推荐附近靠谱的钢琴老师", "孩子六岁，想学琴"), ("小区的桂花开了", "今天一出门就闻到桂花香，心情都好了"),
               ("谁家的橘猫？", "天天在5号楼下晒太阳，好可爱"), ("出闲置书桌", "搬家带不走，白送，自己来搬")]
    out = Enricher().classify([{"id": str(n), "title": title, "text": text} for n, (title, text) in enumerate(chatter)]
                              + [{"id": "smell", "title": "我们单元楼道有股煤气味", "text": "好几天了，物业说不归他们管"}])
    lowered = [r for r in out if r["evidence"]["risk"] == [f"rule: {NO_GRIEVANCE}"]]
    assert len(lowered) >= 3  # three of the six at the time of writing
    for r in out[:-1]:
        quiet = r["category"] == "other" and r["sentiment"] != "negative"
        assert (r["risk"] == "none" if quiet else r not in lowered), r
    for r in lowered:  # the head said low; the rule lowered it
        assert max(r["scores"]["risk"], key=r["scores"]["risk"].get) == "low"
    smell = out[-1]
    assert smell["category"] == "utilities" and smell["risk"] in ("medium", "high")


def test_topics_command_line_contract(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": p.id, "title": p.title, "text": p.text,
                                         "published_at": p.published_at.isoformat()}, ensure_ascii=False)
                             for p in POSTS[:4]), encoding="utf-8")
    out = tmp_path / "topics.json"
    done = subprocess.run([sys.executable, "-m", "sheqing.cli", "topics", str(src), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    topics = json.loads(out.read_text(encoding="utf-8"))
    for t in topics:
        assert set(t) >= {"label", "keywords", "places", "size", "first_seen", "last_seen", "ids"}
    leak = next(t for t in topics if "demo:1" in t["ids"])
    assert {"demo:1", "demo:2", "demo:3"} <= set(leak["ids"]) and leak["size"] >= 3
    assert topics[0] is leak or topics.index(leak) == 0  # the growing incident ranks first by heat

    for when, words in (("yesterday", "is not an ISO 8601 time"), ("2024-01-01T10:00:00", "has no time zone")):
        src.write_text(json.dumps({"id": "b", "text": "燃气泄漏", "published_at": when}), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "sheqing.cli", "topics", str(src), "-o", str(tmp_path / "t.json")],
                              capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert done.returncode == 1 and f"Error: post 'b': published_at '{when}' {words}" in done.stderr
        assert "Traceback" not in done.stderr and not (tmp_path / "t.json").exists()


def test_the_enricher_names_the_promoted_model_and_outlives_a_damaged_one(tmp_path, caplog):
    """Posts enriched with a model promoted by retraining carry its version (from ``active.json``), not the
    shipped model's; a promoted file that cannot be read is reported, and the shipped model enriches instead."""
    import logging
    import shutil

    from nlp.classify import DEFAULT_MODEL_PATH, PostClassifier
    from sheqing.pipeline import make_enricher
    from sheqing.settings import Settings

    shipped = PostClassifier.meta()["version"]
    settings = Settings(data_dir=tmp_path / "var")
    assert make_enricher(settings).model_version == shipped
    models = settings.data_dir / "models"
    models.mkdir(parents=True)
    shutil.copyfile(DEFAULT_MODEL_PATH, models / "active.skops")
    (models / "active.json").write_text(json.dumps({"version": "promoted0001"}), encoding="utf-8")
    assert make_enricher(settings).model_version == "promoted0001"

    (models / "active.skops").write_bytes(b"half a model")
    with caplog.at_level(logging.ERROR, logger="sheqing.pipeline"):
        enricher = make_enricher(settings)
    assert enricher.model_version == shipped
    assert "cannot read the promoted model" in caplog.text and "active.skops" in caplog.text
    assert enricher.classify([{"id": "a", "title": "", "text": "楼道里燃气泄漏了"}])[0]["risk"] in ("high", "critical")


def test_a_model_without_its_version_file_is_named_by_its_digest_and_one_made_in_code_by_none(tmp_path):
    """A model file copied without the ``.json`` training wrote beside it is named by a digest of the file (so
    two such files are told apart), never by the shipped model's version; a model made in code has none."""
    import shutil

    from nlp.classify import DEFAULT_MODEL_PATH, PostClassifier

    shipped = PostClassifier.meta()["version"]
    shutil.copyfile(DEFAULT_MODEL_PATH, tmp_path / "copy.skops")
    loaded = PostClassifier.load(tmp_path / "copy.skops")
    assert loaded.version_.startswith("file-") and shipped not in loaded.version_
    assert Enricher(model=loaded).model_version == loaded.version_
    (tmp_path / "copy.skops").write_bytes((tmp_path / "copy.skops").read_bytes() + b"\0")  # (zip ignores a tail)
    assert PostClassifier.load(tmp_path / "copy.skops").version_ != loaded.version_
    del loaded.version_
    assert Enricher(model=loaded).model_version == ""
