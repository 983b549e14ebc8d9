"""Elasticsearch names, index templates and the lifecycle policy, as plain dicts.

Posts live in rolling indices ``{prefix}-posts-000001, -000002 ...`` behind the write alias
``{prefix}-posts``; an ILM policy rolls the write index over by age and size and deletes indices older than
the retention. Alerts are few and updated in place: one index behind the alias ``{prefix}-alerts``; monitors' corrections
likewise behind ``{prefix}-corrections``.

The text is indexed twice without any analysis plugin: ``body`` with the built-in ``cjk_bigram`` filter
(substring search, the equivalent of SQLite's trigram index) and ``text_seg``, already segmented by the
project's segmenter, with a whitespace analyzer (word search). ``title`` and ``text`` are kept for display
and analysed with the same bigram analyzer so that analysts can search them in Kibana directly.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Names", "POST_MAPPINGS", "ALERT_MAPPINGS", "CORRECTION_MAPPINGS", "ANALYSIS", "posts_template", "alerts_template",
           "corrections_template",
           "lifecycle_policy", "mapped_fields"]

ANALYSIS = {
    "analyzer": {
        "cjk_bigram": {"type": "custom", "tokenizer": "standard", "filter": ["cjk_width", "lowercase", "cjk_bigram"]},
        "segmented": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
    }
}

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date", "format": "strict_date_optional_time||epoch_millis"}
_CJK_TEXT = {"type": "text", "analyzer": "cjk_bigram"}
_PLACE = {
    "type": "object", "enabled": False,  # the full mentions, kept for display; searched via the lists below
}

POST_MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD, "site": _KEYWORD, "engine": _KEYWORD, "board": _KEYWORD, "thread_id": _KEYWORD,
        "post_id": _KEYWORD, "floor": {"type": "integer"}, "reply_to": _KEYWORD,
        "url": {"type": "keyword", "index": False},
        "title": {**_CJK_TEXT, "fields": {"raw": {"type": "keyword", "ignore_above": 512}}},
        "text": _CJK_TEXT,
        "truncated": {"type": "boolean"},
        "author_key": _KEYWORD, "thread_reply_count": {"type": "integer"},
        "published_at": _DATE, "crawled_at": _DATE, "indexed_at": _DATE,
        "body": {"type": "text", "analyzer": "cjk_bigram"},
        "text_seg": {"type": "text", "analyzer": "segmented"},
        "category": _KEYWORD, "risk": _KEYWORD, "risk_level": {"type": "byte"}, "sentiment": _KEYWORD,
        "category_score": {"type": "float"}, "risk_score": {"type": "float"}, "sentiment_score": {"type": "float"},
        "scores": {"type": "object", "enabled": False},
        "evidence_category": _KEYWORD, "evidence_risk": _KEYWORD, "evidence_sentiment": _KEYWORD,
        "keywords": _KEYWORD, "simhash": _KEYWORD, "dup_group": _KEYWORD, "topic_id": _KEYWORD,
        "model_version": _KEYWORD,
        "places": _PLACE, "places_all": _KEYWORD, "estate": _KEYWORD,
        "province": _KEYWORD, "province_code": _KEYWORD, "city": _KEYWORD, "city_code": _KEYWORD,
        "district": _KEYWORD, "district_code": _KEYWORD, "street": _KEYWORD, "street_code": _KEYWORD,
    },
}

ALERT_MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "fingerprint": _KEYWORD, "rule": _KEYWORD, "rule_type": _KEYWORD, "level": _KEYWORD, "status": _KEYWORD,
        "title": {**_CJK_TEXT, "fields": {"raw": {"type": "keyword", "ignore_above": 512}}},
        "category": _KEYWORD, "numbers": {"type": "object", "enabled": False}, "post_ids": _KEYWORD,
        "places": _PLACE, "office": _KEYWORD, "created_at": _DATE, "updated_at": _DATE,
        "history": {"type": "object", "enabled": False}, "details": {"type": "object", "enabled": False},
        "places_all": _KEYWORD, "estate": _KEYWORD,
        "province": _KEYWORD, "province_code": _KEYWORD, "city": _KEYWORD, "city_code": _KEYWORD,
        "district": _KEYWORD, "district_code": _KEYWORD, "street": _KEYWORD, "street_code": _KEYWORD,
    },
}


CORRECTION_MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "post_id": _KEYWORD, "field": _KEYWORD, "old": _KEYWORD, "new": _KEYWORD, "by": _KEYWORD,
        "at": _DATE, "note": {"type": "text", "analyzer": "cjk_bigram"},
    },
}


@dataclass(frozen=True)
class Names:
    """Every Elasticsearch name derived from one prefix."""

    prefix: str = "sheqing"

    @property
    def posts_alias(self) -> str:
        return f"{self.prefix}-posts"

    @property
    def posts_pattern(self) -> str:
        return f"{self.prefix}-posts-*"

    @property
    def first_posts_index(self) -> str:
        return f"{self.prefix}-posts-000001"

    @property
    def alerts_alias(self) -> str:
        return f"{self.prefix}-alerts"

    @property
    def alerts_index(self) -> str:
        return f"{self.prefix}-alerts-000001"

    @property
    def corrections_alias(self) -> str:
        return f"{self.prefix}-corrections"

    @property
    def corrections_index(self) -> str:
        return f"{self.prefix}-corrections-000001"

    @property
    def posts_template(self) -> str:
        return f"{self.prefix}-posts"

    @property
    def alerts_template(self) -> str:
        return f"{self.prefix}-alerts"

    @property
    def policy(self) -> str:
        return f"{self.prefix}-posts-policy"


def posts_template(names: Names, *, shards: int = 1, replicas: int = 1, with_lifecycle: bool = True) -> dict:
    """The composable index template of the posts indices."""
    settings: dict = {"number_of_shards": shards, "number_of_replicas": replicas, "analysis": ANALYSIS}
    if with_lifecycle:
        settings["index.lifecycle.name"] = names.policy
        settings["index.lifecycle.rollover_alias"] = names.posts_alias
    return {
        "index_patterns": [names.posts_pattern],
        "priority": 200,
        "template": {"settings": settings, "mappings": POST_MAPPINGS},
        "_meta": {"managed_by": "sheqing", "description": "community posts with labels, places and topics"},
    }


def alerts_template(names: Names, *, replicas: int = 1) -> dict:
    return {
        "index_patterns": [f"{names.prefix}-alerts-*"],
        "priority": 200,
        "template": {"settings": {"number_of_shards": 1, "number_of_replicas": replicas, "analysis": ANALYSIS},
                     "mappings": ALERT_MAPPINGS},
        "_meta": {"managed_by": "sheqing", "description": "the alert ledger"},
    }


def corrections_template(names: Names, *, replicas: int = 1) -> dict:
    return {
        "index_patterns": [f"{names.prefix}-corrections-*"],
        "priority": 200,
        "template": {"settings": {"number_of_shards": 1, "number_of_replicas": replicas, "analysis": ANALYSIS},
                     "mappings": CORRECTION_MAPPINGS},
        "_meta": {"managed_by": "sheqing", "description": "monitors' corrections, for retraining"},
    }


def lifecycle_policy(retention_days: int = 365, max_age: str = "30d", max_size: str = "50gb") -> dict:
    """ILM: hot with rollover by age or size, then delete ``retention_days`` after rollover."""
    return {
        "phases": {
            "hot": {"min_age": "0ms", "actions": {"rollover": {"max_age": max_age, "max_primary_shard_size": max_size}}},
            "delete": {"min_age": f"{retention_days}d", "actions": {"delete": {}}},
        },
        "_meta": {"managed_by": "sheqing"},
    }


def mapped_fields(mappings: dict = POST_MAPPINGS) -> dict[str, str]:
    """Every field path of a mapping and its type (multi-fields as ``title.raw``)."""
    out: dict[str, str] = {}

    def walk(props: dict, prefix: str) -> None:
        for name, spec in props.items():
            path = f"{prefix}{name}"
            out[path] = spec.get("type", "object")
            for sub, sub_spec in spec.get("fields", {}).items():
                out[f"{path}.{sub}"] = sub_spec["type"]
            if "properties" in spec:
                walk(spec["properties"], f"{path}.")

    walk(mappings["properties"], "")
    return out
