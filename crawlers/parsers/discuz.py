"""Discuz! X pages: a board's thread list and a thread page, parsed without any network.

Markup followed (Discuz! X3.x default template): threads in ``tbody#normalthread_TID`` (``stickthread_TID``
for pinned ones) with the title link ``a.s.xst``; each floor in ``div#post_PID`` with the text in
``td.t_f#postmessage_PID``, the author in ``div.authi a.xw1``, the time in ``em#authorpostonPID`` (absolute,
or relative with the absolute time in ``span[title]``), the floor in ``a#postnumPID em``; pagination in
``div.pg`` with ``a.nxt``. See ``crawlers/demo_forum/PAGES.md`` for a full example.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from .common import (
    BoardPage,
    LoginRequired,
    PageParseError,
    ParsedPost,
    ThreadPage,
    ThreadSummary,
    element_text,
    query_param,
)
from .times import TimeParseError, parse_cn_time

__all__ = ["parse_thread_page", "parse_board_page", "parse_login_form"]

_POST_DIV = re.compile(r"^post_(\d+)$")
_PID_IN_HREF = re.compile(r"[?&]pid=(\d+)")
_UID_IN_HREF = re.compile(r"[?&]uid=(\d+)")
_FLOOR_NAMES = {"楼主": 1, "沙发": 2, "板凳": 3, "地板": 4}
_LOGIN_MESSAGES = ("尚未登录", "您需要登录", "请先登录")


def parse_thread_page(html: str, url: str, fetched_at: datetime) -> ThreadPage:
    """Title, floors (deleted ones flagged) and next-page URL of a Discuz! thread page."""
    sel = Selector(text=html)
    _raise_for_message(sel, url)
    thread_id = query_param(url, "tid")
    if not thread_id:
        raise PageParseError(f"no tid in thread URL {url}")
    title = " ".join(sel.css("#thread_subject ::text").getall()).strip()
    posts = []
    for div in sel.xpath('//div[starts-with(@id, "post_")]'):
        m = _POST_DIV.match(div.attrib.get("id", ""))
        if m:
            posts.append(_parse_floor(div, m.group(1), fetched_at, url))
    if not posts:
        raise PageParseError(f"no floors found on thread page {url} (title {title!r})")
    if not title:
        raise PageParseError(f"no thread title on {url}")
    return ThreadPage(
        thread_id=thread_id,
        title=title,
        page=int(query_param(url, "page") or 1),
        posts=tuple(posts),
        next_page_url=_next_url(sel, url),
        reply_count=_thread_reply_count(sel),
    )


def parse_board_page(html: str, url: str, fetched_at: datetime) -> BoardPage:
    """The threads listed on one page of a board (``forum.php?mod=forumdisplay``)."""
    sel = Selector(text=html)
    _raise_for_message(sel, url)
    threads = []
    for body in sel.xpath('//tbody[starts-with(@id, "normalthread_") or starts-with(@id, "stickthread_")]'):
        body_id = body.attrib["id"]
        tid = body_id.split("_", 1)[1]
        link = body.css("a.s.xst") or body.css("a.xst")
        if not tid.isdigit() or not link:
            continue
        replies = body.css("td.num a.xi2::text").get()
        threads.append(
            ThreadSummary(
                thread_id=tid,
                title=" ".join(link.css("::text").getall()).strip(),
                url=urljoin(url, link.attrib.get("href", f"forum.php?mod=viewthread&tid={tid}")),
                reply_count=int(replies) if replies and replies.strip().isdigit() else None,
                sticky=body_id.startswith("stickthread_"),
            )
        )
    if not threads and not sel.css("#threadlisttableid, #threadlist"):
        raise PageParseError(f"no thread list on board page {url}")
    return BoardPage(threads=tuple(threads), next_page_url=_next_url(sel, url), page=int(query_param(url, "page") or 1))


def parse_login_form(html: str, url: str) -> tuple[str, dict[str, str]] | None:
    """Discuz!'s login form (``form#loginform``): its absolute action URL and hidden fields (``formhash``).

    None when the page has no login form.
    """
    form = Selector(text=html).css("form#loginform")
    if not form:
        return None
    hidden = {
        i.attrib["name"]: i.attrib.get("value", "")
        for i in form.css('input[type="hidden"]')
        if i.attrib.get("name")
    }
    return urljoin(url, form.attrib.get("action", "")), hidden


def _raise_for_message(sel: Selector, url: str) -> None:
    message = " ".join(sel.css("#messagetext ::text").getall()).strip()
    if message and any(word in message for word in _LOGIN_MESSAGES):
        raise LoginRequired(f"login required for {url}: {message}")
    error = " ".join(sel.css(".alert_error ::text").getall()).strip()
    if error and not sel.css('div[id^="post_"], tbody[id^="normalthread_"]'):
        raise PageParseError(f"forum error page at {url}: {error[:200]}")


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Compiled once: per-floor look-ups by id would otherwise re-translate CSS for every floor.
_AUTHOR = etree.XPath(f".//div[{_has_class('authi')}]/a[{_has_class('xw1')}]")
_FLOOR_EM = etree.XPath(".//a[@id=$id]/em//text()")
_BY_ID = etree.XPath(".//*[@id=$id]")
_LOCKED = etree.XPath(f".//div[{_has_class('locked')}]")


def _parse_floor(div: Selector, pid: str, fetched_at: datetime, url: str) -> ParsedPost:
    root = div.root
    authors = _AUTHOR(root)
    author = "".join(authors[0].itertext()).strip() if authors else ""
    uid_match = _UID_IN_HREF.search(authors[0].get("href", "")) if authors else None
    floor_text = "".join(_FLOOR_EM(root, id=f"postnum{pid}")).strip()
    floor = _FLOOR_NAMES.get(floor_text) or (int(floor_text) if floor_text.isdigit() else None)
    message = _BY_ID(root, id=f"postmessage_{pid}")
    deleted = not message and bool(_LOCKED(root))
    text, reply_to = ("", None) if deleted else _message_text(message[0] if message else None, pid, url)
    return ParsedPost(
        post_id=pid,
        floor=floor,
        author=author or "匿名",
        author_id=uid_match.group(1) if uid_match else None,
        published_at=_floor_time(root, pid, fetched_at, url),
        text=text,
        reply_to=reply_to,
        deleted=deleted,
    )


def _floor_time(root, pid: str, fetched_at: datetime, url: str) -> datetime:
    ems = _BY_ID(root, id=f"authorposton{pid}")
    if not ems:
        raise PageParseError(f"floor {pid} on {url} has no time")
    titled = [span.get("title") for span in ems[0].iter("span") if span.get("title")]
    raw = titled[0] if titled else "".join(ems[0].itertext())
    try:
        return parse_cn_time(raw, fetched_at)
    except TimeParseError as exc:
        raise PageParseError(f"floor {pid} on {url}: {exc}") from None


def _message_text(root, pid: str, url: str) -> tuple[str, str | None]:
    if root is None:
        raise PageParseError(f"floor {pid} on {url} has no message body")
    reply_to = None
    for link in root.iter("a"):
        in_quote = any(_is_quote(a) for a in link.iterancestors())
        in_reply_header = any(a.tag == "strong" for a in link.iterancestors())
        if in_quote or in_reply_header:
            if m := _PID_IN_HREF.search(link.get("href", "")):
                reply_to = m.group(1)
                break
    text = element_text(root, skip=lambda e: _is_quote(e) or (e.tag == "strong" and _is_reply_header(e)))
    return text, reply_to


def _is_quote(el) -> bool:
    """Quoted text and Discuz!'s "本帖最后由 X 于 T 编辑" edit note are not the post's own words."""
    classes = (el.get("class") or "").split()
    return el.tag == "blockquote" or (el.tag == "div" and "quote" in classes) or "pstatus" in classes


def _is_reply_header(el) -> bool:
    return (el.text or "").strip().startswith("回复") and any(_PID_IN_HREF.search(a.get("href", "")) for a in el.iter("a"))


def _next_url(sel: Selector, url: str) -> str | None:
    href = sel.css("div.pg a.nxt::attr(href)").get()
    return urljoin(url, href) if href else None


def _thread_reply_count(sel: Selector) -> int | None:
    numbers = sel.css("div.hm span.xi1::text").getall()
    if len(numbers) >= 2 and numbers[1].strip().isdigit():
        return int(numbers[1])
    return None
