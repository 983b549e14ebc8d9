"""Spiders against the running demo forum: a real HTTP server on 127.0.0.1, crawled in subprocesses.

Each expectation comes from the demo forum's own corpus (same seed, same frozen clock), so a test fails if a
single visible floor is missed, duplicated, mis-timed or mis-read.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from pydantic import TypeAdapter

from sheqing.records import Post

from .conftest import crawl, read_batch

posts_adapter = TypeAdapter(Post)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def thread_requests(log, site_prefix: str) -> list[str]:
    return [e[2] for e in log if e[2].startswith(f"/{site_prefix}/") and ("viewthread" in e[2] or "/p/" in e[2])]


def test_discuz_utf8_site_is_crawled_completely_and_faithfully(forum, fast_settings):
    report = crawl("riverside", fast_settings)
    got = read_batch(report)
    expected = forum.expected_posts("riverside", boards={"2", "5"})
    assert set(got) == set(expected)
    for pid, row in got.items():
        post = posts_adapter.validate_python(row)  # every line is a valid post record
        truth = expected[pid]
        if post.truncated:
            assert len(post.text) == fast_settings.max_post_chars
            assert squash(truth.text).startswith(squash(post.text))
        else:
            assert squash(post.text) == squash(truth.text), pid
        assert post.published_at == truth.created_at.replace(second=0, microsecond=0), pid
        assert truth.author not in json.dumps(row, ensure_ascii=False)  # names never stored
    assert any(p["truncated"] for p in got.values()), "the 200,000-character floor is bounded"
    assert any(p["reply_to"] for p in got.values()), "quotes and 回复 lines give reply_to"
    assert any(p["board"] == "5" for p in got.values()), "the members-only board is read after logging in"
    details = report.stats["details"]
    assert details["floors_deleted"] >= 1
    assert details["skipped_by_robots"] >= 1
    assert report.stats["errors"] == details["parse_errors"] == 1  # the Discuz! database-error thread
    log = forum.log()
    assert not [e for e in log if "fid=9" in e[2] or re.search(r"tid=9\d", e[2])], "robots.txt was obeyed"
    assert all(e[2] == "/robots.txt" for e in log[:1])
    kept = list((fast_settings.failed_dir / "riverside").glob("*.json"))
    assert len(kept) == 1 and "Database Error" in json.loads(kept[0].read_text())["reason"]
    assert kept[0].with_suffix(".html").exists()


def test_gbk_site_with_relative_times_without_span(forum, fast_settings):
    report = crawl("oldtown", fast_settings)
    got = read_batch(report)
    expected = forum.expected_posts("oldtown")
    assert set(got) == set(expected)
    now = forum.now()
    for pid, row in got.items():
        truth = expected[pid]
        assert squash(row["text"]) == squash(truth.text), pid  # GBK decoded, entities resolved
        published = datetime.fromisoformat(row["published_at"])
        age = now - truth.created_at
        # relative times are only as precise as the words the forum shows ("3 小时前", "2 天前")
        tolerance = timedelta(minutes=1) if age < timedelta(hours=1) else (
            timedelta(hours=1) if age < timedelta(days=1) else timedelta(days=1))
        assert abs(published - truth.created_at) <= tolerance, (pid, published, truth.created_at)


def test_tieba_floors_pages_and_comments(forum, fast_settings):
    report = crawl("tieba_hz", fast_settings)
    got = read_batch(report)
    expected = forum.expected_posts("tieba_hz")
    assert set(got) == set(expected)
    comments = [p for p in got.values() if p["post_id"].startswith("c")]
    assert comments and all(p["reply_to"] and p["floor"] is None for p in comments)
    assert any(p["floor"] and p["floor"] > 30 for p in got.values()), "second thread pages are followed"
    for pid, row in got.items():
        assert squash(row["text"]) == squash(expected[pid].text), pid


def test_second_crawl_fetches_only_what_changed(forum, fast_settings):
    first = crawl("riverside", fast_settings)
    assert first.stats["new_posts"] > 100
    forum.reset_log()
    second = crawl("riverside", fast_settings)
    assert second.stats["new_posts"] == 0 and second.batch is None
    log = forum.log()
    # robots.txt, the login (form + post), one list page per readable board, and the one thread that
    # failed to parse last time (retried because its state never advanced); nothing else
    assert len(log) <= 7, log
    assert len(thread_requests(log, "riverside")) == 1

    forum.advance(6 * 60)  # new threads and new replies on old threads appear
    forum.reset_log()
    third = crawl("riverside", fast_settings)
    before, after = set(read_batch(first)), set(read_batch(third))
    expected_now = set(forum.expected_posts("riverside", boards={"2", "5"}))
    assert after == expected_now - before and after, "exactly the new posts, none twice"
    changed_threads = {r["thread_id"] for r in read_batch(third).values()}
    fetched = {re.search(r"tid=(\d+)", p).group(1) for p in thread_requests(forum.log(), "riverside")}
    db_error_tid = {str(t.tid) for t in forum.corpus.sites["riverside"].threads() if t.db_error}
    assert fetched - db_error_tid == changed_threads, "only threads that changed were fetched"


def test_rate_limited_forum_is_waited_for_not_hammered(tmp_path, fast_settings):
    from crawlers.demo_forum.launch import demo_forum_process

    from .conftest import SEED, START, Forum

    with demo_forum_process("--rate-limit", "4", "--seed", str(SEED), "--start", START, "--speed", "0") as url:
        forum = Forum(url)
        settings = fast_settings.model_copy(update={"demo_forum_url": url, "concurrency_per_domain": 4})
        report = crawl("oldtown", settings)
        log = forum.log()
    limited = [e for e in log if e[3] == 429]
    assert limited, "the crawl was fast enough to be told to slow down"
    assert report.stats["details"]["retry_waits"] >= 1
    assert set(read_batch(report)) == set(forum.expected_posts("oldtown")), "nothing lost to the 429s"
    for when, _method, path, _status in limited:  # each refused page was asked again only after Retry-After
        later = [e[0] for e in log if e[2] == path and e[0] > when and e[3] == 200]
        assert later and later[0] - when >= 0.9, path


def test_members_only_board_without_login_is_skipped_with_a_warning(forum, fast_settings, tmp_path):
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "nologin.yaml").write_text(
        f"engine: discuz\nbase_url: {forum.url}/riverside/\nboards: [{{id: '2'}}, {{id: '5', login: true}}]\n",
        encoding="utf-8")
    settings = fast_settings.model_copy(update={"sites_dir": sites})
    report = crawl("nologin", settings)
    got = read_batch(report)
    assert got and not [p for p in got.values() if p["board"] == "5"]
    assert report.stats["details"]["boards_skipped_login"] == 1
    assert "needs a login and none is configured" in report.log_path.read_text()
    assert not [e for e in forum.log() if "fid=5" in e[2]]


def test_crawl_killed_half_way_is_finished_by_the_next_run(forum, fast_settings):
    slow = fast_settings.model_copy(update={"crawl_timeout": 2.0, "download_delay": 0.2, "concurrency_per_domain": 1})
    killed = __import__("crawlers.runner", fromlist=["crawl_site"]).crawl_site("riverside", slow)
    assert not killed.ok and "stopped after" in killed.problem
    assert not list((fast_settings.batches_dir / "riverside").glob("*.jsonl")), "no half-written batch is visible"
    report = crawl("riverside", fast_settings)
    assert set(read_batch(report)) == set(forum.expected_posts("riverside", boards={"2", "5"}))


def test_oversized_page_is_refused_logged_and_the_crawl_goes_on(forum, fast_settings):
    small = fast_settings.model_copy(update={"max_page_bytes": 120_000})  # the 200,000-character floor's page
    report = crawl("riverside", small)
    got = read_batch(report)
    expected = forum.expected_posts("riverside", boards={"2", "5"})
    big = [pid for pid, post in expected.items() if len(post.text) > 100_000]
    assert len(big) == 1 and big[0] not in got
    assert len(got) >= len(expected) - 15, "only the oversized page's floors are missing"
    assert report.stats["details"]["fetch_errors"] >= 1
    assert "giving up on" in report.log_path.read_text()


def test_replayed_government_messages_are_crawled_with_their_timestamps(shared_data, fast_settings, tmp_path):
    """The first 200 real messages of messages_with_votes.csv, replayed as a Discuz! board and crawled."""
    import csv

    from crawlers.demo_forum.launch import demo_forum_process
    from crawlers.parsers.times import SHANGHAI, parse_cn_time

    source = shared_data("govmsg/messages_with_votes.csv")
    with open(source, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:200]
    subset = tmp_path / "subset.csv"  # test-time copy in a temporary folder, never in the repository
    with open(subset, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with demo_forum_process("--rate-limit", "0", "--csv", str(subset)) as url:
        settings = fast_settings.model_copy(update={"demo_forum_url": url})
        report = crawl("govmsg", settings)
    got = read_batch(report)
    first_floors = {p["thread_id"]: p for p in got.values() if p["floor"] == 1}
    for row in rows:  # every message arrives once, with its text and its own timestamp
        post = first_floors[row["留言编号"]]
        assert squash(post["text"]) == squash(row["留言详情"])
        when = parse_cn_time(row["留言时间"], datetime.now(SHANGHAI))  # both "2019/2/28 11:25:05" and ISO
        assert datetime.fromisoformat(post["published_at"]) == when.replace(second=0)
    assert report.stats["errors"] == 0
