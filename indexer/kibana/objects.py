"""The Kibana saved objects analysts get, defined in Python and committed as NDJSON.

``saved_objects()`` returns every object, dependencies first: two data views (posts, alerts), three saved
searches, six Lens visualisations and the dashboard 社区舆情总览. ``saved_objects.ndjson`` beside this module
is the product — what ``sheqing kibana provision`` imports and what a Kibana user can import by hand under
Stack Management → Saved objects. It is generated from these definitions and must stay identical to them
(a test compares the two); after changing a definition run::

    .venv/bin/python -m indexer.kibana          # rewrite saved_objects.ndjson
    .venv/bin/python -m indexer.kibana --check  # exit 1 if the file is stale

Ids are stable and readable (``sheqing-posts``, ``sheqing-lens-top-topics``), so importing with overwrite
replaces the same objects every time. The data views show labels in Chinese (field names and, through a
static-lookup format, the category/risk/sentiment codes), while queries keep the codes stored in the index.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sheqing.files import json_lines
from sheqing.labels import (  # the taxonomy's Chinese names, shared with the e-mails and the web page
    ALERT_LEVEL_NAMES, ALERT_STATUS_NAMES, CATEGORY_NAMES, RISK_NAMES, SENTIMENT_NAMES,
)

from . import lens as L

__all__ = [
    "NDJSON_PATH", "POSTS_VIEW", "ALERTS_VIEW", "DASHBOARD_ID", "CATEGORY_NAMES", "RISK_NAMES", "SENTIMENT_NAMES",
    "ALERT_LEVEL_NAMES", "ALERT_STATUS_NAMES", "saved_objects", "render_ndjson", "parse_ndjson", "load_objects",
    "with_index_prefix",
]

NDJSON_PATH = Path(__file__).with_name("saved_objects.ndjson")
POSTS_VIEW = "sheqing-posts"    # data view ids = the default alias names
ALERTS_VIEW = "sheqing-alerts"
DASHBOARD_ID = "sheqing-overview"
DEFAULT_PREFIX = "sheqing"


_POST_LABELS = {
    "id": "帖子ID", "site": "站点", "board": "版块", "thread_id": "主题ID", "floor": "楼层", "url": "链接",
    "title": "标题", "text": "正文", "published_at": "发布时间", "crawled_at": "抓取时间", "indexed_at": "入库时间",
    "thread_reply_count": "回复数", "category": "类别", "risk": "风险", "risk_level": "风险等级(0-4)",
    "sentiment": "情感", "keywords": "关键词", "topic_id": "话题", "dup_group": "近似重复组",
    "province": "省份", "city": "城市", "district": "区县", "street": "街道/乡镇", "estate": "小区",
    "places_all": "地点(全部)", "body": "全文(子串检索)", "text_seg": "全文(分词检索)",
}
_ALERT_LABELS = {
    "fingerprint": "预警指纹", "rule": "规则", "rule_type": "规则类型", "level": "预警级别", "status": "状态",
    "title": "标题", "category": "类别", "post_ids": "证据帖子", "office": "责任部门", "created_at": "创建时间",
    "updated_at": "更新时间", "province": "省份", "city": "城市", "district": "区县", "street": "街道/乡镇",
    "estate": "小区", "places_all": "地点(全部)",
}
PANEL_VERSION = "8.9.0"  # embeddable version of the dashboard panels
_OPTIONS = {"useMargins": True, "syncColors": False, "syncCursor": True, "syncTooltips": False,
            "hidePanelTitles": False}


def _json(value) -> str:
    """A JSON string inside an attribute (searchSourceJSON, panelsJSON ...), compact and readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _lookup(names: dict[str, str]) -> dict:
    return {"id": "static_lookup", "params": {
        "lookupEntries": [{"key": k, "value": v} for k, v in names.items()], "unknownKeyValue": None}}


def _data_view(view_id: str, name: str, time_field: str, labels: dict[str, str], formats: dict,
               hidden: tuple[str, ...] = ()) -> dict:
    return {
        "type": "index-pattern", "id": view_id,
        "coreMigrationVersion": L.CORE_MIGRATION_VERSION, "typeMigrationVersion": "7.11.0", "managed": False,
        "attributes": {
            "title": view_id, "name": name, "timeFieldName": time_field,
            "fieldAttrs": _json({field: {"customLabel": label} for field, label in labels.items()}),
            "fieldFormatMap": _json(formats),
            "sourceFilters": _json([{"value": field} for field in hidden]),
            "runtimeFieldMap": "{}", "typeMeta": "{}", "allowNoIndex": True,
        },
        "references": [],
    }


