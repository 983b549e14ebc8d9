"""Normalisation and segmentation."""

import unicodedata

from nlp.normalize import normalize_text
from nlp.segment import domain_words, reference_tokenize, tokenize


def test_normalize_folds_width_script_html_and_space():
    raw = "金色家園３棟<br/>樓道有燃氣味&nbsp;&amp;　消防通道被佔用\n\n\n  ＡＢＣ"
    assert normalize_text(raw) == "金色家园3栋 楼道有燃气味 & 消防通道被占用\nABC"


def test_normalize_bounds_very_long_posts_keeping_head_and_tail():
    text = "开头" + "很长的内容" * 5000 + "结尾的诉求"
    out = normalize_text(text, max_chars=1000)
    assert len(out) <= 1000 and out.startswith("开头") and out.endswith("结尾的诉求")


def test_fast_segmenter_agrees_with_pure_python_jieba_on_domain_terms():
    sentences = [f"小区里{word}的问题已经反映很多次了" for word, _ in domain_words()]
    sentences += ["楼道里有燃气味，消防通道被电动车堵死了，还有人飞线充电。",
                  "几十名农民工被拖欠工资半年，准备去劳动监察大队讨薪。",
                  "物业费上涨，业委会不作为，车位捆绑销售。"]
    for sentence in sentences:
        assert tokenize(sentence) == reference_tokenize(sentence), sentence
    for word, _ in domain_words():
        assert word in tokenize(f"小区里{word}的问题已经反映很多次了"), word


def test_width_and_compatibility_folding_is_unicode_nfkc():
    # folded character by character, then checked: combining marks, jamo and ligatures take the slow path
    for raw in ["ＡＢＣ１２３，。！", "①②③ ㈱ ㎏", "e\u0301cole", "\u1100\u1161\u11a8", "ﬁ\u0301", "Å", "ｶﾞ"]:
        assert normalize_text(raw) == unicodedata.normalize("NFKC", raw), raw


def test_words_of_a_text_are_those_of_its_lines():
    """Lines are cut one by one (and remembered): the same words as cutting the whole text."""
    text = "楼道里有燃气味，消防通道被电动车堵死了。\n\n还有人飞线充电\r\nA3区物业：不管！"
    assert tokenize(text) == reference_tokenize(text)
    assert tokenize(text) == reference_tokenize(text)  # again, from the remembered lines


def test_anonymised_place_names_are_one_word_and_never_glued_to_the_next():
    """A市, A3区, A7县 are cut out whole by both segmenters: jieba alone reads "A2区丽发新城" as A2 / 区丽发 /
    新城, so the estate after a district was a different word in every district."""
    from nlp.segment import words_at

    text = "A2区丽发新城附近修建搅拌厂\nA市政府和A7县星沙街道；AB3区不是"
    assert tokenize(text) == reference_tokenize(text) == [
        "A2区", "丽发", "新城", "附近", "修建", "搅拌", "厂", "A市", "政府", "和", "A7县", "星沙", "街道", "AB3", "区", "不是"]
    assert "".join(words_at(text).values()) == text and words_at(text)[0] == "A2区"
