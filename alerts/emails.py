"""The early-warning e-mail: one alert, its numbers, its evidence, as HTML with a plain-text twin.

``alert_email(alert, posts, trend, sender=..., recipient=...)`` builds a ``multipart/alternative`` message:
``text/plain`` first, then ``multipart/related`` holding the HTML and the trend chart as an inline PNG that the
HTML shows through ``cid:``. The HTML uses inline styles only (what mail clients keep), no scripts and no
external resources.

Everything that came from a forum (titles, texts, place names, URLs) is untrusted: it reaches the HTML only
through ``html.escape``, and only http(s) URLs are ever linked (``safe_href``). The small helpers here
(``esc``, ``safe_href``, ``excerpt``, ``local_time``, ``change_text``) are shared with the daily brief.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import quote, urlsplit

from indexer.query import LOCAL_TZ
from sheqing.labels import (
    ALERT_LEVEL_NAMES, ALERT_STATUS_NAMES, CATEGORY_NAMES, LEVEL_COLOURS, OFFICES, RISK_NAMES, alert_numbers,
)
from sheqing.records import Alert, EnrichedPost, PlaceMention

from .charts import trend_png

__all__ = [
    "alert_email", "alert_subject", "esc", "safe_href", "post_href", "excerpt", "local_time",
    "header_text", "message_id", "place_text", "clean", "page", "FONT_STACK",
]

FONT_STACK = ("-apple-system,'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',"
              "'WenQuanYi Micro Hei',Arial,sans-serif")
EXCERPT_CHARS = 200
MAX_EVIDENCE = 5
CHART_CID = "trend"

# control characters and bidirectional overrides (which can make a title read backwards) never reach output
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


# -- shared helpers -------------------------------------------------------------------------------
def clean(value: object) -> str:
    """A string without control or direction-override characters."""
    return _CONTROL.sub("", str(value))


def esc(value: object) -> str:
    """Text for HTML: cleaned, then escaped (quotes too, so it is safe in attributes)."""
    return html.escape(clean(value), quote=True)


def header_text(value: object, limit: int = 160) -> str:
    """Text for a mail header: one line, bounded."""
    text = " ".join(clean(value).replace("\u2028", " ").replace("\u2029", " ").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def safe_href(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL without whitespace or control characters, else None."""
    if not url:
        return None
    url = url.strip()
    if _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def post_href(post: EnrichedPost, web_url: str = "") -> str | None:
    """Where a post links: its page on the monitors' web site when configured, else the forum (if http(s))."""
    if web_url and safe_href(web_url):
        return f"{web_url.rstrip('/')}/posts/{quote(post.id, safe=':')}"
    return safe_href(post.url)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a post's text, whitespace collapsed, at most ``limit`` characters (… when cut). Not escaped."""
    body = " ".join(clean(text).split())
    return body if len(body) <= limit else body[:limit - 1] + "…"


def local_time(value: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time as Beijing time."""
    value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def place_text(place: PlaceMention) -> str:
    """A place as written, with its administrative path when it was resolved. Not escaped."""
    path = " / ".join(place.path)
    return f"{place.text}（{path}）" if path and path != place.text else place.text


def message_id(sender: str, *parts: object) -> str:
    """A Message-ID derived from ``parts``: the same message state gives the same id (receivers drop repeats)."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    domain = re.sub(r"[^A-Za-z0-9.-]", "", domain) or "sheqing.localhost"
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]
    return f"<sheqing.{digest}@{domain}>"


def _numbers(alert: Alert) -> list[tuple[str, str]]:
    return alert_numbers(alert.numbers)


# -- the e-mail -----------------------------------------------------------------------------------
def alert_subject(alert: Alert, *, update: bool = False) -> str:
    level = ALERT_LEVEL_NAMES[alert.level] + ("·更新" if update else "")
    return f"[{level}] {header_text(alert.title, 120)}"