def data_views() -> list[dict]:
    posts = _data_view(
        POSTS_VIEW, "社情 · 帖子", "published_at", _POST_LABELS,
        {"category": _lookup(CATEGORY_NAMES), "risk": _lookup(RISK_NAMES), "sentiment": _lookup(SENTIMENT_NAMES),
         "url": {"id": "url"}},
        hidden=("body", "text_seg", "scores"),
    )
    alerts = _data_view(
        ALERTS_VIEW, "社情 · 预警", "updated_at", _ALERT_LABELS,
        {"level": _lookup(ALERT_LEVEL_NAMES), "status": _lookup(ALERT_STATUS_NAMES),
         "category": _lookup(CATEGORY_NAMES)},
        hidden=("history", "details"),
    )
    return [posts, alerts]


def _filter(index_ref: str, *, kind: str, key: str, query: dict, alias: str, **meta_extra) -> dict:
    meta = {"alias": alias, "negate": False, "disabled": False, "type": kind, "key": key, **meta_extra,
            "indexRefName": index_ref}
    return {"meta": meta, "query": query, "$state": {"store": "appState"}}


def _search(search_id: str, title: str, description: str, *, data_view: str, query: str, columns: list[str],
            sort: list[list[str]], filters: tuple[tuple[str, dict], ...] = (), time_range: dict | None = None) -> dict:
    """A Discover saved search. ``filters`` are (kind, filter body) pairs; each gets its data view reference."""
    meta_ref = "kibanaSavedObjectMeta.searchSourceJSON"
    references = [{"name": f"{meta_ref}.index", "type": "index-pattern", "id": data_view}]
    built = []
    for n, (kind, spec) in enumerate(filters):
        ref = f"{meta_ref}.filter[{n}].meta.index"
        references.append({"name": ref, "type": "index-pattern", "id": data_view})
        built.append(_filter(ref, kind=kind, **spec))
    source = {"query": {"query": query, "language": "kuery"}, "filter": built,
              "indexRefName": f"{meta_ref}.index", "highlightAll": True, "version": True}
    attributes = {"title": title, "description": description, "columns": columns, "sort": sort, "grid": {},
                  "hideChart": False, "isTextBasedQuery": False,
                  "kibanaSavedObjectMeta": {"searchSourceJSON": _json(source)}}
    if time_range:
        attributes.update(timeRestore=True, timeRange=time_range)
    return {"type": "search", "id": search_id,
            "coreMigrationVersion": L.CORE_MIGRATION_VERSION, "typeMigrationVersion": "7.9.3", "managed": False,
            "attributes": attributes, "references": references}


def saved_searches() -> list[dict]:
    last_24h = {"key": "published_at", "alias": "最近24小时发布", "params": {"gte": "now-24h"},
                "query": {"range": {"published_at": {"gte": "now-24h"}}}}
    with_district = {"key": "district", "alias": "已识别区县", "value": "exists",
                     "query": {"exists": {"field": "district"}}}
    return [
        _search("sheqing-search-high-risk-24h", "新增高风险帖子（24小时）",
                "风险为高（橙）或危急（红）、最近24小时发布的帖子，最新的在前。",
                data_view=POSTS_VIEW, query='risk : ("high" or "critical")',
                columns=["risk", "category", "district", "street", "estate", "title", "site"],
                sort=[["published_at", "desc"]], filters=(("range", last_24h),),
                time_range={"from": "now-24h", "to": "now"}),
        _search("sheqing-search-posts-by-district", "按区县浏览帖子",
                "已识别出区县的帖子，按区县、再按发布时间（新→旧）排列。",
                data_view=POSTS_VIEW, query="",
                columns=["district", "street", "estate", "category", "risk", "title"],
                sort=[["district", "asc"], ["published_at", "desc"]], filters=(("exists", with_district),)),
        _search("sheqing-search-open-alerts", "未办结预警", "状态为待处理或已确认的预警，最近更新的在前。",
                data_view=ALERTS_VIEW, query='status : ("new" or "acknowledged")',
                columns=["level", "status", "title", "category", "district", "street", "office"],
                sort=[["updated_at", "desc"]]),
    ]


