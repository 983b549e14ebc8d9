"""Pages parsed per second by each engine's parser, on saved demo-forum pages.

Baseline, measured in the same run on the same pages: building the lxml tree alone (``lxml.html.fromstring``),
the floor any parser on lxml pays. The ratio says how much our extraction costs on top of parsing HTML.

    python bench/bench_parsers.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lxml.html  # noqa: E402

from crawlers.demo_forum import save_pages  # noqa: E402
from crawlers.parsers import discuz, tieba  # noqa: E402


def rate(fn, pages, seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for page in pages:
            fn(page)
        done += len(pages)
    return done / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        save_pages.main([tmp])
        index = json.loads((Path(tmp) / "index.json").read_text(encoding="utf-8"))
        now = datetime.now(timezone.utc)
        groups = {"discuz": [], "tieba": []}
        for entry in index:
            if entry.get("kind") != "thread" or entry.get("error"):
                continue
            html = (Path(tmp) / entry["file"]).read_bytes().decode(entry["charset"])
            groups[entry["engine"]].append((html, entry["url"]))
    parsers = {"discuz": discuz.parse_thread_page, "tieba": tieba.parse_thread_page}
    for engine, pages in groups.items():
        typical = [p for p in pages if len(p[0]) < 100_000]  # without the 200,000-character floor's page
        for label, subset in (("all saved pages", pages), ("pages under 100 KB", typical)):
            if not subset:
                continue
            ours = rate(lambda p: parsers[engine](p[0], p[1], now), subset, args.seconds)
            base = rate(lambda p: lxml.html.fromstring(p[0]), subset, args.seconds)
            print(f"{engine:7} parse_thread_page, {label} ({len(subset)}): {ours:6.0f} pages/s; "
                  f"baseline lxml.html.fromstring alone: {base:6.0f} pages/s; ratio {ours / base:.2f}")


if __name__ == "__main__":
    main()
