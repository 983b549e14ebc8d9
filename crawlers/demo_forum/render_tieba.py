"""HTML and JSON of the imitated Baidu Tieba pages: bar list, thread page, 楼中楼 (totalComment).

Functions take model objects and already-chosen page contents and return ``str``; the site handler
(``site_tieba``) decides what to show. Links are absolute paths under ``/tieba/``; ``data-field``
attributes hold HTML-escaped JSON, as on the real site.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from urllib.parse import quote

from .model import Board, Post, Thread
from .timefmt import tieba_datetime, tieba_list_time

SMILEY = ('<img class="BDE_Smiley" width="30" height="30" changedsize="false" '
          'src="/tieba/static/emoticon/image_emoticon25.png" >')


def data_field(value) -> str:
    return escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")), quote=True)


def bar_href(kw: str, pn: int | None = None) -> str:
    href = f"/tieba/f?kw={quote(kw)}&amp;ie=utf-8"
    return href if pn is None else f"{href}&amp;pn={pn}"


def page(title: str, kw: str, body: str) -> str:
    return f"""<!DOCTYPE html><!--STATUS OK--><html>
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="keywords" content="贴吧,{escape(kw)}">
<title>{escape(title)}</title>
<link rel="stylesheet" href="/tieba/static/common.css" />
<script>var PageData = {{"tbs":"a1b2c3d4e5f60718293a","charset":"UTF-8","user":{{"is_login":0}}}};</script>
</head>
<body>
<div id="com_userbar" class="userbar"><ul><li><a href="/tieba/home/main" rel="noreferrer">我的贴吧</a></li></ul></div>
<div class="wrap1"><div class="wrap2">
<div class="card_title"><a class="card_title_fname" title="" href="{bar_href(kw)}">{escape(kw)}吧</a></div>
{body}
</div></div>
<div class="footer"><p>&copy;2024 Baidu <a href="/tieba/static/protocol.html">贴吧协议</a></p></div>
</body>
</html>
"""


def list_item(thread: Thread, reply_num: int, last: Post, last_at: str) -> str:
    first = thread.posts[0]
    field = data_field({"id": thread.tid, "author_name": first.author, "first_post_id": first.pid,
                        "reply_num": reply_num, "is_good": False, "is_top": False})
    abstract = escape(first.text.replace("\n", " ")[:60])
    return f"""<li class=" j_thread_list clearfix thread_item_box" data-field="{field}" data-tid="{thread.tid}">
<div class="t_con cleafix">
<div class="col2_left j_threadlist_li_left"><span class="threadlist_rep_num center_text" title="回复">{reply_num}</span></div>
<div class="col2_right j_threadlist_li_right "><div class="threadlist_lz clearfix">
<div class="threadlist_title pull_left j_th_tit "><a rel="noreferrer" href="/tieba/p/{thread.tid}" title="{escape(thread.title)}" target="_blank" class="j_th_tit ">{escape(thread.title)}</a></div>
<div class="threadlist_author pull_right"><span class="tb_icon_author " title="主题作者: {escape(first.author)}" data-field="{data_field({"user_id": first.uid})}"><a rel="noreferrer" class="frs-author-name j_user_card " href="/tieba/home/main?un={quote(first.author)}" target="_blank">{escape(first.author)}</a></span></div>
</div>
<div class="threadlist_detail clearfix"><div class="threadlist_text pull_left"><div class="threadlist_abs threadlist_abs_onlyline ">{abstract}</div></div>
<div class="threadlist_author pull_right"><span class="tb_icon_author_rely j_replyer" title="最后回复人: {escape(last.author)}"><a rel="noreferrer" class="frs-author-name j_user_card " href="/tieba/home/main?un={quote(last.author)}" target="_blank">{escape(last.author)}</a></span>
<span class="threadlist_reply_date pull_right j_reply_data" title="最后回复时间">{last_at}</span></div></div>
</div></div>
</li>
"""


def bar_list(board: Board, items: list[tuple[Thread, int, Post]], pn: int, total: int, now: datetime,
             per_page: int = 50) -> str:
    kw = board.kw
    rows = "".join(list_item(thread, replies, last, tieba_list_time(last.created_at, now))
                   for thread, replies, last in items)
    last_pn = max(0, (total - 1) // per_page * per_page)
    parts = []
    if pn > 0:
        parts.append(f'<a href="{bar_href(kw, 0)}" class="first pagination-item ">首页</a>')
        parts.append(f'<a href="{bar_href(kw, max(0, pn - per_page))}" class="pre pagination-item ">&lt;上一页</a>')
    for number in range(0, last_pn + 1, per_page):
        if number == pn:
            parts.append(f'<span class="pagination-current pagination-item ">{number // per_page + 1}</span>')
        else:
            parts.append(f'<a href="{bar_href(kw, number)}" class=" pagination-item ">{number // per_page + 1}</a>')
    if pn < last_pn:
        parts.append(f'<a href="{bar_href(kw, pn + per_page)}" class="next pagination-item ">下一页&gt;</a>')
        parts.append(f'<a href="{bar_href(kw, last_pn)}" class="last pagination-item ">尾页</a>')
    body = f"""<div id="content_leftList" class="content_leftList clearfix"><div id="pagelet_frs-list/pagelet/thread_list" class="pagelet">
