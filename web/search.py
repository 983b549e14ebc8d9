"""Search: full text in Chinese with filters, highlighted snippets, paging, and the results as CSV.

The form is a GET (bookmarkable, shareable): ``q`` (every term must occur, as in ``Store.search``),
``category``, ``risk``, ``min_risk``, ``sentiment``, ``place``, ``site``, ``since`` and ``until`` (local dates,
both inclusive), ``sort`` and ``page``; 20 results a page. A query the store refuses (an unknown label, a page
beyond the first 10,000 results) is shown with the store's own message.

``/search.csv`` streams every matching post (at most ``EXPORT_MAX`` rows) as UTF-8 with a byte-order mark, so
that Excel opens it in Chinese; a cell that starts like a formula (= + - @, tab, carriage return) gets a
leading apostrophe, so a hostile post cannot run a formula in the monitor's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from starlette.responses import StreamingResponse

from indexer.query import LOCAL_TZ, MAX_WINDOW, QueryError, terms
from sheqing.labels import CATEGORY_NAMES, RISK_NAMES, SENTIMENT_NAMES

from .areas import EMPTY
from .pages import Page

__all__ = ["search", "export", "parse", "csv_cell", "PAGE_SIZE", "EXPORT_MAX"]

PAGE_SIZE = 20
EXPORT_MAX = 10_000
EXPORT_BATCH = 500
MAX_TEXT = 200
SORTS = {"relevance": "相关度", "newest": "最新", "oldest": "最早", "risk": "风险高优先"}
_FIELDS = ("q", "category", "risk", "min_risk", "sentiment", "place", "site", "since", "until", "sort")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class SearchForm:
    params: dict[str, str]  # as the user gave them (to fill in the form and build links)
    filters: dict = field(default_factory=dict)  # the store query, before the user's areas
    sort: str = "relevance"
    page: int = 1
    errors: list[str] = field(default_factory=list)


def _day(value: str, name: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{name}「{value}」不是日期，请写成 2024-03-01 的格式。")
        return None


def parse(page: Page) -> SearchForm:
    """The search form in the query string, as store filters; problems the store would not name, as errors."""
    params = {k: page.arg(k) for k in _FIELDS}
    form = SearchForm(params=params)
    if len(params["q"]) > MAX_TEXT:
        form.errors.append(f"搜索词太长（最多 {MAX_TEXT} 字）。")
    filters: dict = {"text": params["q"][:MAX_TEXT]}
    for name in ("category", "risk", "min_risk", "sentiment", "site", "place"):
        if params[name]:
            filters[name] = params[name]
    since, until = _day(params["since"], "开始日期", form.errors), _day(params["until"], "结束日期", form.errors)
    if since:
        filters["start"] = datetime(since.year, since.month, since.day, tzinfo=LOCAL_TZ)
    if until:
        filters["end"] = datetime(until.year, until.month, until.day, tzinfo=LOCAL_TZ) + timedelta(days=1)
    form.filters = filters
    form.sort = params["sort"] if params["sort"] in SORTS else "relevance"
    raw_page = page.arg("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1:
        form.errors.append(f"页码「{raw_page}」无效。")
    else:
        form.page = int(raw_page)
    return form


def search(page: Page):
    form = parse(page)
    sites = [s for s, _ in page.store.top(field="site", size=50, **page.scope.base())]
    context = dict(form=form, params=form.params, sorts=SORTS, sites=sites, result=None, words=terms(form.params["q"]),
                   page_size=PAGE_SIZE, export_max=EXPORT_MAX, outside=False, last_page=1)
    if form.errors:
        return page.render("search.html", status=400, **context)
    filters = page.scope.filters(page.store, form.filters)
    if filters is EMPTY:
        context["outside"] = True
        return page.render("search.html", **context)
    try:
        result = page.store.search(**filters, sort=form.sort, page=form.page, size=PAGE_SIZE)
    except QueryError as exc:  # the store's own words: which field, and why
        form.errors.append(f"无法查询：{exc}")
        return page.render("search.html", status=400, **context)
    last = max(1, min(-(-result.total // PAGE_SIZE), MAX_WINDOW // PAGE_SIZE))
    return page.render("search.html", **{**context, "result": result, "last_page": last})


# -- CSV ------------------------------------------------------------------------------------------
HEADER = ("发布时间", "论坛", "版块", "标题", "正文", "类别", "风险", "情感", "地点", "回复数", "链接", "帖子ID",
          "话题", "重复组")


def csv_cell(value) -> object:
    """A value for a CSV cell; text that a spreadsheet would read as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _row(post) -> list:
    e = post.enrichment
    places = "、".join(dict.fromkeys(p.text for p in e.places))
    return [csv_cell(v) for v in (
        post.published_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"), post.site, post.board, post.title,
        post.text, CATEGORY_NAMES.get(e.category, e.category), RISK_NAMES.get(e.risk, e.risk),
        SENTIMENT_NAMES.get(e.sentiment, e.sentiment), places,
        post.thread_reply_count if post.thread_reply_count is not None else "", post.url, post.id,
        e.topic_id or "", e.dup_group)]


def _lines(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def export(page: Page):
    form = parse(page)
    if form.errors:
        return page.render("error.html", status=400, title="无法导出", message=" ".join(form.errors))
    filters = page.scope.filters(page.store, form.filters)
    store, sort = page.store, form.sort
    first = [] if filters is EMPTY else store.search(**filters, sort=sort, page=1, size=EXPORT_BATCH).hits

    def chunks():
        yield "\ufeff" + _lines([HEADER])
        hits, number = first, 1
        while hits:
            yield _lines(_row(h.post) for h in hits)
            if len(hits) < EXPORT_BATCH or number * EXPORT_BATCH >= EXPORT_MAX:
                break
            number += 1
            hits = store.search(**filters, sort=sort, page=number, size=EXPORT_BATCH).hits

    name = f"sheqing-search-{page.now.astimezone(LOCAL_TZ):%Y%m%d-%H%M}.csv"
    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