def lens_visualisations() -> list[dict]:
    layer = "posts"
    over_time = L.lens_object(
        "sheqing-lens-posts-by-category", "帖子趋势（按类别）", "每个时间段的帖子数，按类别堆叠。",
        visualization_type="lnsXY", data_view=POSTS_VIEW, layer_id=layer,
        columns={"c_category": L.terms("category", "类别", size=15, order_by="c_count", other_bucket=True),
                 "c_date": L.date_histogram("published_at", "发布时间"),
                 "c_count": L.count("帖子数")},
        column_order=["c_category", "c_date", "c_count"],
        visualization=L.xy_visualization(layer, series_type="bar_stacked", x="c_date", y=["c_count"],
                                         split="c_category"),
    )
    risk_by_district = L.lens_object(
        "sheqing-lens-risk-by-district", "各区县风险分布", "有风险（低及以上）的帖子数，按区县、风险等级堆叠。",
        visualization_type="lnsXY", data_view=POSTS_VIEW, layer_id=layer, query="risk_level >= 1",
        columns={"c_district": L.terms("district", "区县", size=15, order_by="c_count"),
                 "c_risk": L.terms("risk", "风险", size=5, order_by="c_count"),
                 "c_count": L.count("帖子数")},
        column_order=["c_district", "c_risk", "c_count"],
        visualization=L.xy_visualization(layer, series_type="bar_horizontal_stacked", x="c_district",
                                         y=["c_count"], split="c_risk"),
    )
    top_places = L.lens_object(
        "sheqing-lens-top-places", "热点地点", "提及最多的地点（小区、街道、区县及原文地名；行政区划代码不计）。",
        visualization_type="lnsDatatable", data_view=POSTS_VIEW, layer_id=layer,
        columns={"c_place": L.terms("places_all", "地点", size=20, order_by="c_count", exclude_regex="[0-9]+"),
                 "c_count": L.count("帖子数"),
                 "c_risk": L.max_of("risk_level", "最高风险等级")},
        column_order=["c_place", "c_count", "c_risk"],
        visualization=L.table_visualization(layer, ["c_place", "c_count", "c_risk"]),
    )
    sentiment = L.lens_object(
        "sheqing-lens-sentiment-share", "情感占比", "负面、中性、正面帖子的占比。",
        visualization_type="lnsPie", data_view=POSTS_VIEW, layer_id=layer,
        columns={"c_sentiment": L.terms("sentiment", "情感", size=3, order_by="c_count"),
                 "c_count": L.count("帖子数")},
        column_order=["c_sentiment", "c_count"],
        visualization=L.pie_visualization(layer, groups=["c_sentiment"], metric="c_count"),
    )
    top_topics = L.lens_object(
        "sheqing-lens-top-topics", "热门话题", "帖子最多的话题，附最新一帖的标题和话题内的最高风险等级。",
        visualization_type="lnsDatatable", data_view=POSTS_VIEW, layer_id=layer,
        columns={"c_topic": L.terms("topic_id", "话题", size=10, order_by="c_count"),
                 "c_count": L.count("帖子数"),
                 "c_title": L.last_value("title.raw", "最新帖子标题", sort_field="published_at"),
                 "c_risk": L.max_of("risk_level", "最高风险等级")},
        column_order=["c_topic", "c_count", "c_title", "c_risk"],
        visualization=L.table_visualization(layer, ["c_topic", "c_count", "c_title", "c_risk"]),
    )
    growth = L.lens_object(
        "sheqing-lens-category-growth", "增长最快的类别（对比前一周）",
        "所选时段与前移一周的同长时段相比，各类别帖子数的增量，增量最大的在前。",
        visualization_type="lnsDatatable", data_view=POSTS_VIEW, layer_id=layer,
        columns={"c_category": L.terms("category", "类别", size=15, order_by="c_now"),
                 "c_now": L.count("本期帖子数"),
                 "c_before": L.count("前一周同期", time_shift="1w"),
                 **L.formula_difference("c_growth", "增量")},
        column_order=["c_category", "c_now", "c_before", "c_growth", "c_growthX0", "c_growthX1", "c_growthX2"],
        visualization=L.table_visualization(layer, ["c_category", "c_now", "c_before", "c_growth"],
                                            sort_by="c_growth"),
    )
    return [over_time, risk_by_district, top_places, sentiment, top_topics, growth]


