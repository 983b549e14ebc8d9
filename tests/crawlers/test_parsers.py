"""Page parsers on saved pages: pure functions, no network."""

from datetime import datetime
from pathlib import Path

import pytest

from crawlers.parsers import LoginRequired, PageParseError, discuz, tieba
from crawlers.parsers.times import SHANGHAI

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = datetime(2023, 12, 6, 13, 53, tzinfo=SHANGHAI)


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_discuz_thread_page_floors_times_quotes_and_deletions():
    url = "http://forum.example/bbs/forum.php?mod=viewthread&tid=55&page=1"
    page = discuz.parse_thread_page(read("discuz_thread.html"), url, FETCHED)
    assert page.thread_id == "55" and page.page == 1
    assert page.title == "金色家园3栋楼道有很重的燃气味"
    assert page.reply_count == 14
    assert page.next_page_url == "http://forum.example/bbs/forum.php?mod=viewthread&tid=55&extra=page%3D1&page=2"
    by_id = {p.post_id: p for p in page.posts}
    assert list(by_id) == ["1001", "1002", "1003", "1004"]  # post_rate_div_1004 is not a floor
    first = by_id["1001"]
    assert (first.floor, first.author, first.author_id) == (1, "江边老王", "77")
    assert first.text == "今天下午回家，3栋二单元楼道里燃气味很重。\n已经打了燃气公司电话， 请物业赶紧来看看！"
    assert first.published_at == datetime(2023, 12, 6, 13, 43, tzinfo=SHANGHAI)
    quoting = by_id["1002"]
    assert quoting.floor == 2 and quoting.reply_to == "1001"
    assert quoting.text == "我家也闻到了，已经开窗通风"  # the quoted text is not part of the reply
    assert quoting.published_at == datetime(2023, 12, 6, 13, 50, tzinfo=SHANGHAI)  # span title wins
    deleted = by_id["1003"]
    assert deleted.deleted and deleted.text == "" and deleted.floor == 3
    assert deleted.published_at == datetime(2023, 12, 6, 13, 23, tzinfo=SHANGHAI)  # 半小时前 from fetch time
    answer = by_id["1004"]
    assert answer.floor == 5 and answer.reply_to == "1002" and answer.text == "物业说马上派人来"
    assert answer.published_at == datetime(2023, 12, 5, 12, 30, tzinfo=SHANGHAI)


def test_discuz_login_and_error_pages_are_reported_not_parsed():
    login = '<div id="messagetext" class="alert_info"><p>抱歉，您尚未登录，没有权限访问该版块</p></div>'
    with pytest.raises(LoginRequired):
        discuz.parse_board_page(login, "http://f/forum.php?mod=forumdisplay&fid=5", FETCHED)
    db_error = "<html><body><div class='alert_error'>Discuz! Database Error (1040) Too many connections</div></body></html>"
    with pytest.raises(PageParseError, match="Database Error"):
        discuz.parse_thread_page(db_error, "http://f/forum.php?mod=viewthread&tid=1", FETCHED)
    with pytest.raises(PageParseError, match="no floors"):
        discuz.parse_thread_page("<html><body><p>维护中</p></body></html>", "http://f/forum.php?mod=viewthread&tid=1", FETCHED)


def test_discuz_board_page_lists_threads_with_reply_counts():
    html = """<table id="threadlisttableid">
    <tbody id="stickthread_10"><tr><th><a href="forum.php?mod=viewthread&amp;tid=10&amp;extra=page%3D1" class="s xst">版规</a></th>
      <td class="num"><a class="xi2">3</a><em>900</em></td></tr></tbody>
    <tbody id="separatorline"><tr><td>版块主题</td></tr></tbody>
    <tbody id="normalthread_55"><tr><th class="common"><a href="forum.php?mod=viewthread&amp;tid=55&amp;extra=page%3D1" class="s xst">燃气味</a></th>
      <td class="num"><a href="forum.php?mod=viewthread&amp;tid=55" class="xi2">14</a><em>321</em></td></tr></tbody>
    </table><div class="pg"><strong>1</strong><a href="forum.php?mod=forumdisplay&amp;fid=2&amp;page=2" class="nxt">下一页</a></div>"""
    page = discuz.parse_board_page(html, "http://f/bbs/forum.php?mod=forumdisplay&fid=2&page=1", FETCHED)
    assert [(t.thread_id, t.reply_count, t.sticky) for t in page.threads] == [("10", 3, True), ("55", 14, False)]
    assert page.threads[1].url == "http://f/bbs/forum.php?mod=viewthread&tid=55&extra=page%3D1"
    assert page.next_page_url == "http://f/bbs/forum.php?mod=forumdisplay&fid=2&page=2"


def test_tieba_thread_page_reads_data_field_and_tail_info():
    url = "http://forum.example/tieba/p/4242?pn=1"
    page = tieba.parse_thread_page(read("tieba_thread.html"), url, FETCHED)
    assert (page.thread_id, page.title, page.reply_count) == ("4242", "运河边工地拖欠工资三个月了", 41)
    assert page.next_page_url == "http://forum.example/tieba/p/4242?pn=2"
    assert [p.post_id for p in page.posts] == ["88001", "88003"]  # the advertisement has no post id
    first = page.posts[0]
    assert (first.floor, first.author, first.author_id) == (1, "打工人小李", "9001")
    assert first.text == "我们几十名工人被拖欠工资三个月\n老板电话不接"
    assert first.published_at == datetime(2015, 7, 26, 19, 44, tzinfo=SHANGHAI)


def test_tieba_comments_become_replies_to_their_floor():
    comments = tieba.parse_comments(read("tieba_comments.json"), "http://f/tieba/p/totalComment?tid=4242&pn=1", FETCHED)
    assert [c.reply_to for c in comments] == ["88001", "88001"]
    assert comments[0].post_id == "c99001" and comments[0].text == "我也是，一分钱没拿到"
    assert comments[0].published_at == datetime(2015, 7, 26, 19, 44, tzinfo=SHANGHAI)
    assert comments[1].text == "回复 同工地的 :打12333"
    assert comments[1].post_id.startswith("ch")  # no comment_id in the JSON: a stable derived id
    again = tieba.parse_comments(read("tieba_comments.json"), "http://f/x", FETCHED)
    assert again[1].post_id == comments[1].post_id
    assert tieba.parse_comments('{"errno":0,"data":{"comment_list":[]}}', "http://f/x", FETCHED) == []
    with pytest.raises(PageParseError):
        tieba.parse_comments("<html>busy</html>", "http://f/x", FETCHED)