def alert_email(alert: Alert, posts: list[EnrichedPost], trend: list[tuple[datetime, int]], *, sender: str,
                recipient: str, web_url: str = "", update: bool = False, now: datetime | None = None,
                max_posts: int = MAX_EVIDENCE) -> EmailMessage:
    """The e-mail for ``alert`` to one recipient; ``update`` when the alert grew since it was last sent.

    ``posts`` are the evidence posts (the first ``max_posts`` are shown, the rest counted), ``trend`` the
    posts per day (or hour) for the chart; with an empty trend the e-mail has no chart.
    """
    now = now or datetime.now(timezone.utc)
    subject = alert_subject(alert, update=update)
    chart = trend_png(trend, "相关帖子数量趋势") if trend else None
    facts = _facts(alert, posts, web_url, max_posts)
    # the id names this state of the alert for this recipient: a repeat of the same e-mail keeps it (receivers
    # drop the copy), any change (an update, new numbers or evidence) gives a new one
    mid = message_id(sender, "alert", alert.fingerprint, recipient, update, alert.level, alert.updated_at.isoformat(),
                     sorted(alert.numbers.items(), key=str), alert.post_ids)
    cid = f"{CHART_CID}.{mid.strip('<>')}" if chart is not None else None

    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(now if now.tzinfo else now.replace(tzinfo=timezone.utc))
    msg["Message-ID"] = mid
    msg["X-Sheqing-Fingerprint"] = header_text(alert.fingerprint, 200)
    msg["X-Sheqing-Level"] = alert.level
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    msg.set_content(_text(alert, facts, update, web_url), cte="base64")
    msg.add_alternative(_html(alert, facts, update, subject, cid, web_url), subtype="html", cte="base64")
    if chart is not None:
        msg.get_payload()[1].add_related(chart, "image", "png", cid=f"<{cid}>", filename="trend.png",
                                         disposition="inline")
    return msg


def _facts(alert: Alert, posts: Sequence[EnrichedPost], web_url: str, max_posts: int) -> dict:
    """Everything both parts show, as plain (unescaped) strings."""
    evidence = []
    for post in list(posts)[:max_posts]:
        e = post.enrichment
        evidence.append({
            "title": " ".join(clean(post.title).split()) or "（无标题）",
            "time": local_time(post.published_at),
            "risk": RISK_NAMES.get(e.risk, e.risk),
            "category": CATEGORY_NAMES.get(e.category, e.category),
            "excerpt": excerpt(post.text),
            "href": post_href(post, web_url),
            "site": post.site,
        })
    category = CATEGORY_NAMES.get(alert.category, alert.category) if alert.category else "—"
    office = alert.office or (OFFICES.get(alert.category, "") if alert.category else "") or "未指定"
    return {
        "category": category, "office": office, "numbers": _numbers(alert), "evidence": evidence,
        "more": max(0, max(len(posts), len(alert.post_ids)) - len(evidence)),
        "places": [place_text(p) for p in alert.places],
        "status": ALERT_STATUS_NAMES.get(alert.status, alert.status),
        "created": local_time(alert.created_at), "updated": local_time(alert.updated_at),
    }


def _text(alert: Alert, f: dict, update: bool, web_url: str) -> str:
    lines = [f"【{ALERT_LEVEL_NAMES[alert.level]}{'·更新' if update else ''}】{header_text(alert.title, 500)}", ""]
    lines.append(f"类别：{f['category']}    状态：{f['status']}    规则：{clean(alert.rule)}")
    lines.append(f"首次发现：{f['created']}    最近更新：{f['updated']}（北京时间）")
    lines.append(f"责任单位：{f['office']}")
    if f["numbers"]:
        lines += ["", "关键数字"] + [f"  {label}：{value}" for label, value in f["numbers"]]
    if f["places"]:
        lines += ["", "涉及地点"] + [f"  {p}" for p in f["places"]]
    lines += ["", f"证据帖子（{len(f['evidence']) + f['more']} 条）"]
    for n, post in enumerate(f["evidence"], 1):
        lines.append(f"  {n}. {post['title']}")
        lines.append(f"     {post['time']} · {post['risk']} · {post['category']} · {post['site']}")
        lines.append(f"     {post['excerpt']}")
        if post["href"]:
            lines.append(f"     链接：{post['href']}")
    if f["more"]:
        lines.append(f"  另有 {f['more']} 条相关帖子未列出。")
    if not f["evidence"] and not f["more"]:
        lines.append("  （无）")
    lines += ["", "—", "本邮件由社情监测系统自动发送。帖子内容摘自公开论坛，未经核实，请勿直接转发。"]
    if web_url and safe_href(web_url):
        lines.append(f"处置与确认：{web_url}")
    return "\n".join(lines) + "\n"


def _section(title: str, body: str) -> str:
    return (f'<tr><td style="padding:12px 20px 4px;"><div style="font-size:15px;font-weight:bold;color:#333;'
            f'border-left:4px solid #999;padding-left:8px;margin-bottom:6px;">{esc(title)}</div>{body}</td></tr>')


