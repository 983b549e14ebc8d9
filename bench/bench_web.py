"""The monitors' web page over a SQLite store of 100,000 posts: overview and search latency, p50 and p95.

Store: the one ``bench_alerts.py`` builds (the posts of ``bench_store.py``: 2,000 real messages enriched,
repeated under new ids over a year), reused from ``bench/out/``; its alerts are raised first by the shipped
rules so that the overview and the inbox have some. Pages are requested through Starlette's TestClient
(routing, session cookie, the views, Jinja2 rendering, security headers: everything but the socket), logged
in as an admin (every area) and as a monitor of the most-posted district. The clock is the newest post.

Baseline, same run: the exact store calls a page made (recorded on a warm-up request), replayed alone on the
same store; the ratio (store / page) says how much of a page's time is the store's. Target: p95 under
300 ms for the overview and for a search.

    python bench/bench_web.py [--posts 100000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_alerts import Recorder, build_store  # noqa: E402
from bench_store import SEARCHES, percentiles  # noqa: E402

from alerts.routing import Routing  # noqa: E402
from alerts.rules import load_rules  # noqa: E402
from alerts.runner import AlertRunner  # noqa: E402
from sheqing.settings import Settings  # noqa: E402

TARGET_MS = 300
PASSWORD = "bench-password"


class StoreCalls(Recorder):
    """Every read a page makes, alerts and corrections included."""

    QUERIES = Recorder.QUERIES + ("alerts", "get_post", "get_alert", "corrections")


class NoMail:
    def send(self, message):  # no recipients are configured: nothing is sent
        pass


def search_url(query: dict) -> str:
    names = {"text": "q"}
    return "/search?" + urlencode({names.get(k, k): v for k, v in query.items()})


def measure(client, recorder: StoreCalls, urls: list[str], repeat: int):
    """Page times and, for the same pages, the time of their store calls alone."""
    calls = {}
    for url in urls:  # warm-up, and the calls to replay
        recorder.calls.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        calls[url] = list(recorder.calls)
    recorder.calls.clear()
    page, raw = [], []
    for _ in range(repeat):
        for url in urls:
            start = time.perf_counter()
            client.get(url)
            page.append(time.perf_counter() - start)
            recorder.calls.clear()
            start = time.perf_counter()
            for name, args, kwargs in calls[url]:
                getattr(recorder.store, name)(*args, **kwargs)
            raw.append(time.perf_counter() - start)
    return page, raw, sum(len(c) for c in calls.values()) / len(urls)


def report(name: str, page, raw, queries: float) -> bool:
    p50, p95 = percentiles(page)
    r50, r95 = percentiles(raw)
    ok = p95 < TARGET_MS
    print(f"{name:34} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({len(page)} requests, {queries:.0f} store calls each) | "
          f"store calls alone p50 {r50:6.1f} ms p95 {r95:6.1f} ms | ratio (store / page) {sum(raw) / sum(page):.2f}"
          f"{'' if ok else f'  ABOVE {TARGET_MS} ms'}")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    store, newest = build_store(args.posts)
    now = newest + timedelta(minutes=1)
    AlertRunner(store, load_rules(Settings().alert_rules_dir), Routing(), NoMail()).run(now)

    from starlette.testclient import TestClient

    from web import create_app
    from web.auth import Area, User, UsersFile, hash_password

    data_dir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    settings = Settings(data_dir=data_dir, web_secret="bench-secret")
    users = UsersFile(settings.web_users_path)
    district = (store.top(field="district_code", size=1) or store.top(field="places_all", size=1))[0][0]
    users.put(User("admin", "admin", (), hash_password(PASSWORD)))
    users.put(User("monitor", "monitor", (Area(district, district if district.isdigit() else None),),
                   hash_password(PASSWORD)))
    recorder = StoreCalls(store)
    app = create_app(settings, recorder, clock=lambda: now, users=users)
    print(f"{store.count():,} posts, {len(store.alerts(limit=10_000))} alerts; monitor's area: {district}; "
          f"now = {now:%Y-%m-%d %H:%M}")

    ok = True
    for user in ("admin", "monitor"):
        client = TestClient(app, follow_redirects=False)
        page = client.get("/login").text
        token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        assert client.post("/login", data={"name": user, "password": PASSWORD, "csrf": token}).status_code == 303
        ok &= report(f"overview ({user})", *measure(client, recorder, ["/"], args.repeat))
        ok &= report(f"search, {len(SEARCHES)} queries ({user})",
                     *measure(client, recorder, [search_url(q) for q in SEARCHES], max(2, args.repeat // 5)))
        report(f"alert inbox ({user})", *measure(client, recorder, ["/alerts"], max(2, args.repeat // 4)))
        report(f"hot topics ({user})", *measure(client, recorder, ["/topics"], max(2, args.repeat // 4)))
    print(f"target: overview and search p95 under {TARGET_MS} ms: {'met' if ok else 'NOT met'}")
    store.close()


if __name__ == "__main__":
    main()
