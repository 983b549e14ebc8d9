"""Near-duplicates: SimHash fingerprints, the banded index, short texts, persistence, and the demo corpus."""

from __future__ import annotations

import functools
import json
import random
import re
from datetime import datetime

import pytest

from crawlers.demo_forum.corpus import build_corpus
from nlp.dedup import (DEFAULT_THRESHOLD, DuplicateIndex, content_of, content_words, hex16, is_short, simhash,
                       simhashes, strip_markers)
from nlp.segment import tokenize

START = datetime.fromisoformat("2024-03-01T12:00:00+08:00")

# A complaint of ordinary length (made up for the test; half the real government messages are longer than
# 200 characters, a quarter longer than 400), and a repost of it: prefix, source line and plea added.
ORIGINAL = (
    "我们是滨江区澜庭小区3幢的业主，小区地下车库的消防通道被电动车和杂物堵了快两个月了。\n"
    "每天晚上都有人在车库里飞线充电，插线板就放在地上，下雨天车库还会积水，看着都害怕。"
    "上周三晚上十点多，2号出口旁边的一辆电动车冒了烟，幸好保安发现得早，拿灭火器喷灭了。"
    "我们找过物业好几次，物业只是贴了一张通知，说禁止在车库充电，可根本没人来管，杂物也一直没清。"
    "车库里的灭火器有一半过期了，消防栓的箱子也是空的。万一哪天真着火了，整栋楼的人都跑不出来。"
    "楼里住着不少老人和小孩，3楼的王阿姨腿脚不方便，平时下楼都要人扶，真出事了根本来不及跑。"
    "物业说装充电桩要业委会同意，业委会又说要物业出方案，两边互相推，一拖就是大半年。"
    "我们几个业主上个月自己凑钱想买一批新的灭火器放在车库里，物业又说不能随便放东西。"
    "希望街道和消防部门来检查一下，督促物业把消防通道清出来，把充电桩装起来。"
)
REPOST = "【转】转自滨江社区论坛：\n" + ORIGINAL.replace("。", "！", 2) + "\n求扩散，谢谢大家！"
UNRELATED = (
    "西湖区翠林苑门口那家早餐店每天凌晨四点就开始剁肉和用鼓风机，声音特别大，整栋楼都被吵醒。"
    "跟老板说过好几次，老板说做生意没办法。打过12345，来人看了一眼就走了，第二天照旧。"
    "家里老人心脏不好，晚上睡不着白天头晕，请问这种情况归哪个部门管？"
)


def test_fingerprint_shape_and_determinism():
    value = simhash(ORIGINAL)
    assert 0 <= value < 2**64
    assert simhash(ORIGINAL) == value
    assert len(hex16(value)) == 16 and int(hex16(value), 16) == value
    assert hex16(0) == "0000000000000000"
    assert simhash("") == 0


def test_repost_markers_and_fillers_are_not_content():
    assert content_of("转发：溪岸花园停水了") == content_of("【转】溪岸花园停水了")
    text = content_of("【转】标题\n转自滨江社区论坛：\n正文第一句。求扩散，谢谢大家！")
    assert "转" not in text and "扩散" not in text and "谢谢" not in text
    assert "着急" in content_of("我很着急，向政府求助")  # words that merely contain a filler stay


@pytest.mark.parametrize("filler", ["(求扩散)", "（急）", "【紧急求助】", "[求助]", "急！！", "  求助：", "紧急求助!",
                                    "求转发。", "请扩散，", "帮忙扩散", "扩散一下！", "帮忙转发", "急急急", "谢谢大家！",
                                    "谢谢各位。", "感谢大家"])
def test_every_kind_of_filler_is_dropped(filler):
    # each kind of filler the pattern knows goes, with the spaces before it
    assert strip_markers(f"{filler}\n楼道里有煤气味。") == "\n楼道里有煤气味。"


def test_words_are_cut_with_their_case_then_lowered():
    # cut as the classifier cuts them, so that dictionary words with capitals (X光, IP地址) stay whole
    assert content_words("医生让我去拍X光片，IP地址被封了") == ("医生", "让", "我", "去", "拍", "x光", "片", "ip地址", "被", "封", "了")
    assert content_words("【转】溪岸花园停水了") == content_words("溪岸花园停水了")


