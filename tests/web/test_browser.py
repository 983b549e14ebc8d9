"""The web page in a real browser: Debian's headless Chromium driven by Selenium against uvicorn on 127.0.0.1.

One browser and one server for the module, used in order as a monitor would: log in, read the overview,
search and see the highlights, open an alert and acknowledge it, correct a post's category, and look at the
hostile post, which must stay text (no dialog, no script run). A screenshot of each page is saved to
``test-artifacts/web/``.

Chromium and its driver are Debian packages (``make system-deps`` installs them). Missing: a clear failure
under CI, a skip elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.indexer.samples import XIHU, make_post

from .conftest import HOSTILE_ID, NOW, PASSWORD, make_site

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
GAS = "urgent:t-gas"


def _need_browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[test]')")
    if missing:
        message = (f"headless browser test needs {', '.join(missing)}: "
                   "run `make system-deps` (Debian chromium, chromium-driver)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _need_browser()
    import uvicorn

    site = make_site(tmp_path_factory.mktemp("web"))
    # a post whose markup would run script if it were not escaped: an onerror handler setting a global
    trap = make_post(70, "riverside", '<img src=x onerror="window.__pwned=1">燃气表', '<svg onload="window.__pwned=2">'
                     '<script>window.__pwned=3</script>燃气表漏气', "utilities", "medium", "negative", (XIHU,),
                     NOW.replace(hour=4))
    site.store.upsert_posts([trap])
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield site, f"http://127.0.0.1:{port}", trap.id
    uv.should_exit = True
    thread.join(timeout=10)
    site.store.close()


@pytest.fixture(scope="module")
def browser(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--window-size=1366,900", "--lang=zh-CN", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(20)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def shoot(driver, name: str) -> None:
    """A full-page screenshot (the window grown to the page's height) as a test artefact."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, max(700, min(height + 40, 4000)))
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    driver.set_window_size(1366, 900)


def click_and_wait(driver, element) -> None:
    """Click something that loads a page, and wait until the new page has replaced the old one."""
    from selenium.webdriver.support.wait import WebDriverWait

    element.click()
    WebDriverWait(driver, 15).until(lambda _: _detached(element))
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _detached(element) -> bool:
    """True once ``element`` has left the document. Asked while the old page is being torn down, ChromeDriver
    sometimes answers "Node with given id does not belong to the document" (an unknown error) instead of a
    stale-element error: that answer means the same."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return True
        raise
    return False


def no_dialog(driver) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        driver.switch_to.alert  # noqa: B018  (raises when there is no dialog)
    except NoAlertPresentException:
        return True
    return False


def find(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def find_all(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def log_in(browser, base: str, name: str) -> None:
    """Be logged in as ``name`` (each test can run alone; in order, the first one logs in through the form)."""
    browser.get(base + "/login")
    users = find_all(browser, ".who .user")
    if users and users[0].text == name:
        return
    if users:
        click_and_wait(browser, find(browser, "form.inline button"))  # log out
    find(browser, "input[name=name]").send_keys(name)
    find(browser, "input[name=password]").send_keys(PASSWORD)
    click_and_wait(browser, find(browser, ".login button[type=submit]"))
    assert find(browser, ".who .user").text == name


def test_log_in_and_see_the_overview(server, browser):
    site, base, _ = server
    browser.get(base + "/")
    assert "/login" in browser.current_url  # not logged in: sent to the login page
    shoot(browser, "login")
    find(browser, "input[name=name]").send_keys("xihu")
    find(browser, "input[name=password]").send_keys("wrong-password")
    click_and_wait(browser, find(browser, ".login button[type=submit]"))
    assert "用户名或密码不正确" in find(browser, ".flash.bad").text
    find(browser, "input[name=password]").send_keys(PASSWORD)
    click_and_wait(browser, find(browser, ".login button[type=submit]"))
    assert browser.current_url == base + "/"
    assert find(browser, "h1").text.startswith("总览")
    values = [e.text for e in find_all(browser, ".card .value")]
    assert values[0] == "3"  # today in 西湖区 (with its 北山街道): two posts of the lift topic and the trap post
    assert find_all(browser, "svg.chart rect") and "西湖区" in find(browser, "table.areas").text
    shoot(browser, "overview")


def test_search_for_a_term_and_see_it_highlighted(server, browser):
    _, base, _ = server
    log_in(browser, base, "xihu")
    browser.get(base + "/search")
    box = find(browser, "input[name=q]")
    box.send_keys("燃气")
    click_and_wait(browser, find(browser, ".search-form button[type=submit]"))
    marks = find_all(browser, ".snippet mark")
    assert marks and {m.text for m in marks} == {"燃气"}
    assert "共 3 条" in find(browser, ".result-head").text  # 西湖区: the two gas posts and the trap post
    shoot(browser, "search")


def test_open_an_alert_and_acknowledge_it(server, browser):
    site, base, _ = server
    log_in(browser, base, "xihu")
    browser.get(base + "/alerts")
    shoot(browser, "alerts")
    link = [a for a in find_all(browser, "table.list a") if "燃气泄漏" in a.text][0]
    click_and_wait(browser, link)
    assert "红色预警" in find(browser, "h1").text and find_all(browser, "ul.posts li")
    form = find(browser, "form.action")
    form.find_element("name", "note").send_keys("已派网格员上门核实")
    click_and_wait(browser, form.find_element("css selector", "button[type=submit]"))
    assert "已确认" in find(browser, ".flash.good").text
    assert "已派网格员上门核实" in find(browser, "table.history").text
    alert = site.store.get_alert(GAS)
    assert alert.status == "acknowledged" and alert.history[-1].by == "xihu"
    shoot(browser, "alert")


def test_correct_a_posts_category(server, browser):
    from selenium.webdriver.support.select import Select

    site, base, _ = server
    log_in(browser, base, "xihu")
    browser.get(base + "/posts/riverside:1001")
    form = find(browser, "#correct-category")
    Select(form.find_element("name", "value")).select_by_visible_text("消防安全")
    form.find_element("name", "note").send_keys("楼道堆物引发")
    click_and_wait(browser, form.find_element("css selector", "button[type=submit]"))
    assert "已更正类别" in find(browser, ".flash.good").text
    labels = find(browser, "table.labels").text
    assert "消防安全" in labels and "人工更正：xihu" in labels
    assert site.store.get_post("riverside:1001").enrichment.category == "fire_safety"
    assert site.store.corrections()[-1].by == "xihu"
    shoot(browser, "post")


def test_the_hostile_posts_are_shown_as_text(server, browser):
    site, base, trap_id = server
    log_in(browser, base, "xihu")
    browser.get(base + f"/posts/{trap_id}")
    assert find(browser, "h1").text == '<img src=x onerror="window.__pwned=1">燃气表'
    assert "<script>window.__pwned=3</script>" in find(browser, ".post-text").text
    assert browser.execute_script("return window.__pwned === undefined") and no_dialog(browser)
    assert browser.execute_script("return document.scripts.length") == 0
    shoot(browser, "hostile-post")
    browser.get(base + "/search?q=燃气表")
    assert find(browser, ".snippet mark").text == "燃气表"
    assert browser.execute_script("return window.__pwned === undefined") and no_dialog(browser)
    shoot(browser, "hostile-search")
    # the sample's <script>alert(1)</script> post names no place: only an office seeing every area has it
    log_in(browser, base, "admin")
    browser.get(base + f"/posts/{HOSTILE_ID}")
    assert find(browser, "h1").text == "<script>alert(1)</script>" and no_dialog(browser)
    assert "<script>alert('x')</script>" in find(browser, ".post-text").text
    shoot(browser, "hostile-sample")


def test_hot_topics_page(server, browser):
    _, base, _ = server
    log_in(browser, base, "xihu")
    browser.get(base + "/topics")
    assert "北山街道电梯故障" in find(browser, "table.topics").text
    shoot(browser, "topics")
    click_and_wait(browser, find(browser, "table.topics a"))
    assert len(find_all(browser, "ul.posts li")) == 3
    shoot(browser, "topic")
