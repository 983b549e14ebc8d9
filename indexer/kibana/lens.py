"""Builders for Lens saved objects in the Kibana 8.x/9.x form-based format.

A Lens object stores one layer per data view under ``state.datasourceStates.formBased.layers``: a map of
column id to column (``operationType``, ``sourceField``, ``params`` ...) and the column order. The chart itself
(``state.visualization``) refers to those columns by id, and the data view is a saved-object reference named
``indexpattern-datasource-layer-<layerId>``. The column shapes below are the ones Kibana writes when it exports
a Lens object (migration version 8.9.0); ``___records___`` is Lens's name for "count the documents".

Column ids are short readable names (``c_count``) rather than UUIDs, so the NDJSON can be read and reviewed.
"""

from __future__ import annotations

__all__ = [
    "RECORDS", "count", "date_histogram", "terms", "max_of", "last_value", "formula_difference",
    "lens_object", "xy_visualization", "pie_visualization", "table_visualization", "LENS_MIGRATION_VERSION",
    "CORE_MIGRATION_VERSION",
]

RECORDS = "___records___"  # Lens's pseudo-field for document counts
LENS_MIGRATION_VERSION = "8.9.0"  # the last Lens saved-object migration; the shape below is that version's
CORE_MIGRATION_VERSION = "8.8.0"


def count(label: str, *, time_shift: str | None = None) -> dict:
    """Number of posts (optionally shifted back in time, e.g. ``"1w"`` for the week before)."""
    column = {
        "label": label, "customLabel": True, "dataType": "number", "operationType": "count",
        "isBucketed": False, "scale": "ratio", "sourceField": RECORDS, "params": {"emptyAsNull": False},
    }
    if time_shift:
        column["timeShift"] = time_shift
    return column


def date_histogram(field: str, label: str, interval: str = "auto") -> dict:
    return {
        "label": label, "customLabel": True, "dataType": "date", "operationType": "date_histogram",
        "isBucketed": True, "scale": "interval", "sourceField": field,
        "params": {"interval": interval, "includeEmptyRows": True, "dropPartials": False},
    }


def terms(field: str, label: str, *, size: int, order_by: str, other_bucket: bool = False,
          exclude_regex: str | None = None) -> dict:
    """Top ``size`` values of a keyword field, ranked by the metric column ``order_by``."""
    params: dict = {
        "size": size, "orderBy": {"type": "column", "columnId": order_by}, "orderDirection": "desc",
        "otherBucket": other_bucket, "missingBucket": False, "parentFormat": {"id": "terms"},
    }
    if exclude_regex:
        params.update(include=[], exclude=[exclude_regex], includeIsRegex=False, excludeIsRegex=True)
    return {
        "label": label, "customLabel": True, "dataType": "string", "operationType": "terms",
        "isBucketed": True, "scale": "ordinal", "sourceField": field, "params": params,
    }


def max_of(field: str, label: str) -> dict:
    return {
        "label": label, "customLabel": True, "dataType": "number", "operationType": "max",
        "isBucketed": False, "scale": "ratio", "sourceField": field, "params": {"emptyAsNull": True},
    }


def last_value(field: str, label: str, *, sort_field: str) -> dict:
    """The value of ``field`` on the latest document by ``sort_field`` (e.g. the newest title of a topic)."""
    return {
        "label": label, "customLabel": True, "dataType": "string", "operationType": "last_value",
        "isBucketed": False, "scale": "ordinal", "sourceField": field,
        "params": {"sortField": sort_field, "showArrayValues": False},
    }


def formula_difference(column_id: str, label: str, shift: str = "1w") -> dict[str, dict]:
    """A formula column ``count() - count(shift='1w')`` with the helper columns Lens stores beside it.

    Lens keeps a formula as the formula text plus the columns it compiled to (``<id>X0`` ...); the saved
    object must carry both, exactly as Lens writes them.
    """
    text = f"count() - count(shift='{shift}')"
    part = f"Part of {label}"
    x0, x1, x2 = (f"{column_id}X{n}" for n in range(3))
    return {
        column_id: {
            "label": label, "customLabel": True, "dataType": "number", "operationType": "formula",
            "isBucketed": False, "scale": "ratio", "references": [x2],
            "params": {"formula": text, "isFormulaBroken": False,
                       "format": {"id": "number", "params": {"decimals": 0}}},
        },
        x0: count(part),
        x1: count(part, time_shift=shift),
        x2: {
            "label": part, "customLabel": True, "dataType": "number", "operationType": "math",
            "isBucketed": False, "scale": "ratio", "references": [x0, x1],
            "params": {"tinymathAst": {"type": "function", "name": "subtract", "args": [x0, x1],
                                       "location": {"min": 0, "max": len(text)}, "text": text}},
        },
    }


def xy_visualization(layer_id: str, *, series_type: str, x: str, y: list[str], split: str | None = None) -> dict:
    """A bar/line chart: ``x`` column on the horizontal axis, ``y`` metric columns, optional ``split`` series."""
    layer = {"layerId": layer_id, "layerType": "data", "seriesType": series_type, "xAccessor": x,
             "accessors": list(y), "position": "top", "showGridlines": False}
    if split:
        layer["splitAccessor"] = split
    on = {"x": True, "yLeft": True, "yRight": True}
    return {
        "legend": {"isVisible": True, "position": "right"}, "valueLabels": "hide", "fittingFunction": "None",
        "preferredSeriesType": series_type, "axisTitlesVisibilitySettings": on, "tickLabelsVisibilitySettings": on,
        "gridlinesVisibilitySettings": on, "labelsOrientation": {"x": 0, "yLeft": 0, "yRight": 0},
        "layers": [layer],
    }


def pie_visualization(layer_id: str, *, groups: list[str], metric: str, shape: str = "donut") -> dict:
    return {"shape": shape, "layers": [{
        "layerId": layer_id, "layerType": "data", "primaryGroups": list(groups), "metrics": [metric],
        "numberDisplay": "percent", "categoryDisplay": "default", "legendDisplay": "default", "nestedLegend": False,
    }]}


def table_visualization(layer_id: str, columns: list[str], *, sort_by: str | None = None) -> dict:
    state: dict = {"layerId": layer_id, "layerType": "data", "columns": [{"columnId": c} for c in columns],
                   "rowHeight": "single", "rowHeightLines": 1}
    if sort_by:
        state["sorting"] = {"columnId": sort_by, "direction": "desc"}
    return state


def lens_object(object_id: str, title: str, description: str, *, visualization_type: str, data_view: str,
                layer_id: str, columns: dict[str, dict], column_order: list[str], visualization: dict,
                query: str = "") -> dict:
    """One Lens saved object over one data view, with its single layer and the reference to the data view."""
    if set(column_order) != set(columns):
        raise ValueError(f"{object_id}: column order {column_order} does not list the columns {sorted(columns)}")
    return {
        "type": "lens", "id": object_id,
        "coreMigrationVersion": CORE_MIGRATION_VERSION, "typeMigrationVersion": LENS_MIGRATION_VERSION,
        "managed": False,
        "attributes": {
            "title": title, "description": description, "visualizationType": visualization_type,
            "state": {
                "visualization": visualization,
                "query": {"query": query, "language": "kuery"},
                "filters": [],
                "datasourceStates": {"formBased": {"layers": {layer_id: {
                    "columns": columns, "columnOrder": list(column_order), "incompleteColumns": {},
                }}}},
                "internalReferences": [], "adHocDataViews": {},
            },
        },
        "references": [{"type": "index-pattern", "id": data_view,
                        "name": f"indexpattern-datasource-layer-{layer_id}"}],
    }
