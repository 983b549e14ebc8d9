"""HTML of the imitated Discuz! X3.4 pages: forum index, board list, thread page, messages, login form.

Functions take model objects and already-chosen page contents and return ``str``; the site handler
(``site_discuz``) decides what to show and encodes the result. The markup follows PAGES.md, wrapped
in the surrounding chrome of a real X3.4 page (header, breadcrumb, footer, ``<base href>``).
Floors are rendered by ``render_discuz_post``.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import quote

from .model import Board, Site, Thread
from .render_discuz_post import floor_html
from .timefmt import discuz_date, discuz_datetime

DOCTYPE = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
           '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">')


def page(site: Site, title: str, body: str, now: datetime, *, pg: str = "forumdisplay", crumbs: str = "",
         user: str | None = None) -> str:
    """A complete Discuz page around ``body``."""
    uid = "1" if user else "0"
    if user:
        um = (f'<strong class="vwmy"><a href="home.php?mod=space&amp;uid=1" target="_blank">{escape(user)}</a></strong>'
              '<span class="pipe">|</span><a href="member.php?mod=logging&amp;action=logout">退出</a>')
    else:
        um = ('<a href="member.php?mod=logging&amp;action=login">登录</a><span class="pipe">|</span>'
              '<a href="member.php?mod=register">立即注册</a>')
    return f"""{DOCTYPE}
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={site.charset}" />
<title>{escape(title)} - Powered by Discuz!</title>
<meta name="keywords" content="{escape(site.title)}" />
<meta name="generator" content="Discuz! X3.4" />
<meta name="author" content="Discuz! Team and Comsenz UI Team" />
<meta http-equiv="X-UA-Compatible" content="IE=edge" />
<base href="/{site.prefix}/" /><link rel="stylesheet" type="text/css" href="data/cache/style_1_common.css?Rx3" />
<script type="text/javascript">var STYLEID = '1', STATICURL = 'static/', IMGDIR = 'static/image/common', VERHASH = 'Rx3', charset = '{site.charset}', discuz_uid = '{uid}', cookiepre = '{site.cookie_prefix}', cookiedomain = '', cookiepath = '/{site.prefix}/', showusercard = '1', attackevasive = '0', disallowfloat = 'newthread', creditnotice = '', defaultstyle = '', REPORTURL = '', SITEURL = '/{site.prefix}/', JSPATH = 'static/js/';</script>
<script src="static/js/common.js?Rx3" type="text/javascript"></script>
</head>
<body id="nv_forum" class="pg_{pg}" onkeydown="if(event.keyCode==27) return false;">
<div id="append_parent"></div><div id="ajaxwaitid"></div>
<div id="hd"><div class="wp"><div class="hdc cl"><h2><a href="./" title="{escape(site.title)}"><img src="static/image/common/logo.png" alt="{escape(site.title)}" border="0" /></a></h2>
<div id="um"><p>{um}</p></div></div>
<div id="nv"><ul><li class="a" id="mn_forum"><a href="forum.php" hidefocus="true" title="BBS">论坛<span>BBS</span></a></li><li id="mn_home"><a href="home.php" hidefocus="true" title="Space">家园<span>Space</span></a></li></ul></div></div></div>
<div id="wp" class="wp">
<div id="pt" class="bm cl"><div class="z"><a href="./" class="nvhm" title="首页">{escape(site.title)}</a> <em>&raquo;</em> <a href="forum.php">论坛</a>{crumbs}</div></div>
{body}
</div>
<div id="ft" class="wp cl"><div id="flk" class="y"><p><a href="forum.php?mod=misc&amp;action=showdarkroom">小黑屋</a><span class="pipe">|</span><a href="forum.php?mobile=yes">手机版</a><span class="pipe">|</span><strong><a href="./" target="_blank">{escape(site.title)}</a></strong></p></div>
<div id="frt"><p>Powered by <strong><a href="http://www.discuz.net" target="_blank">Discuz!</a></strong> <em>X3.4</em></p><p class="xs0">GMT+8, {discuz_datetime(now)}</p></div></div>
</body>
</html>
"""


def board_crumb(board: Board) -> str:
    return f' <em>&rsaquo;</em> <a href="forum.php?mod=forumdisplay&amp;fid={board.fid}">{escape(board.name)}</a>'


def pager(base: str, page_no: int, pages: int) -> str:
    """Discuz's ``div.pg``; empty when there is one page. ``base`` is an already-escaped href."""
    if pages <= 1:
        return ""
    parts = []
    if page_no > 1:
        parts.append(f'<a href="{base}&amp;page={page_no - 1}" class="prev">&nbsp;&nbsp;</a>')
    low, high = max(1, page_no - 4), min(pages, max(page_no + 5, 10))
    if low > 1:
        parts.append(f'<a href="{base}&amp;page=1" class="first">1 ...</a>')
    for number in range(low, high + 1):
        if number == page_no:
            parts.append(f"<strong>{number}</strong>")
        else:
            parts.append(f'<a href="{base}&amp;page={number}">{number}</a>')
    if high < pages:
        parts.append(f'<a href="{base}&amp;page={pages}" class="last">... {pages}</a>')
    parts.append(f'<label><input type="text" name="custompage" class="px" size="2" title="输入页码，按回车快速跳转" '
                 f'value="{page_no}" /><span title="共 {pages} 页"> / {pages} 页</span></label>')
    if page_no < pages:
        parts.append(f'<a href="{base}&amp;page={page_no + 1}" class="nxt">下一页</a>')
    return '<div class="pg">' + "".join(parts) + "</div>"


