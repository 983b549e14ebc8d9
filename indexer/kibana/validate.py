"""Checks a set of saved objects the way Kibana and Elasticsearch would judge them, before any import.

- ``reference_problems``: every object has an id, a type and attributes; every reference points at an object
  of the same import; every place that names a reference (a saved search's ``indexRefName``, a Lens layer, a
  dashboard panel's ``panelRefName``) finds it.
- ``lens_problems``: inside a Lens object, every column the chart, an ordering or a formula names exists.
- ``field_problems``: every field an object uses — data view labels and time field, saved-search columns,
  sort and filters, Lens columns, KQL queries — is mapped in the index template of the data view it is used
  with, and has a type that can do the job (a terms split needs a keyword or number, a histogram a date, a
  query a searchable field).

``problems`` runs all three; ``sheqing kibana provision`` refuses to send objects that have any.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

from indexer.es_schema import ALERT_MAPPINGS, POST_MAPPINGS, mapped_fields

from .lens import RECORDS
from .objects import ALERTS_VIEW, POSTS_VIEW

__all__ = ["FieldUse", "MAPPINGS_BY_DATA_VIEW", "kql_fields", "query_fields", "field_uses", "reference_problems",
           "lens_problems", "field_problems", "problems"]

MAPPINGS_BY_DATA_VIEW = {POSTS_VIEW: POST_MAPPINGS, ALERTS_VIEW: ALERT_MAPPINGS}

_NUMERIC = {"byte", "short", "integer", "long", "float", "double", "half_float", "scaled_float", "unsigned_long"}
_DATES = {"date", "date_nanos"}
_AGGREGATABLE = _NUMERIC | _DATES | {"keyword", "boolean", "ip"}
# the field types each use of a field needs; a use not listed here (label, format ...) needs the field mapped
_NEEDS: dict[str, set[str]] = {
    "terms": _NUMERIC | {"keyword", "boolean", "ip"}, "date_histogram": _DATES, "max": _NUMERIC | _DATES,
    "min": _NUMERIC | _DATES, "average": _NUMERIC, "sum": _NUMERIC, "median": _NUMERIC,
    "unique_count": _AGGREGATABLE, "last_value": _AGGREGATABLE, "sort": _AGGREGATABLE, "time field": _DATES,
}
_SEARCHABLE = "query"    # searched: must be indexed and not a stored (enabled: false) object
_SHOWN = "column"        # shown in Discover: must not be a stored object

_KQL_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_KQL_FIELD = re.compile(r"(?<![\w.@*\\])([A-Za-z_@*][\w.@*]*)\s*(?::|<=|>=|<|>)")
_LEAF_QUERIES = ("term", "terms", "match", "match_phrase", "match_phrase_prefix", "prefix", "wildcard", "regexp",
                 "fuzzy", "range")
_LEAF_OPTIONS = {"boost", "_name", "time_zone", "format", "relation"}


@dataclass(frozen=True)
class FieldUse:
    """One use of one field by one saved object, on the data view it is used with."""

    object: str      # "lens sheqing-lens-top-topics"
    data_view: str
    field: str
    role: str        # an operation (terms, max ...), sort, column, query, label, time field ...


def kql_fields(query: str) -> list[str]:
    """Field names a KQL query names (``risk_level >= 3 and street : "北山街道"`` → risk_level, street)."""
    return _KQL_FIELD.findall(_KQL_STRING.sub('""', query or ""))


def query_fields(query: dict) -> list[str]:
    """Field names an Elasticsearch query (a Kibana filter's ``query``) names."""
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "exists" and isinstance(value, dict):
                out.append(value.get("field", ""))
            elif key in _LEAF_QUERIES and isinstance(value, dict):
                out.extend(k for k in value if k not in _LEAF_OPTIONS)
            elif key in ("bool", "must", "should", "filter", "must_not", "query", "constant_score", "dis_max",
                         "queries"):
                walk(value)

    walk(query)
    return out


def _source(obj: dict) -> dict:
    raw = obj.get("attributes", {}).get("kibanaSavedObjectMeta", {}).get("searchSourceJSON") or "{}"
    return json.loads(raw)


def _ref_ids(obj: dict) -> dict[str, str]:
    return {ref.get("name"): ref.get("id") for ref in obj.get("references", [])}


def _lens_layers(obj: dict) -> dict[str, dict]:
    return obj["attributes"].get("state", {}).get("datasourceStates", {}).get("formBased", {}).get("layers", {})


def _filter_uses(name: str, filters: list, refs: dict[str, str], default_view: str | None) -> list[FieldUse]:
    uses = []
    for flt in filters or []:
        meta = flt.get("meta", {})
        view = refs.get(meta.get("indexRefName"), default_view)
        fields = ([meta["key"]] if meta.get("key") else []) + query_fields(flt.get("query", {}))
        uses += [FieldUse(name, view, field, _SEARCHABLE) for field in dict.fromkeys(fields)]
    return uses


def field_uses(objects: list[dict]) -> list[FieldUse]:
    """Every field every object uses, parsed out of the objects as Kibana stores them."""
    uses: list[FieldUse] = []
    for obj in objects:
        kind, attrs, refs = obj.get("type"), obj.get("attributes", {}), _ref_ids(obj)
        name = f"{kind} {obj.get('id')}"
        if kind == "index-pattern":
            view = obj.get("id")
            if attrs.get("timeFieldName"):
                uses.append(FieldUse(name, view, attrs["timeFieldName"], "time field"))
            uses += [FieldUse(name, view, f, "label") for f in json.loads(attrs.get("fieldAttrs") or "{}")]
            uses += [FieldUse(name, view, f, "format") for f in json.loads(attrs.get("fieldFormatMap") or "{}")]
            uses += [FieldUse(name, view, f["value"], "source filter")
                     for f in json.loads(attrs.get("sourceFilters") or "[]")]
        elif kind == "search":
            source = _source(obj)
            view = refs.get(source.get("indexRefName"))
            uses += [FieldUse(name, view, column, _SHOWN) for column in attrs.get("columns", [])]
            uses += [FieldUse(name, view, pair[0], "sort") for pair in attrs.get("sort", [])]
            uses += [FieldUse(name, view, f, _SEARCHABLE) for f in kql_fields(source.get("query", {}).get("query"))]
            uses += _filter_uses(name, source.get("filter"), refs, view)
        elif kind == "lens":
            state = attrs.get("state", {})
            views = {refs.get(f"indexpattern-datasource-layer-{layer_id}") for layer_id in _lens_layers(obj)}
            for layer_id, layer in _lens_layers(obj).items():
                view = refs.get(f"indexpattern-datasource-layer-{layer_id}")
                for column in layer.get("columns", {}).values():
                    source_field = column.get("sourceField")
                    if source_field and source_field != RECORDS:
                        uses.append(FieldUse(name, view, source_field, column.get("operationType", "")))
                    sort_field = column.get("params", {}).get("sortField")
                    if sort_field:
                        uses.append(FieldUse(name, view, sort_field, "sort"))
                    column_filter = (column.get("filter") or {}).get("query", "")
                    uses += [FieldUse(name, view, f, _SEARCHABLE) for f in kql_fields(column_filter)]
            for view in views:
                uses += [FieldUse(name, view, f, _SEARCHABLE) for f in kql_fields(state.get("query", {}).get("query"))]
                uses += _filter_uses(name, state.get("filters"), refs, view)
        elif kind == "dashboard":
            source = _source(obj)
            for view in MAPPINGS_BY_DATA_VIEW:  # a dashboard query applies to every panel's data view
                uses += [FieldUse(name, view, f, _SEARCHABLE) for f in kql_fields(source.get("query", {}).get("query"))]
    return uses


def _unindexed(mappings: dict) -> set[str]:
    return {name for name, spec in mappings["properties"].items() if spec.get("index") is False}


def field_problems(objects: list[dict], mappings_by_view: dict[str, dict] | None = None) -> list[str]:
    """Fields that are not in the index template of their data view, or whose type cannot do the job."""
    mappings_by_view = MAPPINGS_BY_DATA_VIEW if mappings_by_view is None else mappings_by_view
    problems = []
    for use in field_uses(objects):
        where = f"{use.object}: field {use.field!r} ({use.role})"
        if use.data_view not in mappings_by_view:
            problems.append(f"{where} is used with data view {use.data_view!r}, which has no index template")
            continue
        mappings = mappings_by_view[use.data_view]
        field_type = mapped_fields(mappings).get(use.field)
        if field_type is None:
            problems.append(f"{where} is not in the index template of {use.data_view}")
            continue
        if use.role == _SEARCHABLE:
            ok = field_type != "object" and use.field not in _unindexed(mappings)
            why = "is not searchable (a stored object or a field that is not indexed)"
        elif use.role == _SHOWN:
            ok, why = field_type != "object", "is a stored object, not a field Discover can show"
        else:
            ok = use.role not in _NEEDS or field_type in _NEEDS[use.role]
            why = f"has type {field_type}, which {use.role} cannot use"
        if not ok:
            problems.append(f"{where} {why}")
    return problems


def reference_problems(objects: list[dict]) -> list[str]:
    problems = []
    for n, obj in enumerate(objects, 1):
        missing = [key for key in ("id", "type", "attributes") if not obj.get(key)]
        if missing:
            problems.append(f"object {n} has no {', '.join(missing)}")
    present = Counter((obj.get("type"), obj.get("id")) for obj in objects)
    problems += [f"{kind} {oid} appears {times} times" for (kind, oid), times in present.items() if times > 1]
    for obj in objects:
        name = f"{obj.get('type')} {obj.get('id')}"
        refs = obj.get("references", [])
        names = Counter(ref.get("name") for ref in refs)
        problems += [f"{name}: reference name {ref_name!r} is used {times} times"
                     for ref_name, times in names.items() if times > 1]
        for ref in refs:
            if (ref.get("type"), ref.get("id")) not in present:
                problems.append(f"{name}: reference {ref.get('name')!r} points at {ref.get('type')} "
                                f"{ref.get('id')}, which is not in the import")
        by_name = {ref.get("name"): ref for ref in refs}
        wanted: list[tuple[str, str | None]] = []  # (reference name, expected type)
        if obj.get("type") == "search":
            source = _source(obj)
            wanted.append((source.get("indexRefName"), "index-pattern"))
            wanted += [(f.get("meta", {}).get("indexRefName"), "index-pattern") for f in source.get("filter", [])]
        elif obj.get("type") == "lens":
            wanted += [(f"indexpattern-datasource-layer-{layer_id}", "index-pattern") for layer_id in _lens_layers(obj)]
            if not _lens_layers(obj):
                problems.append(f"{name}: has no form-based layer")
        elif obj.get("type") == "dashboard":
            for panel in json.loads(obj["attributes"].get("panelsJSON") or "[]"):
                if "panelRefName" not in panel:
                    problems.append(f"{name}: panel {panel.get('panelIndex')!r} refers to no saved object")
                    continue
                wanted.append((f"{panel.get('panelIndex')}:{panel['panelRefName']}", panel.get("type")))
        for ref_name, kind in wanted:
            ref = by_name.get(ref_name)
            if ref is None:
                problems.append(f"{name}: names reference {ref_name!r}, which it does not have")
            elif kind and ref.get("type") != kind:
                problems.append(f"{name}: reference {ref_name!r} is a {ref.get('type')}, expected {kind}")
    return problems


def _accessors(visualization: dict) -> list[str]:
    """Column ids a Lens chart state refers to."""
    out = []
    for layer in visualization.get("layers", [visualization]):
        for key in ("xAccessor", "splitAccessor"):
            if layer.get(key):
                out.append(layer[key])
        for key in ("accessors", "primaryGroups", "secondaryGroups", "metrics"):
            out += layer.get(key) or []
        out += [column["columnId"] for column in layer.get("columns", [])]
        sort_column = (layer.get("sorting") or {}).get("columnId")
        if sort_column:
            out.append(sort_column)
    return out


def lens_problems(objects: list[dict]) -> list[str]:
    problems = []
    for obj in objects:
        if obj.get("type") != "lens":
            continue
        name = f"lens {obj.get('id')}"
        layers = _lens_layers(obj)
        columns_of_all = set()
        for layer_id, layer in layers.items():
            columns = layer.get("columns", {})
            columns_of_all |= set(columns)
            if set(layer.get("columnOrder", [])) != set(columns):
                problems.append(f"{name}: layer {layer_id} column order does not list exactly its columns")
            for column_id, column in columns.items():
                order_by = column.get("params", {}).get("orderBy", {})
                named = [order_by["columnId"]] if order_by.get("type") == "column" else []
                named += column.get("references", [])
                problems += [f"{name}: column {column_id} names column {other!r}, which does not exist"
                             for other in named if other not in columns]
        visualization = obj["attributes"].get("state", {}).get("visualization", {})
        for layer in visualization.get("layers", [visualization]):
            if layer.get("layerId") and layer["layerId"] not in layers:
                problems.append(f"{name}: the chart draws layer {layer['layerId']!r}, which has no data")
        problems += [f"{name}: the chart uses column {column!r}, which does not exist"
                     for column in _accessors(visualization) if column not in columns_of_all]
    return problems


def problems(objects: list[dict]) -> list[str]:
    """Everything wrong with ``objects`` as an import (empty when they are fit to send)."""
    return reference_problems(objects) + lens_problems(objects) + field_problems(objects)
