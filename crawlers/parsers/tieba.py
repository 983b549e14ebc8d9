"""Baidu Tieba pages: a bar's thread list, a thread page and the 楼中楼 comment JSON, parsed offline.

Markup followed (Tieba PC pages): thread ``/p/TID?pn=K``, title in ``h3.core_title_txt[title]``; each floor a
``div.l_post`` whose ``data-field`` holds JSON (``author.user_name``, ``author.user_id``,
``content.post_id``, ``content.thread_id``, ``content.post_no``); text in ``div#post_content_PID``; floor
and time in ``span.tail-info``; pager in ``li.l_pager`` (``下一页``); reply count in ``li.l_reply_num``.
Comments inside a floor come from ``/p/totalComment?tid=TID&pn=K`` as
``data.comment_list[PID].comment_info[]``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector

from .common import BoardPage, PageParseError, ParsedPost, ThreadPage, ThreadSummary, element_text, query_param
from .times import TimeParseError, from_epoch, parse_cn_time

__all__ = ["parse_thread_page", "parse_board_page", "parse_comments", "comment_url"]

_TID_IN_PATH = re.compile(r"/p/(\d+)")
_FLOOR = re.compile(r"^(\d+)楼$")
_DATETIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}")
# Compiled once; per-floor CSS look-ups by id would be re-translated for every floor.
_TAILS = etree.XPath(".//span[contains(concat(' ', normalize-space(@class), ' '), ' tail-info ')]/text()")
_BY_ID = etree.XPath(".//*[@id=$id]")


def parse_thread_page(html: str, url: str, fetched_at: datetime) -> ThreadPage:
    """Title, floors and next-page URL of a Tieba thread page."""
    sel = Selector(text=html)
    m = _TID_IN_PATH.search(urlsplit(url).path)
    if not m:
        raise PageParseError(f"no thread id in Tieba URL {url}")
    title_node = sel.css("h3.core_title_txt, h1.core_title_txt")
    title = (title_node.attrib.get("title") or " ".join(title_node.css("::text").getall())).strip() if title_node else ""
    posts = []
    for div in sel.css("div.l_post"):
        post = _parse_floor(div, fetched_at, url)
        if post is not None:
            posts.append(post)
    if not posts:
        raise PageParseError(f"no floors found on Tieba page {url} (title {title!r})")
    if not title:
        raise PageParseError(f"no thread title on {url}")
    reply = sel.css("li.l_reply_num span.red::text").get()
    return ThreadPage(
        thread_id=m.group(1),
        title=title,
        page=int(query_param(url, "pn") or 1),
        posts=tuple(posts),
        next_page_url=_pager_link(sel, url),
        reply_count=int(reply) if reply and reply.strip().isdigit() else None,
    )


def parse_board_page(html: str, url: str, fetched_at: datetime) -> BoardPage:
    """Threads listed on one page of a bar (``/f?kw=KW&pn=OFFSET``)."""
    sel = Selector(text=html)
    threads = []
    for li in sel.css("li.j_thread_list"):
        data = _data_field(li.attrib.get("data-field"))
        link = li.css("a.j_th_tit")
        tid = str(data.get("id") or li.attrib.get("data-tid") or "")
        if not tid.isdigit() or not link:
            continue
        reply = data.get("reply_num")
        threads.append(
            ThreadSummary(
                thread_id=tid,
                title=(link.attrib.get("title") or " ".join(link.css("::text").getall())).strip(),
                url=urljoin(url, link.attrib.get("href", f"/p/{tid}")),
                reply_count=int(reply) if isinstance(reply, int) or str(reply).isdigit() else None,
                sticky=bool(data.get("is_top")),
            )
        )
    if not threads and not sel.css("#thread_list"):
        raise PageParseError(f"no thread list on Tieba bar page {url}")
    href = sel.css("#frs_list_pager a.next::attr(href)").get()
    offset = int(query_param(url, "pn") or 0)
    return BoardPage(threads=tuple(threads), next_page_url=urljoin(url, href) if href else None, page=offset)


def parse_comments(json_text: str, url: str, fetched_at: datetime) -> list[ParsedPost]:
    """楼中楼 replies from ``/p/totalComment``: one post per comment, ``reply_to`` = its floor's id."""
    try:
        payload = json.loads(json_text)
    except json.JSONDecodeError as exc:
        raise PageParseError(f"comment JSON at {url} does not parse: {exc}") from None
    if not isinstance(payload, dict) or payload.get("errno", 0) != 0:
        raise PageParseError(f"comment endpoint {url} answered an error: {str(payload)[:200]}")
    comment_list = (payload.get("data") or {}).get("comment_list") or {}
    if not isinstance(comment_list, dict):  # the real endpoint answers [] when there are none
        return []
    posts = []
    for pid, entry in comment_list.items():
        for info in (entry or {}).get("comment_info") or []:
            text = element_text(lxml_html.fragment_fromstring(info.get("content") or "", create_parent="div"))
            cid = info.get("comment_id") or _derived_id(pid, info)
            posts.append(
                ParsedPost(
                    post_id=f"c{cid}",
                    floor=None,
                    author=str(info.get("username") or "匿名"),
                    author_id=str(info["user_id"]) if info.get("user_id") else None,
                    published_at=from_epoch(info.get("now_time") or fetched_at.timestamp()),
                    text=text,
                    reply_to=str(pid),
                )
            )
    return posts


def comment_url(thread_url: str, thread_id: str, page: int) -> str:
    """The ``totalComment`` URL for the floors of one thread page."""
    return urljoin(thread_url, f"totalComment?tid={thread_id}&pn={page}")


def _parse_floor(div: Selector, fetched_at: datetime, url: str) -> ParsedPost | None:
    data = _data_field(div.attrib.get("data-field"))
    content, author = data.get("content") or {}, data.get("author") or {}
    pid = content.get("post_id")
    if not pid:  # advertisements and placeholders carry no post id
        return None
    tails = [t.strip() for t in _TAILS(div.root)]
    floor = content.get("post_no") or next((int(m.group(1)) for t in tails if (m := _FLOOR.match(t))), None)
    stamp = next((t for t in tails if _DATETIME.search(t)), None)
    if stamp is None:
        raise PageParseError(f"floor {pid} on {url} has no time")
    try:
        published = parse_cn_time(stamp, fetched_at)
    except TimeParseError as exc:
        raise PageParseError(f"floor {pid} on {url}: {exc}") from None
    body = _BY_ID(div.root, id=f"post_content_{pid}")
    return ParsedPost(
        post_id=str(pid),
        floor=int(floor) if floor else None,
        author=str(author.get("user_name") or author.get("name") or "匿名"),
        author_id=str(author["user_id"]) if author.get("user_id") else None,
        published_at=published,
        text=element_text(body[0]) if body else "",
        deleted=not body,
    )


def _data_field(raw: str | None) -> dict:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _pager_link(sel: Selector, url: str) -> str | None:
    for a in sel.css("li.l_pager a"):
        if "".join(a.css("::text").getall()).strip() == "下一页":
            return urljoin(url, a.attrib["href"])
    return None


def _derived_id(pid: str, info: dict) -> str:
    key = f"{pid}|{info.get('user_id')}|{info.get('now_time')}|{info.get('content')}"
    return "h" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
