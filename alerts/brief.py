"""The daily brief: the last 24 hours against the 24 before, for the morning e-mail and an HTML file.

``build_brief(store, now)`` asks the store (``count``/``top``/``trend``/``search``/``alerts``) for: total posts;
posts by category, by risk and by district, each with its change against the previous day (``+3``, ``−2``,
``新`` for new, ``持平`` for no change); the top hot topics with a representative post; the alerts opened
and resolved in the window; and two charts (posts per hour, top categories). The ``Brief`` it returns holds
the subject, the HTML (images referenced as ``cid:``), the plain text and the PNGs, plus the figures
themselves; ``to_email`` makes the e-mail and ``write_html`` a standalone file with the images inlined as
``data:`` URIs. Crawled strings are escaped exactly as in the alert e-mails.

``publish_brief`` writes the day's HTML file and e-mails it once a day (a ``.sent`` marker beside the file);
``brief_due(now, "08:00", dir)`` says whether the day's brief is due, for schedulers that wake often.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from indexer.query import LOCAL_TZ
from sheqing.files import atomic_file
from sheqing.labels import ALERT_LEVEL_NAMES, ALERT_STATUS_NAMES, CATEGORY_NAMES, LEVEL_COLOURS, RISK_NAMES
from sheqing.records import ALERT_LEVELS, CATEGORIES, RISKS, Alert, EnrichedPost

from .charts import bars_png, trend_png
from .emails import clean, esc, excerpt, local_time, message_id, page, post_href, safe_href

__all__ = ["Brief", "BriefRow", "HotTopic", "build_brief", "change_text", "brief_due", "publish_brief"]

WINDOW = timedelta(hours=24)
TOP_TOPICS = 5
TOP_DISTRICTS = 20
ALERT_LIMIT = 1000
MINUS = "\u2212"  # a real minus sign, as in print


def change_text(count: int, previous: int) -> str:
    """The change against the previous day: ``+3``, ``−2``, ``新`` (none the day before), ``持平``."""
    if previous == 0 and count > 0:
        return "新"
    diff = count - previous
    if diff > 0:
        return f"+{diff}"
    if diff < 0:
        return f"{MINUS}{-diff}"
    return "持平"


@dataclass(frozen=True)
class BriefRow:
    key: str  # the stored value (category code, risk code, district name)
    name: str  # what people read
    count: int  # in the last 24 hours
    previous: int  # in the 24 hours before

    @property
    def change(self) -> str:
        return change_text(self.count, self.previous)


@dataclass(frozen=True)
class HotTopic:
    topic_id: str
    size: int  # posts of the topic in the window
    post: EnrichedPost | None  # its representative post (highest risk, then newest)
    places: tuple[str, ...]


@dataclass
class Brief:
    subject: str
    html: str  # images as cid:<content id>
    text: str
    images: dict[str, bytes]  # content id -> PNG
    start: datetime | None = None
    end: datetime | None = None
    total: int = 0
    previous_total: int = 0
    tables: dict[str, list[BriefRow]] = field(default_factory=dict)  # "category", "risk", "district"
    topics: list[HotTopic] = field(default_factory=list)
    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)

    def to_email(self, sender: str, recipients: str | Sequence[str]) -> EmailMessage:
        """The brief as an e-mail: plain text, and HTML with the charts inline (cid)."""
        recipients = [recipients] if isinstance(recipients, str) else list(recipients)
        msg = EmailMessage()
        msg["Subject"] = self.subject
        msg["From"] = sender
        msg["To"] = ", ".join(recipients)
        sent = self.end or datetime.now(timezone.utc)
        msg["Date"] = format_datetime(sent)
        msg["Message-ID"] = message_id(sender, "brief", sent.isoformat(), *recipients)
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(self.text, cte="base64")
        msg.add_alternative(self.html, subtype="html", cte="base64")
        html_part = msg.get_payload()[1]
        for cid, png in self.images.items():
            html_part.add_related(png, "image", "png", cid=f"<{cid}>", filename=f"{cid.split('@')[0]}.png",
                                  disposition="inline")
        return msg

    def standalone_html(self) -> str:
        """The HTML with every image embedded as a data: URI (no other file needed)."""
        out = self.html
        for cid, png in self.images.items():
            data = base64.b64encode(png).decode("ascii")
            out = out.replace(f'src="cid:{esc(cid)}"', f'src="data:image/png;base64,{data}"')
        return out

    def write_html(self, path: str | os.PathLike) -> Path:
        """Write the standalone HTML to ``path`` atomically (temporary file, then rename)."""
        path = Path(path)
        with atomic_file(path) as out:
            out.write(self.standalone_html())
        return path


# -- gathering ------------------------------------------------------------------------------------
def build_brief(store, now: datetime, *, web_url: str = "") -> Brief:
    """The brief for the 24 hours before ``now`` (compared with the 24 hours before that)."""
    end = now if now.tzinfo else now.replace(tzinfo=LOCAL_TZ)
    start, before = end - WINDOW, end - 2 * WINDOW
    window, previous = dict(start=start, end=end), dict(start=before, end=start)

    def rows(field_name: str, size: int, name) -> list[BriefRow]:
        now_counts = dict(store.top(field=field_name, size=size, **window))
        then_counts = dict(store.top(field=field_name, size=size, **previous))
        return [BriefRow(k, name(k), now_counts.get(k, 0), then_counts.get(k, 0))
                for k in set(now_counts) | set(then_counts)]

    categories = sorted(rows("category", len(CATEGORIES), lambda k: CATEGORY_NAMES.get(k, k)),
                        key=lambda r: (-r.count, -r.previous, _index(CATEGORIES, r.key)))
    risks = sorted(rows("risk", len(RISKS), lambda k: RISK_NAMES.get(k, k)),
                   key=lambda r: -_index(RISKS, r.key))
    districts = sorted(rows("district", TOP_DISTRICTS, str), key=lambda r: (-r.count, -r.previous, r.key))

    topics = []
    for topic_id, size in store.top(field="topic_id", size=TOP_TOPICS, **window):
        hits = store.search(topic_id=topic_id, sort="risk", size=1, **window).hits
        post = hits[0].post if hits else None
        places = [name for name, _ in store.top(field="district", topic_id=topic_id, size=3, **window)]
        places += [name for name, _ in store.top(field="estate", topic_id=topic_id, size=3, **window)]
        if not places and post is not None:
            places = [p.text for p in post.enrichment.places]
        topics.append(HotTopic(topic_id, size, post, tuple(dict.fromkeys(places))))

    recent = store.alerts(since=start, limit=ALERT_LIMIT)
    opened = sorted((a for a in recent if start <= a.created_at < end),
                    key=lambda a: (-ALERT_LEVELS.index(a.level), a.created_at, a.fingerprint))
    resolved = sorted((a for a in recent if _resolved_at(a, start, end) is not None),
                      key=lambda a: (_resolved_at(a, start, end), a.fingerprint))

    hours = _hour_slots(start, end)
    per_hour = {b.start: b.count for b in store.trend(interval="hour", **window)}
    cid_suffix = f"{end.astimezone(timezone.utc):%Y%m%d%H%M}@sheqing"
    images = {
        f"hourly.{cid_suffix}": trend_png([(h, per_hour.get(h, 0)) for h in hours], "近24小时每小时帖子数",
                                          step=timedelta(hours=1)),
        f"categories.{cid_suffix}": bars_png([(r.name, r.count) for r in categories if r.count],
                                             "近24小时各类别帖子数"),
    }
    local_end = end.astimezone(LOCAL_TZ)
    brief = Brief(
        subject=f"社情日报 {local_end:%Y-%m-%d}（截至 {local_end:%H:%M}）", html="", text="", images=images,
        start=start, end=end, total=store.count(**window), previous_total=store.count(**previous),
        tables={"category": categories, "risk": risks, "district": districts}, topics=topics,
        opened=opened, resolved=resolved,
    )
    brief.html = _html(brief, web_url)
    brief.text = _text(brief, web_url)
    return brief


def _index(order: Sequence[str], key: str) -> int:
    return order.index(key) if key in order else len(order)


def _resolved_at(alert: Alert, start: datetime, end: datetime) -> datetime | None:
    times = [e.at for e in alert.history if e.action == "resolved" and start <= e.at < end]
    return max(times) if times else None


def _hour_slots(start: datetime, end: datetime) -> list[datetime]:
    slot = start.astimezone(LOCAL_TZ).replace(minute=0, second=0, microsecond=0)
    out = []
    while slot < end:
        out.append(slot)
        slot += timedelta(hours=1)
    return out


# -- rendering ------------------------------------------------------------------------------------
TABLE_TITLES = {"category": "按类别", "risk": "按风险等级", "district": "按区县"}
TABLE_HEADS = {"category": "类别", "risk": "风险等级", "district": "区县"}


def _period(brief: Brief) -> str:
    return f"{local_time(brief.start)} 至 {local_time(brief.end)}（北京时间）"


def _text(brief: Brief, web_url: str) -> str:
    lines = [brief.subject, f"统计时段：{_period(brief)}", "",
             f"帖子总数：{brief.total}（前一日 {brief.previous_total}，{change_text(brief.total, brief.previous_total)}）"]
    for key, rows in brief.tables.items():
        lines += ["", TABLE_TITLES[key]]
        lines += [f"  {r.name}：{r.count}（{r.change}）" for r in rows] or ["  （无）"]
    lines += ["", "热点话题"]
    for n, topic in enumerate(brief.topics, 1):
        title = " ".join(clean(topic.post.title).split()) if topic.post else topic.topic_id
        places = "、".join(clean(p) for p in topic.places) or "地点未识别"
        lines.append(f"  {n}. {title}（{topic.size} 条帖子；{places}）")
        if topic.post is not None:
            lines.append(f"     {excerpt(topic.post.text, 80)}")
            href = post_href(topic.post, web_url)
            if href:
                lines.append(f"     链接：{href}")
    if not brief.topics:
        lines.append("  （无）")
    lines += ["", f"新开预警（{len(brief.opened)}）"]
    lines += [f"  [{ALERT_LEVEL_NAMES[a.level]}] {' '.join(clean(a.title).split())}（{local_time(a.created_at)}，"
              f"{ALERT_STATUS_NAMES.get(a.status, a.status)}，{clean(a.office) or '未指定单位'}）" for a in brief.opened]
    lines += ["", f"已办结预警（{len(brief.resolved)}）"]
    lines += [f"  [{ALERT_LEVEL_NAMES[a.level]}] {' '.join(clean(a.title).split())}"
              f"（办结于 {local_time(_resolved_at(a, brief.start, brief.end))}）" for a in brief.resolved]
    lines += ["", "—", "本日报由社情监测系统自动生成。帖子内容摘自公开论坛，未经核实。"]
    if web_url and safe_href(web_url):
        lines.append(f"详情：{web_url}")
    return "\n".join(lines) + "\n"


def _change_html(count: int, previous: int) -> str:
    text = change_text(count, previous)
    colour = "#c92a2a" if text == "新" or text.startswith("+") else "#2b8a3e" if text.startswith(MINUS) else "#888"
    return f'<span style="color:{colour};font-weight:bold;">{esc(text)}</span>'


def _section(title: str, body: str) -> str:
    return (f'<tr><td style="padding:12px 20px 4px;"><div style="font-size:15px;font-weight:bold;color:#333;'
            f'border-left:4px solid #1f6fd1;padding-left:8px;margin-bottom:6px;">{esc(title)}</div>{body}</td></tr>')


def _table(head: str, rows: list[BriefRow]) -> str:
    if not rows:
        return '<div style="color:#777;">（无）</div>'
    cell = "padding:3px 10px;border-bottom:1px solid #eee;"
    body = "".join(
        f'<tr><td style="{cell}">{esc(r.name)}</td><td style="{cell}text-align:right;">{r.count}</td>'
        f'<td style="{cell}text-align:right;">{_change_html(r.count, r.previous)}</td></tr>' for r in rows)
    return (f'<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;'
            f'font-size:14px;min-width:320px;"><tr style="color:#555;background:#f6f7f9;">'
            f'<th align="left" style="{cell}">{esc(head)}</th><th align="right" style="{cell}">帖子数</th>'
            f'<th align="right" style="{cell}">较前日</th></tr>{body}</table>')


def _badge(level: str) -> str:
    ink = "#222" if level == "yellow" else "#fff"
    return (f'<span style="background:{LEVEL_COLOURS[level]};color:{ink};padding:1px 6px;border-radius:3px;'
            f'font-size:12px;white-space:nowrap;">{esc(ALERT_LEVEL_NAMES[level])}</span>')


def _topics_html(brief: Brief, web_url: str) -> str:
    items = []
    for topic in brief.topics:
        post = topic.post
        title = esc(" ".join(clean(post.title).split()) if post else topic.topic_id)
        href = post_href(post, web_url) if post else None
        if href:
            title = f'<a href="{esc(href)}" style="color:#1f6fd1;text-decoration:none;">{title}</a>'
        places = "、".join(esc(p) for p in topic.places) or "地点未识别"
        detail = f'<div style="color:#333;font-size:13px;">{esc(excerpt(post.text, 80))}</div>' if post else ""
        items.append(f'<li style="margin-bottom:6px;"><b>{title}</b><div style="color:#777;font-size:12px;">'
                     f'{topic.size} 条帖子 · {places}</div>{detail}</li>')
    return f'<ol style="margin:0;padding-left:20px;">{"".join(items)}</ol>' if items else '<div style="color:#777;">（无）</div>'


def _alerts_html(alerts: list[Alert], brief: Brief, resolved: bool) -> str:
    if not alerts:
        return '<div style="color:#777;">（无）</div>'
    items = []
    for a in alerts:
        if resolved:
            info = f"办结于 {local_time(_resolved_at(a, brief.start, brief.end))}"
        else:
            info = (f"{local_time(a.created_at)} · {ALERT_STATUS_NAMES.get(a.status, a.status)} · "
                    f"{a.office or '未指定单位'}")
        items.append(f'<div style="padding:4px 0;border-bottom:1px solid #eee;">{_badge(a.level)} {esc(a.title)}'
                     f'<div style="color:#777;font-size:12px;">{esc(info)}</div></div>')
    return "".join(items)


def _img(cid: str, alt: str) -> str:
    return (f'<img src="cid:{esc(cid)}" width="600" height="240" alt="{esc(alt)}" style="display:block;width:100%;'
            'max-width:600px;height:auto;border:0;margin:4px 0 8px;">')


def _html(brief: Brief, web_url: str) -> str:
    hourly, categories = list(brief.images)
    rows = [
        (f'<tr><td style="background:#1f3b63;color:#fff;padding:14px 20px;"><div style="font-size:20px;'
         f'font-weight:bold;">{esc(brief.subject)}</div><div style="font-size:13px;opacity:0.85;">统计时段：'
         f'{esc(_period(brief))}</div></td></tr>'),
        _section("总量", f'<div style="font-size:15px;">近24小时帖子 <b style="font-size:22px;">{brief.total}</b> 条'
                       f'（前一日 {brief.previous_total} 条，{_change_html(brief.total, brief.previous_total)}）</div>'
                       + _img(hourly, "近24小时每小时帖子数")),
        _section(TABLE_TITLES["category"], _table(TABLE_HEADS["category"], brief.tables["category"])
                 + _img(categories, "近24小时各类别帖子数")),
        _section(TABLE_TITLES["risk"], _table(TABLE_HEADS["risk"], brief.tables["risk"])),
        _section(TABLE_TITLES["district"], _table(TABLE_HEADS["district"], brief.tables["district"])
                 + '<div style="color:#999;font-size:12px;">一条帖子可涉及多个区县；未识别地点的帖子不计入。</div>'),
        _section("热点话题", _topics_html(brief, web_url)),
        _section(f"新开预警（{len(brief.opened)}）", _alerts_html(brief.opened, brief, False)),
        _section(f"已办结预警（{len(brief.resolved)}）", _alerts_html(brief.resolved, brief, True)),
    ]
    footer = "本日报由社情监测系统自动生成。帖子内容摘自公开论坛，未经核实。"
    if web_url and safe_href(web_url):
        footer += f'<br><a href="{esc(web_url)}" style="color:#1f6fd1;">打开社情监测页面</a>'
    rows.append(f'<tr><td style="padding:16px 20px;color:#888;font-size:12px;border-top:1px solid #eee;">'
                f'{footer}</td></tr>')
    return page(brief.subject, "".join(rows))


def brief_due(now: datetime, brief_time: str, briefs_dir: Path) -> bool:
    """Whether today's brief is due: the local time is past ``brief_time`` and today's was not sent."""
    local = now.astimezone(LOCAL_TZ)
    hour, minute = (int(x) for x in brief_time.split(":"))
    return local.time() >= time(hour, minute) and not sent_marker(local, briefs_dir).exists()


def sent_marker(now: datetime, briefs_dir: Path) -> Path:
    return Path(briefs_dir) / f"brief-{now.astimezone(LOCAL_TZ):%Y-%m-%d}.sent"


def publish_brief(store, now: datetime, *, briefs_dir: Path, mailer, sender: str, recipients: Sequence[str],
                  web_url: str = "", send: bool = True) -> tuple[Brief, Path, bool]:
    """Build today's brief, write it as HTML, and e-mail it once a day (a marker file records the send).

    Returns the brief, the HTML file, and whether an e-mail went out now. A failed send raises
    ``DeliveryError`` and leaves no marker, so the next call sends it.
    """
    brief = build_brief(store, now, web_url=web_url)
    path = brief.write_html(Path(briefs_dir) / f"brief-{now.astimezone(LOCAL_TZ):%Y-%m-%d}.html")
    marker = sent_marker(now, briefs_dir)
    if not send or not recipients or marker.exists():
        return brief, path, False
    mailer.send(brief.to_email(sender, list(recipients)))
    marker.write_text(json.dumps({"sent_at": now.isoformat(), "to": list(recipients)}, ensure_ascii=False),
                      encoding="utf-8")
    return brief, path, True
