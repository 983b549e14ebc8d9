"""The web page over HTTP (Starlette's TestClient): login, CSRF, areas, every page, search, CSV, alerts, corrections."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from tests.html_audit import Audit

from tests.indexer.samples import GONGSHU, XIHU, make_post, make_posts

from .conftest import HOSTILE_ID, NOW, PASSWORD, extra_posts, fill_store, make_site

GAS = "urgent:t-gas"  # critical gas leak in 西湖区 (two posts)
LIFT = "urgent:riverside:t103"  # lift trapping people in 北山街道
FIRE = "urgent:oldtown:t105"  # blocked fire lane in 拱墅区


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def assert_page_inert(html: str) -> None:
    """No script, handler or foreign resource anywhere in a page (Audit's e-mail rules, adapted to a site:
    forms and the stylesheet are ours, links are this site's paths or http(s))."""
    audit = Audit(html)
    for tag, attrs in audit.tags:
        assert tag not in ("script", "iframe", "object", "embed", "base", "frame", "meta" if "http-equiv" in attrs
                           else "-"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert "javascript:" not in (value or "").lower(), (tag, name, value)
        if tag == "a":
            assert attrs["href"].startswith(("/", "?", "http://", "https://")), attrs
        if tag == "link":
            assert attrs.get("rel") in ("stylesheet", "icon") and attrs["href"].startswith(("/static/", "data:")), attrs
        if tag == "form":
            assert attrs["action"].startswith("/") and not attrs["action"].startswith("//"), attrs


# -- login, sessions, CSRF, headers ---------------------------------------------------------------
def test_health_check_needs_no_login(site):
    response = site.client().get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


@pytest.mark.parametrize("url", ["/", "/alerts", f"/alerts/{GAS}", "/search?q=燃气", "/search.csv", "/topics",
                                 "/topics/t-gas", "/posts/riverside:1001"])
def test_every_page_needs_a_login(site, url):
    response = site.client().get(url)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_login_with_a_wrong_password_is_refused_and_the_right_one_opens_a_session(site):
    client = site.client()
    wrong = client.login("xihu", "not-the-password")
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    assert client.login("nobody", PASSWORD).status_code == 401
    right = client.login("xihu", PASSWORD)
    assert right.status_code == 303 and right.headers["location"] == "/"
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=43200" in cookie
    overview = client.get("/")
    assert overview.status_code == 200 and "xihu" in overview.text and "西湖区" in overview.text


def test_login_goes_back_to_the_page_asked_for_but_never_to_another_site(site):
    client = site.client()
    token = client.csrf("/login")
    back = client.http.post("/login", data={"name": "admin", "password": PASSWORD, "next": "/alerts?tab=resolved",
                                            "csrf": token})
    assert back.headers["location"] == "/alerts?tab=resolved"
    for target in ("//evil.test/x", "https://evil.test/", "/\\evil.test"):
        other = site.client()
        response = other.http.post("/login", data={"name": "admin", "password": PASSWORD, "next": target,
                                                   "csrf": other.csrf("/login")})
        assert response.headers["location"] == "/", target


def test_a_forged_or_expired_session_cookie_is_not_a_login(site, monkeypatch):
    import time

    from itsdangerous.timed import TimestampSigner

    from web.auth import Sessions, password_tag

    client = site.client("admin")
    value = client.http.cookies.get("sheqing_session")

    def use(cookie):
        client.http.cookies.clear()
        client.http.cookies.set("sheqing_session", cookie)
        return client.get("/").status_code

    assert use(value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")) == 303  # forged
    sessions = Sessions(site.settings.web_key(), hours=12)
    session = {"user": "admin", "csrf": "x", "tag": password_tag(site.users.get("admin").password_hash)}
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 13 * 3600)
        stale = sessions.dump(session)
    assert use(stale) == 303  # signed 13 hours ago: past SHEQING_WEB_SESSION_HOURS
    assert use(sessions.dump(session)) == 200  # the same session signed now is a login


def test_sessions_end_when_the_user_is_removed_or_the_password_changes(site):
    from web.auth import User, hash_password

    client = site.client("beishan")
    assert client.get("/").status_code == 200
    user = site.users.get("beishan")
    site.users.put(User(user.name, user.role, user.areas, hash_password("a-new-password")))
    assert client.get("/").status_code == 303
    site.users.remove("beishan")
    assert site.client().login("beishan", "a-new-password").status_code == 401


def test_repeated_wrong_passwords_are_throttled(site):
    client = site.client()
    for _ in range(5):
        assert client.login("gongshu", "guess-guess").status_code == 401
    refused = client.login("gongshu", PASSWORD)  # even the right password, until the window has passed
    assert refused.status_code == 429 and "登录失败次数过多" in refused.text


def test_every_post_without_the_session_csrf_token_is_refused(site):
    client = site.client("admin")
    for url, data in [("/alerts/status", {"fingerprint": GAS, "status": "acknowledged", "note": "x"}),
                      ("/corrections", {"post_id": "riverside:1001", "field": "category", "value": "fire_safety"}),
                      ("/logout", {})]:
        assert client.post(url, data, csrf="").status_code == 403  # missing
        assert client.post(url, data, csrf="forged-token").status_code == 403  # wrong
    assert site.store.get_alert(GAS).status == "new"
    assert site.store.get_post("riverside:1001").enrichment.category == "utilities"
    assert site.store.corrections() == []
    assert client.get("/").status_code == 200  # still logged in: the logout was refused too
    # a login form without its token (a cross-site login) is refused as well
    assert site.client().http.post("/login", data={"name": "admin", "password": PASSWORD}).status_code == 403


def test_security_headers_on_pages_and_no_script_or_foreign_resource(site):
    client = site.client("admin")
    for url in ("/", "/alerts", "/search?q=燃气", "/topics", "/login", "/healthz", "/nope"):
        response = client.get(url)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        if response.headers.get("content-type", "").startswith("text/html"):
            assert_page_inert(response.text)
            assert "style=" not in response.text  # the CSP forbids inline styles: none are used
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")


# -- the pages ------------------------------------------------------------------------------------
def test_overview_counts_today_this_week_and_last_week_with_areas_and_alerts(site):
    html = site.client("admin").get("/").text
    cards = re.findall(r'<div class="value">(\d+)</div>', html)
    # today (2024-03-10): 3 samples + 2 posts of the lift topic; last 7 days: 10 samples + 4 extra; before: 6
    assert cards[:3] == ["5", "14", "6"]
    assert "<svg" in html and "近14天每日帖子数（按风险）" in html
    text = text_of(html)
    assert "西湖区" in text and "拱墅区" in text and "北山街道" in text
    assert re.search(r"红色预警 1", text) and re.search(r"橙色预警 3", text)


def test_a_street_office_sees_only_its_street(site):
    client = site.client("beishan")
    overview = text_of(client.get("/").text)
    assert "北山街道" in overview and "拱墅区" not in overview
    found = client.get("/search?sort=newest").text
    titles = re.findall(r'class="title" href="/posts/([^"]+)"', found)
    posts = site.store.get_posts(titles)
    assert titles and all(any(p.code == "330106001" for p in posts[i].enrichment.places) for i in titles)
    assert client.get("/posts/riverside:1001").status_code == 404  # 西湖区 but not 北山街道
    assert client.get(f"/posts/{HOSTILE_ID}").status_code == 404  # no place at all
    assert client.get("/posts/riverside:1003").status_code == 200  # 北山街道
    inbox = client.get("/alerts").text
    assert LIFT in unescape(inbox) and GAS not in unescape(inbox) and FIRE not in unescape(inbox)
    assert client.get(f"/alerts/{GAS}").status_code == 404
    assert client.post("/alerts/status", {"fingerprint": GAS, "status": "resolved"}).status_code == 404
    assert site.store.get_alert(GAS).status == "new"
    other = client.get("/search?place=拱墅区")
    assert "不在您的辖区内" in other.text and 'class="hit"' not in other.text
    district = client.get("/search?place=西湖区&sort=newest").text  # its district: only its own street's posts
    assert set(re.findall(r'href="/posts/([^"]+)"', district)) == set(titles)
    export = client.get("/search.csv").text
    assert "拱墅区" not in export and "翠苑小区3号楼" not in export


def test_a_district_office_sees_its_streets_and_an_estate_within_its_area(site):
    client = site.client("xihu")
    assert client.get("/posts/riverside:1003").status_code == 200  # 北山街道 is in 西湖区
    assert client.get("/posts/oldtown:1005").status_code == 404  # 拱墅区
    estate = client.get("/search?place=翠苑小区&sort=newest").text  # not in the table: intersected by id
    found = set(re.findall(r'href="/posts/([^"]+)"', estate))
    assert found == {"riverside:1001", "riverside:1002"}  # 翠苑小区 with 西湖区; where it stands alone, not theirs


def test_a_short_district_name_in_the_search_form_finds_the_district_in_the_home_city(tmp_path):
    gongshu = {p.id for p in [*make_posts(), *extra_posts()] if GONGSHU in p.enrichment.places}
    assert gongshu  # the samples name 拱墅区 in full, never 拱墅

    def found(site, user):  # the posts on the first page of results
        html = site.client(user).get("/search?place=拱墅&sort=newest").text
        return html, set(re.findall(r'class="title" href="/posts/([^"]+)"', html))

    (tmp_path / "home").mkdir(), (tmp_path / "elsewhere").mkdir()
    home = make_site(tmp_path / "home", home_area="3301")
    try:
        assert found(home, "admin")[1] == gongshu
        assert found(home, "gongshu")[1] == gongshu
        html, posts = found(home, "xihu")
        assert "不在您的辖区内" in html and not posts
    finally:
        home.store.close()
    elsewhere = make_site(tmp_path / "elsewhere")  # no home area: 拱墅 is a name as written, and no post wrote it
    try:
        assert found(elsewhere, "admin")[1] == set()
    finally:
        elsewhere.store.close()


def test_search_highlights_terms_pages_and_keeps_the_filters(site):
    client = site.client("admin")
    html = client.get("/search?q=燃气&sort=newest").text
    assert html.count("<mark>燃气</mark>") >= 3
    assert "共 <strong>3</strong> 条" in html  # two sample posts, and the hostile one (天然气灶 is not 燃气)
    filtered = client.get("/search?q=燃气&risk=critical").text
    assert "共 <strong>1</strong> 条" in filtered and 'value="critical" selected' in filtered
    dated = client.get("/search?since=2024-03-10&until=2024-03-10&sort=oldest").text
    assert "共 <strong>5</strong> 条" in dated
    site.store.upsert_posts([_filler(n) for n in range(40)])
    first = client.get("/search?q=停车&sort=newest").text
    assert "第 1 / 3 页" in first and 'rel="next"' in first
    second = client.get("/search?q=停车&sort=newest&page=2").text
    assert '<ol class="hits" start="21">' in second and 'rel="prev"' in second and "q=%E5%81%9C%E8%BD%A6" in second


def _filler(n):
    return make_post(100 + n, "tieba_hz", f"停车难 {n}", f"小区停车位不够，第{n}次", "traffic", "low", "negative",
                     (GONGSHU,), NOW.replace(hour=1, minute=n % 60))


@pytest.mark.parametrize("query, message", [
    ("category=bogus", "unknown category 'bogus'"),
    ("since=yesterday", "不是日期"),
    ("since=2024-03-10&until=2024-03-01", "before it starts"),
    ("page=9999", "beyond the first 10000 results"),
    ("page=-1", "页码"),
])
def test_invalid_search_input_is_a_friendly_message_not_an_error(site, query, message):
    response = site.client("admin").get(f"/search?{query}")
    assert response.status_code == 400 and message in unescape(response.text)
    assert 'name="q"' in response.text  # the form is still there (or the error page offers a way back)


def test_csv_export_is_excel_ready_and_guards_against_formulas(site):
    response = site.client("admin").get("/search.csv?sort=oldest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="sheqing-search-')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["发布时间", "论坛", "版块", "标题"] and len(rows) == 1 + 16 + 4
    by_id = {row[11]: row for row in rows[1:]}
    formula = by_id["oldtown:1030"]
    assert formula[3] == "'=HYPERLINK(\"http://evil.test\",\"点我\")" and formula[4].startswith("'@SUM")
    hostile = by_id[HOSTILE_ID]
    assert hostile[3] == "<script>alert(1)</script>"  # CSV is data: kept as written, opened as text
    assert by_id["riverside:1001"][5:8] == ["水电气暖与公共设施", "危急（红）", "负面"]


def test_csv_export_is_capped(site, monkeypatch):
    import web.search

    monkeypatch.setattr(web.search, "EXPORT_BATCH", 5)
    monkeypatch.setattr(web.search, "EXPORT_MAX", 10)
    rows = site.client("admin").get("/search.csv").content.decode("utf-8").splitlines()
    assert len(rows) == 1 + 10


def test_alert_inbox_orders_by_level_then_time_and_an_alert_can_be_acknowledged_and_resolved(site):
    client = site.client("xihu")
    inbox = client.get("/alerts").text
    levels = re.findall(r'<td><span class="badge lvl-(\w+)">', inbox)
    assert levels == sorted(levels, key=["red", "orange", "yellow", "blue"].index) and levels[0] == "red"
    page = client.get(f"/alerts/{GAS}").text
    assert "燃气泄漏后续" in page and "市政/城管" in page and "相关帖子数" in page and "<svg" in page
    done = client.post("/alerts/status", {"fingerprint": GAS, "status": "acknowledged", "note": "已派网格员核实"},
                       page=f"/alerts/{GAS}")
    assert done.status_code == 303 and done.headers["location"] == f"/alerts/{GAS}?done=acknowledged"
    alert = site.store.get_alert(GAS)
    assert alert.status == "acknowledged"
    assert (alert.history[-1].action, alert.history[-1].by, alert.history[-1].note) == (
        "acknowledged", "xihu", "已派网格员核实")
    after = client.get(done.headers["location"]).text
    assert "已确认。" in after and "已派网格员核实" in after and 'value="acknowledged"' not in after
    client.post("/alerts/status", {"fingerprint": GAS, "status": "resolved", "note": "已关阀"}, page=f"/alerts/{GAS}")
    assert site.store.get_alert(GAS).status == "resolved"
    assert GAS not in unescape(client.get("/alerts").text)
    assert GAS in unescape(client.get("/alerts?tab=resolved").text)
    again = client.post("/alerts/status", {"fingerprint": GAS, "status": "acknowledged"}, page=f"/alerts/{GAS}")
    assert again.status_code == 409  # a resolved alert is reopened, not acknowledged


def test_correcting_a_category_changes_the_post_and_records_the_correction(site):
    client = site.client("admin")
    response = client.post("/corrections", {"post_id": "riverside:1015", "field": "category", "value": "utilities",
                                            "note": "宽带属于公共设施"}, page="/posts/riverside:1015")
    assert response.status_code == 303 and response.headers["location"] == "/posts/riverside:1015?corrected=category"
    assert site.store.get_post("riverside:1015").enrichment.category == "utilities"
    [correction] = site.store.corrections()
    assert (correction.post_id, correction.field, correction.old, correction.new, correction.by, correction.note) == (
        "riverside:1015", "category", "other", "utilities", "admin", "宽带属于公共设施")
    page = client.get(response.headers["location"]).text
    assert "已更正类别" in page and "人工更正：admin" in page and "宽带属于公共设施" in page
    assert client.post("/corrections", {"post_id": "riverside:1015", "field": "sentiment", "value": "positive"},
                       page="/posts/riverside:1015").status_code == 400
    assert client.post("/corrections", {"post_id": "riverside:1015", "field": "risk", "value": "extreme"},
                       page="/posts/riverside:1015").status_code == 400
    outsider = site.client("gongshu")
    assert outsider.post("/corrections", {"post_id": "riverside:1001", "field": "risk", "value": "none"},
                         page="/").status_code == 404
    assert site.store.get_post("riverside:1001").enrichment.risk == "critical"


def test_the_hostile_post_is_shown_as_text_everywhere(site):
    client = site.client("admin")
    page = client.get(f"/posts/{HOSTILE_ID}")
    assert page.status_code == 200
    assert_page_inert(page.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    assert "<script>alert(1)</script>" in text_of(page.text)
    results = client.get("/search?q=测试").text
    assert_page_inert(results)
    assert "<mark>测试</mark>&lt;script&gt;alert(" in results and "<script>" not in results


def test_a_post_with_an_onerror_attribute_and_a_javascript_link_stays_inert(site):
    nasty = make_post(50, "riverside", '<img src=x onerror="alert(1)">', '"><svg onload=alert(2)> <a href="javascript:'
                      'alert(3)">点</a> 燃气', "utilities", "high", "negative", (XIHU,), NOW.replace(hour=3))
    nasty = nasty.model_copy(update={"url": "javascript:alert(4)"})
    site.store.upsert_posts([nasty])
    client = site.client("admin")
    for url in (f"/posts/{nasty.id}", "/search?q=燃气", "/", "/search?q=svg"):
        html = client.get(url).text
        assert_page_inert(html)
        assert "<img" not in html and "<svg onload" not in html
    post_page = client.get(f"/posts/{nasty.id}").text
    assert 'onerror="alert(1)"' in text_of(post_page) and "查看原帖" not in post_page  # no javascript: link


def test_post_page_shows_labels_evidence_places_duplicates_and_topic(site):
    repost = make_post(60, "tieba_hz", "转：燃气泄漏", "翠苑小区3号楼燃气泄漏，味道很大，物业不管！", "utilities",
                       "critical", "negative", (XIHU,), NOW.replace(day=1, hour=12), dup_group="riverside:1001",
                       topic_id="t-gas")
    site.store.upsert_posts([repost])
    html = site.client("admin").get("/posts/riverside:1001").text
    text = text_of(html)
    assert "危急（红）" in text and "90%" in text and "浙江省 / 杭州市 / 西湖区" in text and "330106" in text
    assert "转：燃气泄漏" in text  # near-duplicate and topic member
    assert "/topics/t-gas" in html and 'href="http://forum.test/t/1"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_hot_topics_are_ranked_by_heat_and_a_topic_shows_its_posts(site):
    client = site.client("admin")
    html = client.get("/topics").text
    assert "热度 = 近24小时帖子数 × 3 + 近7天帖子数" in html
    assert "北山街道电梯故障" in html and "/topics/t-lift" in html
    row = re.search(r'<td class="heat">(\d+)</td><td>(\d+)</td><td>(\d+)</td>', html)
    assert row.groups() == ("9", "2", "3")  # 2 posts in 24 h x 3 + 3 in 7 days
    topic = client.get("/topics/t-lift").text
    assert topic.count('class="title" href="/posts/') == 3 and "北山街道" in topic and "电梯" in topic
    assert client.get("/topics/no-such-topic").status_code == 404
    assert "t-lift" not in client_for(site, "gongshu").get("/topics").text


def client_for(site, user):
    return site.client(user)


def test_not_found_and_wrong_method_are_pages(site):
    client = site.client("admin")
    assert client.get("/posts/nosuch:1").status_code == 404
    assert client.get("/alerts/nosuch").status_code == 404
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "未找到" in missing.text
    assert client.http.get("/corrections").status_code == 405


def test_the_store_being_down_is_a_page_not_a_traceback(site):
    from indexer.store import StoreUnavailable

    def down(*args, **kwargs):
        raise StoreUnavailable("connection refused")

    client = site.client("admin")
    site.store.top = down  # every page's first query
    response = client.get("/")
    assert response.status_code == 503 and "存储服务暂时不可用" in response.text and "Traceback" not in response.text
    site.store.count = down
    assert client.get("/healthz").status_code == 503


def test_pages_render_for_every_user(site):
    for user in ("admin", "xihu", "beishan", "gongshu"):
        client = site.client(user)
        for url in ("/", "/alerts", "/alerts?tab=resolved", "/search", "/search?q=电梯", "/topics"):
            response = client.get(url)
            assert response.status_code == 200, (user, url, response.text[:500])
            assert_page_inert(response.text)


def test_the_same_pages_over_elasticsearch(tmp_path, es_store):
    """The page asks only the Store interface: over Elasticsearch it shows what it shows over SQLite."""

    site = make_site(tmp_path, fill_store(es_store))
    admin = site.client("admin")
    assert re.findall(r'<div class="value">(\d+)</div>', admin.get("/").text)[:3] == ["5", "14", "6"]
    found = admin.get("/search?q=燃气&sort=newest").text
    assert "共 <strong>3</strong> 条" in found and found.count("<mark>燃气</mark>") >= 3
    assert '<td class="heat">9</td>' in admin.get("/topics").text
    street = site.client("beishan")
    assert GAS not in unescape(street.get("/alerts").text) and LIFT in unescape(street.get("/alerts").text)
    assert street.get("/posts/riverside:1001").status_code == 404
    assert street.post("/alerts/status", {"fingerprint": LIFT, "status": "acknowledged", "note": "已核实"},
                       page=f"/alerts/{LIFT}").status_code == 303
    assert site.store.get_alert(LIFT).status == "acknowledged"
    assert admin.post("/corrections", {"post_id": "riverside:1015", "field": "risk", "value": "low"},
                      page="/posts/riverside:1015").status_code == 303
    assert site.store.get_post("riverside:1015").enrichment.risk == "low"
    page = admin.get(f"/posts/{HOSTILE_ID}").text
    assert_page_inert(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    rows = admin.get("/search.csv").content.decode("utf-8").splitlines()
    assert rows[0].startswith("\ufeff发布时间") and len(rows) == 1 + 20
