"""Web page tests: the real application over a real SQLite store holding the sample posts and their alerts.

``make_site(tmp_path)`` fills a store with ``tests.indexer.samples.make_posts()`` (16 posts over 2024-03-01..10,
one of them hostile), runs a post rule so that there are alerts to handle, writes a users file (an admin and
monitors of 西湖区, 北山街道 and 拱墅区) and builds the app with its clock fixed at ``NOW``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from alerts.routing import Routing
from alerts.rules import PostRule
from alerts.runner import AlertRunner
from indexer.sqlite_store import SqliteStore
from sheqing.settings import Settings
from tests.indexer.samples import BEISHAN, CST, GONGSHU, make_post, make_posts
from web import create_app
from web.auth import Area, User, UsersFile, hash_password

from ..indexer.es_support import es_server, es_store  # noqa: F401  (fixtures: the pages over Elasticsearch too)

NOW = datetime(2024, 3, 10, 23, 30, tzinfo=CST)
PASSWORD = "lake-view-2024"
_HASH = hash_password(PASSWORD)  # one scrypt hash for every test user (hashing is slow on purpose)
USERS = (
    User("admin", "admin", (), _HASH),
    User("xihu", "monitor", (Area("西湖区", "330106"),), _HASH),
    User("beishan", "monitor", (Area("北山街道", "330106001"),), _HASH),
    User("gongshu", "monitor", (Area("拱墅区", "330105"),), _HASH),
)
ALERT_RULES = [PostRule(name="urgent", type="post", min_risk="medium", lookback_hours=24 * 14)]
HOSTILE_ID = "oldtown:1016"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class NoMail:
    def send(self, message):  # pragma: no cover - no recipients are configured
        raise AssertionError("no e-mail expected")


def extra_posts():
    """Beside the samples: a topic of the last two days in 北山街道, and a post that looks like a formula."""
    lift = [make_post(20 + i, "tieba_hz", "北山街道电梯故障", f"北山街道小区电梯又停了，第{i + 1}次反映",
                      "building_safety", "low", "negative", (BEISHAN,), NOW - timedelta(hours=2 + 20 * i),
                      topic_id="t-lift", author=40 + i)
            for i in range(3)]
    formula = make_post(30, "oldtown", '=HYPERLINK("http://evil.test","点我")', "@SUM(1+1) 小区门口积水",
                        "utilities", "none", "neutral", (GONGSHU,), NOW - timedelta(days=2))
    return [*lift, formula]


def fill_store(store):
    """The samples, the extra posts and their alerts, in ``store`` (a path: a new SQLite file)."""
    store = SqliteStore(store) if isinstance(store, Path) else store
    store.upsert_posts([*make_posts(), *extra_posts()])
    AlertRunner(store, ALERT_RULES, Routing(), NoMail()).run(NOW)
    return store


@dataclass
class WebSite:
    app: object
    store: SqliteStore
    settings: Settings
    users: UsersFile

    def client(self, user: str | None = None, password: str = PASSWORD) -> "Client":
        client = Client(TestClient(self.app, base_url="http://testserver", follow_redirects=False))
        if user:
            response = client.login(user, password)
            assert response.status_code == 303, response.text
        return client


class Client:
    """A TestClient that knows the page's CSRF token."""

    def __init__(self, http: TestClient):
        self.http = http

    def get(self, url: str, **kw):
        return self.http.get(url, **kw)

    def csrf(self, url: str = "/login") -> str:
        match = CSRF.search(self.http.get(url).text)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url: str, data: dict, *, csrf: str | None = None, page: str = "/"):
        token = self.csrf(page) if csrf is None else csrf
        return self.http.post(url, data={**data, "csrf": token} if token != "" else data)

    def login(self, name: str, password: str = PASSWORD):
        return self.post("/login", {"name": name, "password": password}, page="/login")


def make_site(tmp_path: Path, store: SqliteStore | None = None, home_area: str = "") -> WebSite:
    settings = Settings(data_dir=tmp_path / "var", web_secret="test-web-secret", home_area=home_area)
    users = UsersFile(settings.web_users_path)
    for user in USERS:
        users.put(user)
    store = store or fill_store(tmp_path / "store.sqlite")
    app = create_app(settings, store, clock=lambda: NOW, users=users)
    return WebSite(app=app, store=store, settings=settings, users=users)


@pytest.fixture
def site(tmp_path):
    site = make_site(tmp_path)
    yield site
    site.store.close()
