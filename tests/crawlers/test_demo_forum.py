"""Tests of the demo forum: the server as a subprocess on a free port of 127.0.0.1, the corpus in process."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

import pytest

from crawlers.demo_forum.clock import parse_start
from crawlers.demo_forum.corpus import build_corpus
from crawlers.demo_forum.launch import demo_forum_process
from crawlers.demo_forum.ratelimit import RateLimiter

START = "2024-03-01T12:00:00+08:00"
CATEGORIES = {"public_order", "mass_fraud", "fire_safety", "utilities", "building_safety", "property_mgmt",
              "housing_land", "environment", "traffic", "food_drug", "health", "labor", "neighbor_dispute",
              "school_safety", "other"}
ROBOTS = """User-agent: *
Disallow: /_demo/
Disallow: /riverside/home.php
Disallow: /riverside/forum.php?mod=forumdisplay&fid=9
Disallow: /riverside/forum.php?mod=viewthread&tid=9
Disallow: /oldtown/home.php
Disallow: /tieba/home/
"""


class Forum:
    """A running demo forum (``demo_forum_process``) and a tiny HTTP client for it."""

    def __init__(self, url: str):
        self.url = url
        self.port = urlsplit(url).port

    def request(self, path: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def text(self, path: str, **kwargs) -> str:
        status, headers, body = self.request(path, **kwargs)
        assert status == 200, (path, status)
        return body.decode(headers.get_content_charset() or "utf-8", errors="replace")


@pytest.fixture(scope="module")
def forum():
    with demo_forum_process("--rate-limit", "0", "--seed", "7", "--start", START) as url:
        yield Forum(url)


@pytest.fixture
def new_forum():
    with contextlib.ExitStack() as stack:
        yield lambda *args: Forum(stack.enter_context(demo_forum_process(*args)))


def list_replies(forum: Forum, prefix: str, fid: int, tid: int) -> int:
    """The REPLIES number of thread ``tid`` on its board list, walking the pages."""
    page = 1
    while True:
        html = forum.text(f"/{prefix}/forum.php?mod=forumdisplay&fid={fid}&page={page}")
        row = re.search(rf'<tbody id="(?:normal|stick)thread_{tid}">.*?class="xi2">(\d+)</a>', html, re.S)
        if row:
            return int(row.group(1))
        if 'class="nxt"' not in html:
            raise AssertionError(f"thread {tid} is not on the board list")
        page += 1


def test_robots_txt_and_unknown_paths(forum):
    status, headers, body = forum.request("/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert body.decode() == ROBOTS
    assert forum.request("/no/such/page")[0] == 404
    assert forum.request("/riverside/nothing.php")[0] == 404


def test_date_header_follows_the_simulated_clock(forum):
    _, headers, _ = forum.request("/riverside/forum.php")
    assert headers["Date"].endswith(" GMT")
    served = parsedate_to_datetime(headers["Date"])
    assert abs(served - parse_start(START)) < timedelta(minutes=5)


def test_rate_limiter_bursts_twice_the_rate_then_refills():
    now = [100.0]
    limiter = RateLimiter(4, monotonic=lambda: now[0])  # times below are exact in binary
    assert [limiter.allow("a") for _ in range(9)] == [True] * 8 + [False]  # burst is 2 x rate
    assert limiter.allow("b")  # each client has its own bucket
    now[0] += 0.125  # half a token back: still empty
    assert not limiter.allow("a")
    now[0] += 0.125  # a whole token
    assert limiter.allow("a") and not limiter.allow("a")
    now[0] += 60  # never more than the burst
    assert sum(limiter.allow("a") for _ in range(20)) == 8


def test_rate_limit_answers_429_and_503_then_recovers(new_forum):
    # 0.5 a second: a burst of one, and a token every 2 s, so the requests below stay over the limit unless
    # the machine takes 2 s to serve one (at 5 a second a slow CI machine refilled the bucket between them).
    server = new_forum("--rate-limit", "0.5", "--start", START)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    answers = []
    for path in ("/riverside/forum.php?mod=forumdisplay&fid=2", "/riverside/forum.php?mod=forumdisplay&fid=2",
                 "/tieba/f?kw=%E8%A5%BF%E6%B9%96%E5%8C%BA"):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        answers.append((response.status, response.headers.get("Retry-After")))
    connection.close()
    assert answers == [(200, None), (429, "1"), (503, "1")]  # tieba answers an overload with 503
    assert server.request("/_demo/stats")[0] == 200  # never limited
    time.sleep(2.1)  # one token comes back
    assert server.request("/riverside/forum.php")[0] == 200


def test_gbk_site_declares_and_uses_gbk(forum):
    status, headers, body = forum.request("/oldtown/forum.php?mod=forumdisplay&fid=3")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=gbk"
    html = body.decode("gbk")
    assert '<meta http-equiv="Content-Type" content="text/html; charset=gbk" />' in html
    assert "投诉建议" in html and "normalthread_" in html
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    _, headers, body = forum.request("/riverside/forum.php?mod=forumdisplay&fid=2")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />' in body.decode("utf-8")


def test_login_flow(forum):
    board = "/riverside/forum.php?mod=forumdisplay&fid=5"
    assert "抱歉，您尚未登录，没有权限访问该版块" in forum.text(board)
    form = forum.text("/riverside/member.php?mod=logging&action=login")
    assert 'id="loginform"' in form
    formhash = re.search(r'name="formhash" value="(\w+)"', form).group(1)
    action = "/riverside/member.php?mod=logging&action=login&loginsubmit=yes"
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}

    def login(**fields):
        return forum.request(action, "POST", urlencode(fields).encode(), form_type)

    _, _, body = login(formhash=formhash, username="demo", password="wrong")
    assert "登录失败" in body.decode()
    _, _, body = login(formhash="bad", username="demo", password="demo-pass")
    assert "非法字符" in body.decode()
    status, headers, body = login(formhash=formhash, username="demo", password="demo-pass")
    assert status == 200 and "欢迎您回来" in body.decode()
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("Rvsd_2132_auth=") and "path=/riverside/" in cookie
    session = {"Cookie": cookie.split(";")[0]}
    html = forum.text(board, headers=session)
    assert "业主之家" in html and "normalthread_5" in html
    tid = re.search(r"normalthread_(\d+)", html).group(1)
    assert 'id="postlist"' in forum.text(f"/riverside/forum.php?mod=viewthread&tid={tid}", headers=session)


def test_advancing_the_clock_reveals_new_replies(new_forum):
    corpus = build_corpus(7, parse_start(START))
    board = corpus.sites["riverside"].boards[2]
    start = corpus.start
    candidates = [(min(p.created_at for p in t.posts if p.created_at > start), t) for t in board.threads
                  if t.created_at < start and any(p.created_at > start for p in t.posts)]
    first_at, thread = min(candidates, key=lambda item: item[0])
    minutes = (first_at - start).total_seconds() / 60 + 1
    server = new_forum("--rate-limit", "0", "--start", START)
    before = list_replies(server, "riverside", 2, thread.tid)
    status, _, body = server.request(f"/_demo/advance?minutes={minutes}", "POST")
    assert status == 200 and json.loads(body)["advanced_minutes"] == pytest.approx(minutes)
    after = list_replies(server, "riverside", 2, thread.tid)
    assert after > before
    _, headers, _ = server.request("/robots.txt")
    assert parsedate_to_datetime(headers["Date"]) >= first_at


def test_corpus_covers_every_category_and_is_deterministic():
    start = parse_start(START)

    def signature(corpus):
        return [(thread.tid, thread.title, thread.category, thread.risk,
                 [(p.pid, p.author, p.uid, p.text, p.created_at - corpus.start, [c.cid for c in p.comments])
                  for p in thread.posts]) for thread in corpus.threads()]

    corpus = build_corpus(7, start)
    assert signature(corpus) == signature(build_corpus(7, start))
    assert signature(corpus) == signature(build_corpus(7, start + timedelta(days=3, minutes=17)))
    assert signature(corpus) != signature(build_corpus(8, start))
    threads = list(corpus.threads())
    assert {thread.category for thread in threads} == CATEGORIES
    assert all(thread.risk in {"none", "low", "medium", "high", "critical"} for thread in threads)
    for prefix, site in corpus.sites.items():
        for fid, board in site.boards.items():
            tids = {str(thread.tid)[0] for thread in board.threads}
            assert (tids == {"9"}) if (prefix, fid) == ("riverside", 9) else ("9" not in tids)
    posts = list(corpus.posts())
    assert 0.05 < sum(p.created_at > start for p in posts) / len(posts) < 0.2
    assert all(start - timedelta(days=14) <= p.created_at <= start + timedelta(hours=6) for p in posts)
    for thread in corpus.sites["oldtown"].threads():
        for text in [thread.title] + [p.text for p in thread.posts] + [p.author for p in thread.posts]:
            text.encode("gbk")
    assert max(len(p.text) for p in corpus.sites["riverside"].threads() for p in p.posts) == 200_000
    gas = [p for thread in threads for p in thread.posts if p.incident == "gas_leak"]
    assert len(gas) >= 15 and len({p.author for p in gas}) == len(gas)
    assert max(p.created_at for p in gas) - min(p.created_at for p in gas) <= timedelta(hours=2)
    assert len({prefix for prefix, site in corpus.sites.items() for t in site.threads() if t.incident == "gas_leak"}) >= 2
    assert {t.kind for t in threads} >= {"repost", "near_duplicate", "chatter", "incident"}


def test_csv_replay(new_forum, tmp_path):
    csv_path = tmp_path / "messages.csv"
    csv_path.write_text(
        "留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间\n"
        '501,A0001,路灯不亮,2019/3/1 08:00:00,"\n\t\t路灯坏了一个月\n\t\t",,\n'
        '502,A0002,楼道堆物,2019/3/2 09:30:00,"\n\t\t楼道里堆满杂物\n\t\t",已安排社区清理。,2019/3/3 10:00:00\n'
        '503,A0003,噪音扰民,2019/3/2 20:15:10,工地夜间施工,,\n', encoding="utf-8")
    server = new_forum("--rate-limit", "0", "--csv", str(csv_path))
    _, headers, _ = server.request("/govmsg/forum.php")
    assert parsedate_to_datetime(headers["Date"]) - parse_start("2019-03-03T10:01:00") < timedelta(minutes=2)
    board = server.text("/govmsg/forum.php?mod=forumdisplay&fid=1")
    assert re.findall(r"normalthread_(\d+)", board) == ["502", "503", "501"]
    thread = server.text("/govmsg/forum.php?mod=viewthread&tid=502")
    assert re.findall(r'class="xw1">([^<]+)</a>', thread) == ["A0002", "政府回复"]
    assert re.search(r'id="postmessage_\d+">\n楼道里堆满杂物</td>', thread)
    later = new_forum("--rate-limit", "0", "--csv", str(csv_path), "--start", "2019-03-02T12:00:00+08:00")
    assert "normalthread_503" not in later.text("/govmsg/forum.php?mod=forumdisplay&fid=1")
    later.request("/_demo/advance?minutes=600", "POST")
    assert "normalthread_503" in later.text("/govmsg/forum.php?mod=forumdisplay&fid=1")


def test_stats_count_requests(forum):
    assert forum.request("/_demo/reset-stats", "POST")[0] == 200
    forum.request("/robots.txt")
    forum.request("/riverside/forum.php?mod=forumdisplay&fid=2")
    forum.request("/nowhere")
    stats = json.loads(forum.request("/_demo/stats")[2])
    assert stats["requests"] == 3
    assert [entry[1:] for entry in stats["log"]] == [
        ["GET", "/robots.txt", 200], ["GET", "/riverside/forum.php?mod=forumdisplay&fid=2", 200], ["GET", "/nowhere", 404]]
    assert abs(stats["log"][0][0] - time.time()) < 60
    assert forum.request("/_demo/advance?minutes=1")[0] == 405


def test_tieba_pages_and_comments(forum):
    html = forum.text("/tieba/f?kw=%E8%A5%BF%E6%B9%96%E5%8C%BA&ie=utf-8&pn=0")
    fields = [json.loads(field.replace("&quot;", '"')) for field in re.findall(r'data-field="(\{&quot;id&quot;[^"]+)"', html)]
    assert fields and all(field["reply_num"] >= 0 for field in fields)
    tid = max(fields, key=lambda field: field["reply_num"])["id"]
    first = forum.text(f"/tieba/p/{tid}")
    assert f'href="/tieba/p/{tid}?pn=2">下一页</a>' in first
    second = forum.text(f"/tieba/p/{tid}?pn=2")
    assert "下一页" not in second
    status, headers, body = forum.request(f"/tieba/p/totalComment?tid={tid}&fid=391245&pn=1")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["errno"] == 0
    assert forum.request("/tieba/p/1")[0] == 404


def test_save_pages(tmp_path):
    from crawlers.demo_forum.save_pages import save_pages

    index = save_pages(tmp_path)
    assert len(index) >= 15
    saved = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert saved == index
    assert {entry["file"] for entry in saved} == {path.name for path in tmp_path.iterdir()} - {"index.json"}
    assert {(entry["engine"], entry["kind"]) for entry in saved} >= {
        ("discuz", "board"), ("discuz", "thread"), ("tieba", "board"), ("tieba", "thread"), ("tieba", "comments")}
    for entry in saved:
        body = (tmp_path / entry["file"]).read_bytes()
        if entry["error"] and "malformed" in entry["error"]:
            with pytest.raises(UnicodeDecodeError):
                body.decode(entry["charset"])
        else:
            body.decode(entry["charset"])
    assert b"Discuz! Database Error" in (tmp_path / "discuz_thread_db_error.html").read_bytes()
    assert save_pages(tmp_path / "again") == index  # the same bytes and index on every run
    assert (tmp_path / "again" / "tieba_thread_p1.html").read_bytes() == (tmp_path / "tieba_thread_p1.html").read_bytes()