# (panel id, object type, object id, x, y, w, h) on Kibana's 48-column grid
_PANELS = (
    ("trend", "lens", "sheqing-lens-posts-by-category", 0, 0, 32, 15),
    ("sentiment", "lens", "sheqing-lens-sentiment-share", 32, 0, 16, 15),
    ("risk", "lens", "sheqing-lens-risk-by-district", 0, 15, 24, 16),
    ("growth", "lens", "sheqing-lens-category-growth", 24, 15, 24, 16),
    ("places", "lens", "sheqing-lens-top-places", 0, 31, 24, 16),
    ("topics", "lens", "sheqing-lens-top-topics", 24, 31, 24, 16),
    ("urgent", "search", "sheqing-search-high-risk-24h", 0, 47, 48, 16),
)


def dashboard() -> dict:
    panels, references = [], []
    for panel_id, kind, object_id, x, y, w, h in _PANELS:
        panels.append({"version": PANEL_VERSION, "type": kind,
                       "gridData": {"x": x, "y": y, "w": w, "h": h, "i": panel_id}, "panelIndex": panel_id,
                       "embeddableConfig": {"enhancements": {}}, "panelRefName": f"panel_{panel_id}"})
        references.append({"name": f"{panel_id}:panel_{panel_id}", "type": kind, "id": object_id})
    return {
        "type": "dashboard", "id": DASHBOARD_ID,
        "coreMigrationVersion": L.CORE_MIGRATION_VERSION, "typeMigrationVersion": "8.7.0", "managed": False,
        "attributes": {
            "title": "社区舆情总览",
            "description": ("社区论坛帖子的类别趋势、情感、各区县风险、增长最快的类别、热点地点与话题，"
                            "以及24小时内的高风险帖子。"),
            "panelsJSON": _json(panels), "optionsJSON": _json(_OPTIONS), "version": 1,
            "timeRestore": True, "timeFrom": "now-7d", "timeTo": "now",
            "refreshInterval": {"pause": True, "value": 60000},
            "kibanaSavedObjectMeta": {"searchSourceJSON": _json({"query": {"query": "", "language": "kuery"},
                                                                 "filter": []})},
        },
        "references": references,
    }


def saved_objects() -> list[dict]:
    """Every saved object, dependencies first."""
    return [*data_views(), *saved_searches(), *lens_visualisations(), dashboard()]


def render_ndjson(objects: list[dict]) -> str:
    return "".join(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n" for obj in objects)


def parse_ndjson(text: str, source: str = "saved objects") -> list[dict]:
    """Objects of an NDJSON text; a line that is not a JSON object raises ``ValueError`` naming the line."""
    return [obj for _, obj in json_lines(text.splitlines(), source)]


def load_objects(path: Path = NDJSON_PATH) -> list[dict]:
    return parse_ndjson(path.read_text(encoding="utf-8"), str(path))


def with_index_prefix(objects: list[dict], prefix: str) -> list[dict]:
    """The objects with the data views pointed at ``{prefix}-posts`` / ``{prefix}-alerts`` (ids unchanged)."""
    if prefix == DEFAULT_PREFIX:
        return objects
    out = []
    for obj in objects:
        if obj.get("type") == "index-pattern":
            title = obj["attributes"]["title"]
            obj = {**obj, "attributes": {**obj["attributes"],
                                         "title": prefix + title.removeprefix(DEFAULT_PREFIX)}}
        out.append(obj)
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render_ndjson(saved_objects())
    current = NDJSON_PATH.read_text(encoding="utf-8") if NDJSON_PATH.exists() else ""
    if "--check" in args:
        if text != current:
            print(f"{NDJSON_PATH} is stale: run python -m indexer.kibana", file=sys.stderr)
            return 1
        print(f"{NDJSON_PATH} is up to date")
        return 0
    NDJSON_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {len(text.splitlines())} saved objects to {NDJSON_PATH}")
    return 0