def test_repost_with_a_prefix_joins_its_original():
    index = DuplicateIndex()
    assert (simhash(ORIGINAL) ^ simhash(REPOST)).bit_count() == 0
    assert index.add_text("riverside:1", ORIGINAL)[1] == "riverside:1"
    assert index.add_text("oldtown:9", UNRELATED)[1] == "oldtown:9"
    assert index.add_text("tieba:5", REPOST)[1] == "riverside:1"


def test_repost_with_a_prefix_and_one_changed_sentence_usually_joins_its_original():
    """One word changed in one sentence, for each sentence in turn: SimHash moves 0-6 bits, and most of
    these reposts stay within the 3-bit threshold (67% on 1,500 real messages, 87% of those over 400
    characters). A sentence rewritten as a whole moves a post of this length 8-13 bits: the topic
    tracker, not the duplicate index, brings such reposts together."""
    sentences = [s for s in re.split(r"(?<=[。\n])", ORIGINAL) if s.strip()]
    joined = 0
    for i, sentence in enumerate(sentences):
        word = [w for w in tokenize(sentence) if len(w) == 2][1]
        changed = ORIGINAL.replace(sentence, sentence.replace(word, "这个" if word != "这个" else "那个", 1))
        index = DuplicateIndex()
        index.add_text("riverside:1", ORIGINAL)
        joined += index.add_text(f"tieba:{i}", "转发：" + changed + "\n求扩散！")[1] == "riverside:1"
    print(f"edited reposts: {joined}/{len(sentences)} joined")
    assert len(sentences) == 10 and joined >= len(sentences) // 2, f"{joined}/{len(sentences)} edited reposts joined"


def test_unrelated_posts_and_other_places_stay_apart():
    index = DuplicateIndex()
    index.add_text("a:1", ORIGINAL)
    assert index.add_text("a:2", UNRELATED)[1] == "a:2"
    # The same complaint from another estate is another issue.
    other_place = "我们是上城区清泰小区的业主，小区地下车库的消防通道被电动车和杂物堵了快两个月了，物业一直不管。"
    first = "我们是滨江区澜庭小区的业主，小区地下车库的消防通道被电动车和杂物堵了快两个月了，物业一直不管。"
    assert index.add_text("a:3", first)[1] == "a:3"
    assert index.add_text("a:4", other_place)[1] == "a:4"


@pytest.mark.parametrize("texts", [["顶", "顶", "顶"], ["同问", "同问+1", "+1", "顶顶顶", "mark一下"]])
def test_short_texts_do_not_collapse(texts):
    index = DuplicateIndex()
    groups = [index.add_text(f"t:{i}", text)[1] for i, text in enumerate(texts)]
    assert all(is_short(text) for text in texts)
    assert groups == [f"t:{i}" for i in range(len(texts))]
    # Short posts are not indexed at all, so nothing joins them either.
    assert index.add("t:x", simhash("顶")) == "t:x"
    assert index.add("t:y", simhash("顶"), short=True) == "t:y"


def test_add_is_idempotent():
    index = DuplicateIndex()
    index.add_text("a:1", ORIGINAL)
    assert index.add_text("a:2", REPOST)[1] == "a:1"
    assert index.add("a:2", 12345) == "a:1"
    assert len(index) == 2 and "a:2" in index and index.group_of("a:2") == "a:1"


def test_banded_index_finds_exactly_the_fingerprints_within_the_threshold():
    rng = random.Random(5)
    for threshold in (0, 3, 6):
        index = DuplicateIndex(threshold=threshold)
        prints = [rng.getrandbits(64) for _ in range(3000)]
        for i, value in enumerate(prints):
            index.add(f"p:{i}", value)
        for i in range(300):
            base = prints[rng.randrange(len(prints))]
            near, far = base, base
            for bit in rng.sample(range(64), threshold):
                near ^= 1 << bit
            for bit in rng.sample(range(64), threshold + 1):
                far ^= 1 << bit
            found = index.nearest(near)
            assert found is not None and found[1] <= threshold
            brute = min((value ^ far).bit_count() for value in prints)
            assert (index.nearest(far) is not None) == (brute <= threshold)