<ul id="thread_list" class="threadlist_bright j_threadlist_bright">
{rows}</ul>
<div class="thread_list_bottom clearfix"><div id="frs_list_pager" class="pagination-default clearfix">{"".join(parts)}</div></div>
</div></div>"""
    return page(f"{kw}吧-百度贴吧", kw, body)


def content_html(post: Post) -> str:
    text = "<br>".join(escape(line) for line in post.text.split("\n"))
    if post.style == "smiley":
        text += SMILEY
    return "            " + text


def floor_html(board: Board, thread: Thread, post: Post, comment_num: int) -> str:
    field = data_field({"author": {"user_id": post.uid, "user_name": post.author, "props": None},
                        "content": {"post_id": post.pid, "is_anonym": False, "forum_id": board.fid,
                                    "thread_id": thread.tid, "content": None, "post_no": post.floor,
                                    "comment_num": comment_num}})
    client = f'<span class="tail-info">来自{post.client}客户端</span>' if post.client else ""
    return f"""<div class="l_post l_post_bright j_l_post clearfix  " data-field="{field}">
<div class="d_author"><ul class="p_author"><li class="d_name" data-field="{data_field({"user_id": post.uid})}"><a class="p_author_name j_user_card" href="/tieba/home/main?un={quote(post.author)}">{escape(post.author)}</a></li></ul></div>
<div class="d_post_content_main"><div class="p_content"><cc><div id="post_content_{post.pid}" class="d_post_content j_d_post_content " style="display:;">{content_html(post)}</div><br></cc></div>
<div class="core_reply j_lzl_wrapper"><div class="core_reply_tail"><div class="post-tail-wrap">{client}<span class="tail-info">{post.floor}楼</span><span class="tail-info">{tieba_datetime(post.created_at)}</span></div></div></div></div>
</div>
"""


def thread_pager(tid: int, pn: int, pages: int, replies: int) -> str:
    parts = []
    if pn > 1:
        parts.append(f'<a href="/tieba/p/{tid}">首页</a><a href="/tieba/p/{tid}?pn={pn - 1}">上一页</a>')
    if pages > 1:
        for number in range(1, pages + 1):
            parts.append(f'<span class="tP">{number}</span>' if number == pn else f'<a href="/tieba/p/{tid}?pn={number}">{number}</a>')
    if pn < pages:
        parts.append(f'<a href="/tieba/p/{tid}?pn={pn + 1}">下一页</a><a href="/tieba/p/{tid}?pn={pages}">尾页</a>')
    return (f'<ul class="l_posts_num"><li class="l_pager pager_theme_4 pb_list_pager">{"".join(parts)}</li>\n'
            f'<li class="l_reply_num" style="margin-left:8px"><span class="red" style="margin-right:3px">{replies}</span>'
            f'回复贴，共<span class="red">{pages}</span>页</li></ul>')


def thread_page(board: Board, thread: Thread, floors: list[tuple[Post, int]], pn: int, pages: int, replies: int) -> str:
    """``floors`` are (post, number of visible comments) for this page."""
    pager = thread_pager(thread.tid, pn, pages, replies)
    posts = "".join(floor_html(board, thread, post, count) for post, count in floors)
    title = escape(thread.title)
    body = f"""<div class="left_section">
<div class="core_title_wrap_bright clearfix"><div class="core_title core_title_theme_bright"><h3 class="core_title_txt pull-left text-overflow  " title="{title}" style="width: 396px">{title}</h3></div></div>
<div class="p_thread thread_theme_5" id="thread_theme_5"><div class="l_thread_info">{pager}</div></div>
<div class="p_postlist" id="j_p_postlist">
{posts}</div>
<div class="p_thread thread_theme_7" id="thread_theme_7"><div class="l_thread_info">{pager}</div></div>
</div>"""
    return page(f"{thread.title}_{board.kw}吧_百度贴吧", board.kw, body)


def total_comment(thread: Thread, floors: list[tuple[Post, list]]) -> str:
    """The totalComment JSON for the floors of one page; ``floors`` are (post, visible comments)."""
    comment_list = {}
    for post, comments in floors:
        if not comments:
            continue
        comment_list[str(post.pid)] = {
            "comment_num": len(comments), "comment_list_num": len(comments),
            "comment_info": [{"thread_id": thread.tid, "post_id": post.pid, "comment_id": c.cid, "username": c.author,
                              "user_id": c.uid, "now_time": int(c.created_at.timestamp()), "content": escape(c.text),
                              "ptype": "0", "during_time": "0"} for c in comments]}
    return json.dumps({"errno": 0, "errmsg": "success", "data": {"comment_list": comment_list or []}},
                      separators=(",", ":"))