def _html(alert: Alert, f: dict, update: bool, subject: str, cid: str | None, web_url: str) -> str:
    colour = LEVEL_COLOURS[alert.level]
    ink = "#222222" if alert.level == "yellow" else "#ffffff"  # white on yellow is unreadable
    level = ALERT_LEVEL_NAMES[alert.level] + ("（更新）" if update else "")
    rows = [
        (f'<tr><td style="background:{colour};color:{ink};padding:12px 20px;font-size:18px;font-weight:bold;">'
         f'{esc(level)}</td></tr>'),
        (f'<tr><td style="padding:16px 20px 4px;"><div style="font-size:18px;font-weight:bold;color:#111;'
         f'margin-bottom:6px;">{esc(alert.title)}</div><div style="color:#555;font-size:13px;">'
         f'类别：{esc(f["category"])} · 状态：{esc(f["status"])} · 规则：{esc(alert.rule)}<br>'
         f'首次发现：{esc(f["created"])} · 最近更新：{esc(f["updated"])}（北京时间）</div></td></tr>'),
        _section("责任单位", f'<div style="font-size:15px;color:#111;">{esc(f["office"])}</div>'),
    ]
    if f["numbers"]:
        cells = "".join(
            f'<tr><td style="padding:4px 12px 4px 0;color:#555;border-bottom:1px solid #eee;">{esc(label)}</td>'
            f'<td style="padding:4px 0;font-weight:bold;border-bottom:1px solid #eee;">{esc(value)}</td></tr>'
            for label, value in f["numbers"])
        rows.append(_section("关键数字", f'<table role="presentation" cellpadding="0" cellspacing="0" '
                                         f'style="border-collapse:collapse;font-size:14px;">{cells}</table>'))
    if cid:
        rows.append(_section("趋势", f'<img src="cid:{esc(cid)}" width="600" height="240" '
                                     'alt="相关帖子数量趋势图" style="display:block;width:100%;max-width:600px;'
                                     'height:auto;border:0;">'))
    if f["places"]:
        rows.append(_section("涉及地点", "<br>".join(esc(p) for p in f["places"])))
    rows.append(_section(f"证据帖子（{len(f['evidence']) + f['more']} 条）", _evidence_html(f)))
    footer = "本邮件由社情监测系统自动发送。帖子内容摘自公开论坛，未经核实，请勿直接转发。"
    if web_url and safe_href(web_url):
        footer += f'<br><a href="{esc(web_url)}" style="color:#1f6fd1;">打开社情监测页面处置与确认</a>'
    rows.append(f'<tr><td style="padding:16px 20px;color:#888;font-size:12px;border-top:1px solid #eee;">'
                f'{footer}</td></tr>')
    return page(subject, "".join(rows))


def _evidence_html(f: dict) -> str:
    items = []
    for post in f["evidence"]:
        title = esc(post["title"])
        if post["href"]:
            title = f'<a href="{esc(post["href"])}" style="color:#1f6fd1;text-decoration:none;">{title}</a>'
        items.append(
            f'<div style="padding:8px 0;border-bottom:1px solid #eee;"><div style="font-weight:bold;">{title}</div>'
            f'<div style="color:#777;font-size:12px;">{esc(post["time"])} · {esc(post["risk"])} · '
            f'{esc(post["category"])} · {esc(post["site"])}</div>'
            f'<div style="color:#333;font-size:13px;margin-top:2px;">{esc(post["excerpt"])}</div></div>')
    if f["more"]:
        items.append(f'<div style="color:#777;font-size:13px;padding-top:6px;">另有 {f["more"]} 条相关帖子未列出。</div>')
    return "".join(items) or '<div style="color:#777;">（无）</div>'


def page(title: str, rows: str, *, width: int = 640) -> str:
    """A complete HTML document: one centred card of table rows, inline styles, nothing external."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data: cid:; '
        'style-src \'unsafe-inline\'">'
        f'<title>{esc(title)}</title></head>'
        f'<body style="margin:0;padding:0;background:#f3f4f6;font-family:{FONT_STACK};">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;">'
        '<tr><td align="center" style="padding:16px 8px;">'
        f'<table role="presentation" width="{width}" cellpadding="0" cellspacing="0" style="width:100%;'
        f'max-width:{width}px;background:#ffffff;border-collapse:collapse;color:#222;font-size:14px;'
        f'line-height:1.6;font-family:{FONT_STACK};">{rows}</table>'
        '</td></tr></table></body></html>'
    )