def test_save_and_load_continue_the_groups(tmp_path):
    index = DuplicateIndex()
    index.add_text("riverside:1", ORIGINAL)
    index.add_text("riverside:2", UNRELATED)
    index.add_text("riverside:3", "顶")
    path = tmp_path / "state" / "dedup.json"
    index.save(path)
    state = json.loads(path.read_text(encoding="utf-8"))  # plain JSON
    assert state["threshold"] == DEFAULT_THRESHOLD and state["ids"][0] == "riverside:1"
    assert not list(path.parent.glob(".*"))  # no temporary file left behind

    next_week = DuplicateIndex.load(path)
    assert len(next_week) == 3 and next_week.group_of("riverside:2") == "riverside:2"
    assert next_week.add_text("tieba:77", REPOST)[1] == "riverside:1"
    assert next_week.add_text("tieba:78", "顶")[1] == "tieba:78"
    assert DuplicateIndex.from_dict(next_week.to_dict()).to_dict() == next_week.to_dict()


@functools.lru_cache(maxsize=1)
def _demo_first_posts():
    corpus = build_corpus(seed=7, start=START)
    rows = []
    for prefix, site in corpus.sites.items():
        for thread in site.threads():
            first = thread.posts[0]
            rows.append((first.created_at, f"{prefix}:{first.pid}", thread, f"{thread.title}\n{first.text}"))
    return sorted(rows, key=lambda row: (row[0], row[1]))


def test_demo_reposts_and_near_duplicates_join_their_originals():
    index = DuplicateIndex()
    group, key = {}, {}
    for _, post_id, thread, text in _demo_first_posts():
        group[id(thread)] = index.add_text(post_id, text)[1]
        key[id(thread)] = content_of(text)
    copies = [thread for _, _, thread, _ in _demo_first_posts() if thread.kind in ("repost", "near_duplicate")]
    joined = [thread for thread in copies if group[id(thread)] == group[id(thread.copy_of)]]
    reposts = [thread for thread in joined if thread.kind == "repost"]
    share = len(joined) / len(copies)
    print(f"demo corpus: {len(joined)}/{len(copies)} copies joined their original ({share:.0%}); "
          f"reposts {len(reposts)}/{sum(t.kind == 'repost' for t in copies)}")
    assert len(copies) == 8
    assert share >= 0.7, f"only {share:.0%} of reposts and near-duplicates joined their original"
    assert len(reposts) == sum(t.kind == "repost" for t in copies)

    # No false joins: every group holds one text, up to copies of it.
    members: dict[str, list] = {}
    for _, _, thread, _ in _demo_first_posts():
        members.setdefault(group[id(thread)], []).append(thread)
    for threads in members.values():
        roots = {key[id(t.copy_of or t)] for t in threads}
        assert len(roots) == 1, [t.title for t in threads]


# Fingerprints are stored (dedup.json, each post's enrichment), so they must never change: these are the
# values of the first implementation, one text at a time.
PINNED = {
    "我们是滨江区澜庭小区3幢的业主，小区地下车库的消防通道被电动车和杂物堵了快两个月了。ABC物业不管。": "c00cff8763ee9b27",
    "𠮷野家的饭𠮷野家的饭很好吃，楼下𠮷野家门口天天排队": "7aaa198d7cfbfa5d",  # a code point beyond 2^16
    "同问+1": "62c058b7b8384a5d",
    "顶a": "03b36ff1542ddf30",  # fewer characters than one 3-gram
    "": "0000000000000000",
}


def test_fingerprints_are_the_same_alone_and_in_any_batch():
    texts = list(PINNED)
    assert [hex16(simhash(text)) for text in texts] == list(PINNED.values())
    assert [hex16(value) for value in simhashes(texts)] == list(PINNED.values())
    hanzi_only = [text for text in texts if "𠮷" not in text]  # the faster distinct-3-gram path
    assert [hex16(value) for value in simhashes(hanzi_only)] == [PINNED[text] for text in hanzi_only]
    assert simhashes([]) == []


def test_add_texts_is_add_text_in_order():
    one, batch = DuplicateIndex(), DuplicateIndex()
    posts = [("a:1", ORIGINAL), ("a:2", UNRELATED), ("a:3", REPOST), ("a:4", "顶"), ("a:1", UNRELATED)]
    assert batch.add_texts(posts) == [one.add_text(post_id, text) for post_id, text in posts]
    assert batch.to_dict() == one.to_dict()