def forum_index(site: Site, boards: list[tuple[Board, int]], now: datetime, user: str | None) -> str:
    rows = "".join(
        f'<tr><td class="fl_g"><dl><dt><a href="forum.php?mod=forumdisplay&amp;fid={board.fid}">{escape(board.name)}</a></dt>'
        f'<dd><em>主题: {count}</em></dd></dl></td></tr>\n' for board, count in boards)
    body = (f'<div id="ct" class="wp cl"><div class="bm bmw flg cl"><div class="bm_h cl"><h2><a href="forum.php">{escape(site.title)}</a></h2></div>'
            f'<div id="category_1" class="bm_c"><table cellspacing="0" cellpadding="0" class="fl_tb">\n{rows}</table></div></div></div>')
    return page(site, site.title, body, now, pg="index", user=user)


def thread_row(site: Site, thread: Thread, replies: int, views: int, last_author: str, last_at: datetime,
               sticky: bool) -> str:
    tid, first = thread.tid, thread.posts[0]
    kind = "stickthread" if sticky else "normalthread"
    return f"""<tbody id="{kind}_{tid}">
<tr>
<th class="common"><a href="forum.php?mod=viewthread&amp;tid={tid}&amp;extra=page%3D1" onclick="atarget(this)" class="s xst">{escape(thread.title)}</a></th>
<td class="by"><cite><a href="home.php?mod=space&amp;uid={first.uid}" c="1">{escape(first.author)}</a></cite><em><span>{discuz_date(first.created_at)}</span></em></td>
<td class="num"><a href="forum.php?mod=viewthread&amp;tid={tid}" class="xi2">{replies}</a><em>{views}</em></td>
<td class="by"><cite><a href="home.php?mod=space&amp;username={quote(last_author, encoding=site.charset)}" c="1">{escape(last_author)}</a></cite><em><a href="forum.php?mod=redirect&amp;tid={tid}&amp;goto=lastpost#lastpost">{discuz_datetime(last_at)}</a></em></td>
</tr>
</tbody>
"""


def thread_list(site: Site, board: Board, rows: list[str], sticky_rows: list[str], page_no: int, pages: int,
                total: int, today: int, now: datetime, user: str | None) -> str:
    base = f"forum.php?mod=forumdisplay&amp;fid={board.fid}"
    pg = pager(base, page_no, pages)
    separator = ('<tbody id="separatorline"><tr class="ts"><td>&nbsp;</td><th><em>&nbsp;</em> 版块主题</th>'
                 '<td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td></tr></tbody>\n')
    body = f"""<div class="boardnav"><div id="ct" class="wp cl">
<div class="bm bml pbn"><div class="bm_h cl"><h1 class="xs2"><a href="{base}">{escape(board.name)}</a> <span class="xs1 xw0 i">今日: <strong class="xi1">{today}</strong><span class="pipe">|</span>主题: <strong class="xi1">{total}</strong></span></h1></div></div>
<div id="pgt" class="bm bw0 pgs cl"><span id="fd_page_top">{pg}</span><a href="forum.php?mod=post&amp;action=newthread&amp;fid={board.fid}" id="newspecial" title="发新帖"><img src="static/image/common/pn_post.png" alt="发新帖" /></a></div>
<div id="threadlist" class="tl bm bmw"><div class="th"><table cellspacing="0" cellpadding="0"><tr><th colspan="2">主题</th><td class="by">作者</td><td class="num">回复/查看</td><td class="by">最后发表</td></tr></table></div>
<div class="bm_c"><form method="post" autocomplete="off" name="moderate" id="moderate" action="forum.php?mod=topicadmin&amp;action=moderate&amp;fid={board.fid}&amp;infloat=yes&amp;nopost=yes">
<table summary="forum_{board.fid}" cellspacing="0" cellpadding="0" id="threadlisttableid">
{"".join(sticky_rows)}{separator}{"".join(rows)}</table></form></div></div>
<div class="bm bw0 pgs cl"><span id="fd_page_bottom">{pg}</span></div>
</div></div>"""
    return page(site, f"{board.name} - {site.title}", body, now, crumbs=board_crumb(board), user=user)


