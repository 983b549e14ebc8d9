"""HTML of one Discuz! X3.4 floor (``div#post_PID``), including its message body.

The body is built from the post's plain text: lines joined by ``<br />``, and depending on the post's
style a ``<font>`` run, ``&nbsp;`` indentation, a smiley ``<img>`` or the "本帖最后由 ... 编辑" note;
replies may start with a quote block or a "回复 N# NAME" line. Deleted floors show 该帖被删除.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from .model import Post, Site, Thread
from .timefmt import discuz_datetime, discuz_relative

FLOOR_NAMES = {1: "楼主", 2: "沙发", 3: "板凳", 4: "地板"}
BR = "<br />\r\n"
SMILEY = '<img src="static/image/smiley/default/sweat.gif" smilieid="10" border="0" alt="" />'


def posted_at(site: Site, moment: datetime, now: datetime) -> str:
    """``发表于 ...`` with the absolute or relative time, as the site writes it."""
    absolute = discuz_datetime(moment)
    relative = discuz_relative(moment, now)
    if relative is None:
        return f"发表于 {absolute}"
    if site.relative_span:
        return f'发表于 <span title="{absolute}">{relative}</span>'
    return f"发表于 {relative}"


def message_html(thread: Thread, post: Post) -> str:
    lines = [escape(line) for line in post.text.split("\n")]
    if post.style == "indent":
        lines = ["&nbsp; &nbsp; " + line for line in lines]
    if post.style == "font" and lines:
        lines[0] = f'<font color="Red"><strong>{lines[0]}</strong></font>'
    if post.style == "font" and len(lines) > 1:
        lines[-1] = f'<font size="4">{lines[-1]}</font>'
    text = BR.join(lines)
    if post.style == "smiley":
        text += SMILEY
    head = ""
    if post.style == "edited":
        edited = discuz_datetime(post.created_at + timedelta(minutes=7))
        head += f'<i class="pstatus"> 本帖最后由 {escape(post.author)} 于 {edited} 编辑 </i>{BR}{BR}'
    if post.quote_of is not None:
        quoted = post.quote_of
        snippet = quoted.text.replace("\n", " ")
        snippet = escape(snippet[:60] + (" ..." if len(snippet) > 60 else ""))
        head += ('<div class="quote"><blockquote><font size="2"><a href="forum.php?mod=redirect&amp;goto=findpost'
                 f'&amp;pid={quoted.pid}&amp;ptid={thread.tid}" target="_blank"><font color="#999999">'
                 f'{escape(quoted.author)} 发表于 {discuz_datetime(quoted.created_at)}</font></a></font>{BR}'
                 f'{snippet}</blockquote></div>{BR}')
    elif post.reply_to is not None:
        target = post.reply_to
        head += (f'<strong>回复 <a href="forum.php?mod=redirect&amp;goto=findpost&amp;pid={target.pid}&amp;ptid={thread.tid}" '
                 f'target="_blank">{target.floor}#</a> <i>{escape(target.author)}</i></strong> {BR}')
    return head + text


def floor_html(site: Site, thread: Thread, post: Post, now: datetime) -> str:
    pid, tid = post.pid, thread.tid
    name = FLOOR_NAMES.get(post.floor, str(post.floor))
    if post.deleted:
        content = '<div class="pct"><div class="pcb"><div class="locked">提示: <em>该帖被删除</em></div></div></div>'
    else:
        content = ('<div class="pct"><div class="pcb"><div class="t_fsz"><table cellspacing="0" cellpadding="0"><tr>\n'
                   f'<td class="t_f" id="postmessage_{pid}">\n{message_html(thread, post)}</td></tr></table></div></div></div>')
    return f"""<div id="post_{pid}" >
<table id="pid{pid}" class="plhin" summary="pid{pid}" cellspacing="0" cellpadding="0">
<tr>
<td class="pls" rowspan="2"><div class="pi"><div class="authi"><a href="home.php?mod=space&amp;uid={post.uid}" target="_blank" class="xw1">{escape(post.author)}</a></div></div></td>
<td class="plc"><div class="pi"><strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;ptid={tid}&amp;pid={pid}" id="postnum{pid}" onclick="setCopy(this.href, '帖子地址复制成功');return false;"><em>{name}</em><sup>#</sup></a></strong>
<div class="pti"><div class="pdbt"></div><div class="authi"><img class="authicn vm" id="authicon{pid}" src="static/image/common/online_member.gif" />
<em id="authorposton{pid}">{posted_at(site, post.created_at, now)}</em>
<span class="pipe">|</span><a href="forum.php?mod=viewthread&amp;tid={tid}&amp;page=1&amp;authorid={post.uid}" rel="nofollow">只看该作者</a></div></div></div>
{content}
</td></tr>
<tr><td class="plc plm"></td></tr>
</table></div>
"""
