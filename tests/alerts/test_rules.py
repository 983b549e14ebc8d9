"""Rule files are validated on load; each rule type finds what it should in a real store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts.rules import HotTopicRule, PostRule, RuleError, SpikeRule, load_rule_file, load_rules
from sheqing.settings import Settings
from tests.indexer.samples import BEISHAN, GONGSHU, T0, XIHU, make_post, make_posts

NOW = T0 + timedelta(days=9, hours=23)  # 2024-03-10 23:30 local


def test_the_shipped_rules_load():
    rules = load_rules(Settings().alert_rules_dir)
    assert {r.type for r in rules} == {"post", "spike", "hot_topic"}


@pytest.mark.parametrize("text, message", [
    ("- name: a\n  type: post\n  min_risk: high\n  colour: red\n", ":4: rule 'a', colour: unknown option"),
    ("- name: a\n  type: weather\n", ":2: unknown rule type 'weather'"),
    ("- name: a\n  type: spike\n  by: [category]\n  k: lots\n", ":4: rule 'a', k: Input should be a valid number"),
    ("- name: a\n  type: post\n  categories: [gas]\n", ":3: rule 'a', categories: unknown category 'gas'"),
    ("- name: a\n  type: post\n  min_risk: severe\n", ":3: rule 'a', min_risk: Input should be"),
    ("rules:\n  - name: a\n    type: spike\n    by: [category, category]\n", ":4: rule 'a', by: give one or two"),
    ("- name: a\n  type: post\n   min_risk: high\n", ": not valid YAML"),
    ("- name: a\n", ":1: each rule needs a 'type'"),
    ("name: a\n", ":1: a rule file is a list of rules"),
])
def test_a_wrong_rule_file_is_refused_with_file_line_and_reason(tmp_path, text, message):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_rule_names_must_be_unique_across_files(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("- name: same\n  type: post\n", encoding="utf-8")
    with pytest.raises(RuleError, match="'same' is already used"):
        load_rules(tmp_path)
    with pytest.raises(RuleError, match="no rule files"):
        load_rules(tmp_path / "nowhere")


def test_post_rule_finds_urgent_posts_one_event_per_thread_with_its_reposts(store):
    posts = make_posts()
    repost = make_post(40, "tieba_hz", "转：燃气泄漏", "翠苑小区3号楼燃气泄漏，味道很大", "utilities", "critical",
                       "negative", (XIHU,), NOW - timedelta(hours=2), dup_group=posts[0].id)
    reply = make_post(41, "riverside", "燃气泄漏", "楼下已经拉起警戒线了", "utilities", "high", "negative", (XIHU,),
                      NOW - timedelta(hours=1)).model_copy(update={"thread_id": posts[0].thread_id, "floor": 2})
    store.upsert_posts([*posts, repost, reply])
    rule = PostRule(name="urgent", type="post", min_risk="high", lookback_hours=24 * 11, group_by="thread")
    found = {f.fingerprint: f for f in rule.find(store, NOW)}
    urgent = [p for p in posts if p.enrichment.risk in ("high", "critical")]
    assert set(found) == {f"urgent:{p.site}:t{p.thread_id}" for p in urgent}
    gas = found[f"urgent:riverside:t{posts[0].thread_id}"]  # the post, its reply and its repost elsewhere
    assert gas.level == "red" and gas.numbers["posts"] == 3
    assert set(gas.post_ids) == {posts[0].id, repost.id, reply.id} and gas.post_ids[0] == posts[0].id
    assert "翠苑小区" in gas.title and gas.scope == {"category": "utilities", "place": "西湖区"}
    labor = found[f"urgent:oldtown:t{posts[6].thread_id}"]
    assert labor.level == "orange" and labor.places[0].text == "A3区"
    recent = PostRule(name="urgent", type="post", min_risk="high", lookback_hours=24, group_by="thread").find(store, NOW)
    assert [(f.fingerprint, f.numbers["posts"]) for f in recent] == [(gas.fingerprint, 2)]  # repost and reply


def test_post_rule_by_topic_joins_one_incident_posted_in_several_threads(store):
    at = NOW - timedelta(hours=3)
    posts = [make_post(n, site, title, "溪岸花园7幢燃气泄漏，正在疏散", "utilities", "high", "negative", (XIHU,),
                       at + timedelta(minutes=n), topic_id="topic:gas" if n < 3 else None)
             for n, (site, title) in enumerate([("riverside", "燃气泄漏正在疏散"), ("tieba_hz", "是不是燃气泄漏了"),
                                                ("oldtown", "溪岸花园燃气"), ("oldtown", "另一帖")])]
    store.upsert_posts(posts)
    found = {f.fingerprint: f.numbers["posts"] for f in
             PostRule(name="urgent", type="post", min_risk="high").find(store, NOW)}
    assert found == {"urgent:topic:gas": 3, "urgent:oldtown:t103": 1}  # the post without a topic: its thread


def spike_history(store):
    """Lifts in 西湖区: one a day for a week, then nine in the last day; 拱墅区 steady at five a day."""
    posts, n = [], 0
    for day in range(1, 8):
        for i in range(1):
            n += 1
            posts.append(make_post(n, "riverside", "电梯", "电梯坏了", "utilities", "low", "negative", (XIHU,),
                                   NOW - timedelta(days=day, hours=i + 1)))
    for i in range(9):
        n += 1
        posts.append(make_post(n, "riverside", "电梯困人", "电梯又困人了", "utilities", "medium", "negative",
                               (BEISHAN,), NOW - timedelta(hours=i + 1)))
    for day in range(0, 8):
        for i in range(5):
            n += 1
            posts.append(make_post(n, "oldtown", "停车", "停车难", "traffic", "low", "negative", (GONGSHU,),
                                   NOW - timedelta(days=day, hours=i + 1)))
    store.upsert_posts(posts)
    return posts


def test_spike_rule_finds_the_rise_against_each_places_own_week(store):
    spike_history(store)
    rule = SpikeRule(name="spike", type="spike", by=("category", "district"), min_count=5)
    findings = rule.find(store, NOW)
    assert [f.fingerprint for f in findings] == ["spike:category=utilities:district=西湖区"]
    f = findings[0]
    assert f.numbers["count"] == 9 and f.numbers["expected"] == 1.0 and f.numbers["p_value"] < 0.001
    assert f.level == "yellow" and f.scope == {"category": "utilities", "place": "西湖区"}
    assert len(f.post_ids) == 5 and f.places[0].text == "北山街道"
    by_category = SpikeRule(name="c", type="spike", by=("category",), min_count=5).find(store, NOW)
    assert [f.fingerprint for f in by_category] == ["c:category=utilities"]


def test_hot_topic_needs_enough_posts_and_distinct_authors(store):
    posts = []
    for i in range(10):  # ten posts from six residents about one lift
        posts.append(make_post(i, "riverside", "3号楼电梯", "电梯又坏了", "utilities", "medium", "negative",
                               (BEISHAN,), NOW - timedelta(hours=3 * i + 1), topic_id="topic:lift", author=i % 6))
    for i in range(10):  # ten posts, but from two people
        posts.append(make_post(50 + i, "oldtown", "广场舞", "广场舞太吵", "environment", "low", "negative",
                               (GONGSHU,), NOW - timedelta(hours=2 * i), topic_id="topic:dance", author=i % 2))
    store.upsert_posts(posts)
    findings = HotTopicRule(name="hot", type="hot_topic", min_posts=8, min_authors=5).find(store, NOW)
    assert [f.fingerprint for f in findings] == ["hot:topic:lift"]
    f = findings[0]
    assert f.numbers["posts"] == 10 and f.numbers["authors"] == 6 and f.level == "yellow"
    assert f.scope == {"topic_id": "topic:lift"} and "北山街道" in f.title
    short = HotTopicRule(name="hot", type="hot_topic", min_posts=8, min_authors=5, window_hours=12)
    assert short.find(store, NOW) == []  # only four of its posts are in the last 12 hours