def thread_page(site: Site, board: Board, thread: Thread, floors: list, page_no: int, pages: int, replies: int,
                views: int, now: datetime, user: str | None) -> str:
    """``floors`` are the posts shown on this page."""
    base = f"forum.php?mod=viewthread&amp;tid={thread.tid}&amp;extra=page%3D1"
    pg = pager(base, page_no, pages)
    posts = "".join(floor_html(site, thread, post, now) for post in floors)
    body = f"""<div id="ct" class="wp cl">
<div id="pgt" class="pgs mbm cl ">{pg}<span class="y pgb"><a href="forum.php?mod=forumdisplay&amp;fid={board.fid}">返回列表</a></span></div>
<div id="postlist" class="pl bm">
<table cellspacing="0" cellpadding="0"><tr>
<td class="pls ptn pbn"><div class="hm ptn"><span class="xg1">查看:</span> <span class="xi1">{views}</span><span class="pipe">|</span><span class="xg1">回复:</span> <span class="xi1">{replies}</span></div></td>
<td class="plc ptm pbn vwthd"><h1 class="ts"><span id="thread_subject">{escape(thread.title)}</span></h1>
<span class="xg1"><a href="forum.php?mod=viewthread&amp;tid={thread.tid}" onclick="return copyThreadUrl(this, '{escape(site.title)}')">[复制链接]</a></span></td>
</tr></table>
{posts}<div id="postlistreply" class="pl"><div id="post_new" class="viewthread_table" style="display: none"></div></div>
</div>
<div class="pgs mtm mbm cl">{pg}<span class="pgb y"><a href="forum.php?mod=forumdisplay&amp;fid={board.fid}">返回列表</a></span></div>
</div>"""
    crumbs = board_crumb(board) + f' <em>&rsaquo;</em> <a href="forum.php?mod=viewthread&amp;tid={thread.tid}">{escape(thread.title)}</a>'
    return page(site, f"{thread.title} - {board.name} - {site.title}", body, now, pg="viewthread", crumbs=crumbs, user=user)


def message(site: Site, text: str, now: datetime, *, kind: str = "alert_info", user: str | None = None) -> str:
    """Discuz's message page (``div#messagetext``), used for errors, login results and permissions."""
    body = (f'<div id="ct" class="wp cl w"><div class="nfl"><div class="f_c altw"><div id="messagetext" class="{kind}">'
            f'<p>{text}</p><script type="text/javascript" reload="1">if(typeof errorhandle_=="function") {{errorhandle_(\'{text}\', {{}});}}</script>'
            f'<p class="alert_btnleft"><a href="javascript:history.back()">[ 点击这里返回上一页 ]</a></p></div></div></div></div>')
    return page(site, "提示信息", body, now, pg="message", user=user)


def login_form(site: Site, formhash: str, now: datetime) -> str:
    body = f"""<div id="ct" class="ptm wp w cl"><div class="mn" id="main_message"><div class="bm"><div class="bm_h bbs"><h3 class="xs2">登录</h3></div>
<div class="bm_c"><form method="post" autocomplete="off" name="login" id="loginform" action="member.php?mod=logging&amp;action=login&amp;loginsubmit=yes">
<input type="hidden" name="formhash" value="{formhash}" />
<input type="hidden" name="referer" value="/{site.prefix}/forum.php" />
<div class="rfm"><table><tr><th><label for="username">用户名:</label></th><td><input type="text" name="username" id="username" autocomplete="off" size="30" class="px p_fre" tabindex="1" value="" /></td></tr></table></div>
<div class="rfm"><table><tr><th><label for="password">密码:</label></th><td><input type="password" id="password" name="password" size="30" class="px p_fre" tabindex="1" /></td></tr></table></div>
<div class="rfm mbw bw0"><table width="100%"><tr><th>&nbsp;</th><td><button class="pn pnc" type="submit" name="loginsubmit" value="true" tabindex="1"><strong>登录</strong></button></td></tr></table></div>
</form></div></div></div></div>"""
    return page(site, "登录", body, now, pg="logging")


def space(site: Site, name: str, now: datetime) -> str:
    body = f'<div id="ct" class="wp cl"><div class="bm"><div class="bm_h"><h1 class="mt">{escape(name)}的个人资料</h1></div></div></div>'
    return page(site, f"{name}的个人资料", body, now, pg="space")


def db_error(site: Site) -> str:
    """The page Discuz prints when MySQL fails: no chrome, no posts."""
    return f"""{DOCTYPE}
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={site.charset}" />
<title>{escape(site.title)} - Discuz! Database Error</title>
<meta name="ROBOTS" content="NOINDEX,NOFOLLOW,NOARCHIVE" />
</head>
<body>
<div id="container">
<h1>Discuz! Database Error</h1>
<div class="alert_error">Discuz! Database Error</div>
<div class='info'><li>[Type] 查询语句错误</li><li>[2013] Lost connection to MySQL server during query</li><li>[Query] SELECT * FROM pre_forum_post_0 WHERE tid=? ORDER BY dateline LIMIT 0,10</li></div>
<div class="info"><p><strong>PHP Debug</strong></p><table cellpadding="5" cellspacing="1" width="100%" class="table"><tr><th>No.</th><th>File</th><th>Line</th><th>Code</th></tr>
<tr class="bg1"><td>1</td><td>forum.php</td><td>71</td><td>require(%s)</td></tr></table></div>
<div class="help"><a href="http://www.discuz.net">Discuz!</a> 已经将此出错信息详细记录, 由此给您带来的访问不便我们深感歉意</div>
</div>
</body>
</html>
"""
