"""Crawl throughput against the demo forum with throttling off, against plain sequential GETs.

Crawls every demo site from empty state (Scrapy, concurrency 8 per host, no delay, no AutoThrottle, no
rate limit on the forum), then fetches exactly the URLs the crawl fetched, one after another over one
keep-alive connection with ``http.client``: the baseline, measured in the same run on the same server.

    python bench/bench_crawl.py
"""

from __future__ import annotations

import http.client
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.demo_forum.launch import demo_forum_process  # noqa: E402
from crawlers.runner import crawl_site  # noqa: E402
from sheqing.settings import Settings  # noqa: E402

SITES = ("riverside", "oldtown", "tieba_hz")


def demo_log(base: str) -> list:
    with urllib.request.urlopen(base + "/_demo/stats") as resp:
        return json.load(resp)["log"]


def sequential_gets(base: str, paths: list[str]) -> float:
    host = urlsplit(base).netloc
    conn = http.client.HTTPConnection(host, timeout=30)
    start = time.perf_counter()
    for path in paths:
        conn.request("GET", path, headers={"User-Agent": "sheqing-bench"})
        conn.getresponse().read()
    elapsed = time.perf_counter() - start
    conn.close()
    return len(paths) / elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, demo_forum_process("--rate-limit", "0") as base:
        cfg = Settings(data_dir=Path(tmp), demo_forum_url=base, download_delay=0, autothrottle=False,
                       concurrency_per_domain=8, sites=list(SITES))
        pages = seconds = 0.0
        wall = time.perf_counter()
        for site in SITES:
            report = crawl_site(site, cfg)
            pages += report.stats["pages"]
            seconds += report.stats["duration_s"]
        wall = time.perf_counter() - wall
        paths = [entry[2] for entry in demo_log(base) if entry[1] == "GET" and entry[3] == 200]
        baseline = sequential_gets(base, paths)
    crawl_rate = pages / seconds
    print(f"crawl: {pages:.0f} pages in {seconds:.1f} s of crawling = {crawl_rate:.0f} pages/s "
          f"({pages / wall:.0f} pages/s counting {len(SITES)} subprocess start-ups, {wall:.1f} s)")
    print(f"baseline: sequential keep-alive GETs of the same {len(paths)} URLs: {baseline:.0f} pages/s")
    print(f"ratio crawl/baseline: {crawl_rate / baseline:.2f}")


if __name__ == "__main__":
    main()
