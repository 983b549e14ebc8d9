"""Write a representative set of demo-forum pages to a folder, for parser tests and benchmarks.

``python -m crawlers.demo_forum.save_pages OUTDIR [--seed 7] [--start 2024-03-01T12:00:00+08:00]``
renders pages in process (no server needed) and saves the exact bytes the server would send, plus
``index.json``: a list with, for each file, its URL (on http://127.0.0.1:8808), ``engine`` (discuz |
tieba), ``kind`` (board | thread | comments | login | message), ``error`` (why the page is not a clean page of its
kind, else null), status, content type, charset, ``fetched_at`` (the forum clock, for relative times)
and what it shows. The default start is fixed so the files are the same on every run.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from .clock import parse_start
from .server import ForumOptions, build_forum
from .timefmt import discuz_relative
from .web import Request

DEFAULT_START = "2024-03-01T12:00:00+08:00"
BASE_URL = "http://127.0.0.1:8808"


def _relative_kinds(thread, now) -> set[str]:
    kinds = set()
    for post in thread.visible_posts(now)[:10]:
        words = discuz_relative(post.created_at, now)
        kinds.add("absolute" if words is None else re.sub(r"[\d: ]", "", words))
    return kinds


def choose_pages(forum) -> list[tuple[str, str, str]]:
    """(file name, URL, what it shows) for each page to save."""
    now = forum.clock.now()
    sites = forum.corpus.sites
    river = sorted(sites["riverside"].boards[2].threads, key=lambda t: t.tid)
    old = sorted(sites["oldtown"].boards[3].threads, key=lambda t: t.tid)
    plain = [t for t in river if t.is_visible(now) and not (t.db_error or t.malformed or t.sticky)]
    long_thread = max(plain, key=lambda t: len(t.visible_posts(now)))
    pages = (len(long_thread.visible_posts(now)) + 9) // 10
    relative = max(plain, key=lambda t: (len(_relative_kinds(t, now)), -t.tid))
    deleted = next(t for t in plain if any(p.deleted for p in t.visible_posts(now)[:10]))
    quotes = next(t for t in plain if t is not long_thread and any(p.quote_of for p in t.visible_posts(now)[:10])
                  and any(p.reply_to for p in t.visible_posts(now)[:10]))
    huge = next(t for t in plain if any(len(p.text) >= 200_000 for p in t.posts))
    db_error = next(t for t in river if t.db_error)
    malformed = next(t for t in river if t.malformed)
    old_plain = [t for t in old if t.is_visible(now) and not (t.db_error or t.malformed or t.sticky)]
    old_relative = max(old_plain, key=lambda t: (len(_relative_kinds(t, now)), -t.tid))
    old_malformed = next(t for t in old if t.malformed)
    bar = sites["tieba"].boards[391245]
    tieba_long = max((t for t in bar.threads if t.is_visible(now)), key=lambda t: len(t.visible_posts(now)))
    view = "/riverside/forum.php?mod=viewthread&tid={}&extra=page%3D1&page={}"
    return [
        ("discuz_list_page1.html", "/riverside/forum.php?mod=forumdisplay&fid=2&page=1",
         "Discuz board list, first page: sticky thread, 20 normal threads, pager with a.nxt"),
        ("discuz_list_last.html", "/riverside/forum.php?mod=forumdisplay&fid=2&page=99",
         "Discuz board list, last page (page number past the end is clamped): no a.nxt"),
        ("discuz_thread_first.html", view.format(long_thread.tid, 1), f"Discuz thread page 1 of {pages}: 楼主, 沙发, 板凳, 地板"),
        ("discuz_thread_middle.html", view.format(long_thread.tid, 2), f"Discuz thread page 2 of {pages}"),
        ("discuz_thread_last.html", view.format(long_thread.tid, pages), f"Discuz thread last page ({pages}): no a.nxt"),
        ("discuz_thread_relative_span.html", view.format(relative.tid, 1),
         "Discuz thread with relative times inside <span title=\"absolute\"> (posts of the last 7 days)"),
        ("discuz_thread_deleted_floor.html", view.format(deleted.tid, 1), "Discuz thread with a deleted floor (div.locked 该帖被删除)"),
        ("discuz_thread_quotes.html", view.format(quotes.tid, 1), "Discuz thread with quote blocks and 回复 N# lines"),
        ("discuz_thread_db_error.html", view.format(db_error.tid, 1), "Discuz database-error page answered with 200, no posts"),
        ("discuz_thread_malformed.html", view.format(malformed.tid, 1),
         "Discuz thread with markup errors: unclosed <font>, stray end tags, &nbsp without ;, raw & in hrefs, one 0xFF byte"),
        ("discuz_thread_200k_floor.html", view.format(huge.tid, 1), "Discuz thread whose second floor is 200,000 characters"),
        ("discuz_login_required.html", "/riverside/forum.php?mod=forumdisplay&fid=5", "Discuz login-required board without a session"),
        ("discuz_login_form.html", "/riverside/member.php?mod=logging&action=login", "Discuz login form with hidden formhash"),
        ("gbk_list.html", "/oldtown/forum.php?mod=forumdisplay&fid=3", "GBK Discuz board list"),
        ("gbk_thread_relative.html", f"/oldtown/forum.php?mod=viewthread&tid={old_relative.tid}&extra=page%3D1",
         "GBK Discuz thread, relative times without span title"),
        ("gbk_thread_malformed.html", f"/oldtown/forum.php?mod=viewthread&tid={old_malformed.tid}&extra=page%3D1",
         "GBK Discuz thread with markup errors and one 0xFF byte"),
        ("tieba_list.html", "/tieba/f?kw=%E8%A5%BF%E6%B9%96%E5%8C%BA&ie=utf-8&pn=0", "Tieba bar list (西湖区)"),
        ("tieba_thread_p1.html", f"/tieba/p/{tieba_long.tid}", "Tieba thread page 1 of 2 (pager with 下一页 and 尾页)"),
        ("tieba_thread_p2.html", f"/tieba/p/{tieba_long.tid}?pn=2", "Tieba thread page 2 of 2 (no 下一页)"),
        ("tieba_total_comment.json", f"/tieba/p/totalComment?tid={tieba_long.tid}&fid={bar.fid}&pn=1",
         "Tieba 楼中楼 JSON for the floors of page 1"),
    ]


def save_pages(outdir: str | Path, seed: int = 7, start: str = DEFAULT_START) -> list[dict]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    forum = build_forum(ForumOptions(seed=seed, rate_limit=0, start=parse_start(start), speed=0))
    fetched_at = forum.clock.now().isoformat()
    index = []
    for name, url, shows in choose_pages(forum):
        response = forum.handle(Request.build("GET", url))
        (outdir / name).write_bytes(response.body)
        index.append({
            "file": name, "url": BASE_URL + url, "engine": "tieba" if url.startswith("/tieba/") else "discuz",
            "kind": _kind(name), "error": _error(name), "status": response.status,
            "content_type": response.content_type, "charset": response.content_type.partition("charset=")[2] or None,
            "fetched_at": fetched_at, "seed": seed, "shows": shows})
    (outdir / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return index


def _kind(name: str) -> str:
    if "_list" in name or name.startswith("gbk_list"):
        return "board"
    if name.endswith(".json"):
        return "comments"
    if "login_required" in name:
        return "message"
    if "login" in name:
        return "login"
    return "thread"


def _error(name: str) -> str | None:
    """Why a page is not a clean page of its kind, or None."""
    if "db_error" in name:
        return "database error page: no posts"
    if "malformed" in name:
        return "malformed markup and one invalid byte: decode with errors='replace'"
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.demo_forum.save_pages", description=__doc__.split("\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default=DEFAULT_START, help="clock start, ISO 8601")
    args = parser.parse_args(argv)
    index = save_pages(args.outdir, args.seed, args.start)
    print(f"saved {len(index)} pages and index.json in {args.outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
