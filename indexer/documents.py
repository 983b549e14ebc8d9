"""The stored shape of a post and of an alert: flat documents both stores (and Kibana) read.

An enriched post becomes one flat JSON document (``post_document``): the post's own fields, the labels with
their top probability, the evidence per label, and the places flattened into keyword lists by level
(``district``, ``street`` ... and their codes) so that a Lens chart or a SQL ``GROUP BY`` can count them. Two
derived text fields carry the search: ``body`` is the normalised title and text (NFKC, simplified Chinese,
lower case), searched by substring; ``text_seg`` is the same text segmented into words by the project's
segmenter and joined by spaces, searched by word. Both stores index exactly these strings, so a query means
the same thing in both. ``post_from_document`` turns a document back into the ``EnrichedPost``.

Times are stored as ISO 8601 with their offset (``+08:00``): Elasticsearch keeps them as instants and
Kibana shows them in the analyst's zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from sheqing.records import RISKS, Alert, EnrichedPost, Enrichment

__all__ = [
    "PLACE_LEVEL_FIELDS", "KEYWORD_LIST_FIELDS", "post_document", "post_from_document", "search_body",
    "segmented", "grams", "alert_document", "alert_from_document", "risk_level",
]

# place levels flattened into keyword lists: (names field, codes field)
PLACE_LEVEL_FIELDS = {
    "province": ("province", "province_code"),
    "city": ("city", "city_code"),
    "district": ("district", "district_code"),
    "street": ("street", "street_code"),
}
# fields that hold several values per post (arrays in Elasticsearch, a side table in SQLite)
KEYWORD_LIST_FIELDS = (
    "keywords", "places_all", "estate", "evidence_category", "evidence_risk", "evidence_sentiment",
    *(f for pair in PLACE_LEVEL_FIELDS.values() for f in pair),
)
_POST_FIELDS = (
    "id", "site", "engine", "board", "thread_id", "post_id", "floor", "reply_to", "url", "title", "text",
    "truncated", "author_key", "thread_reply_count",
)
_ADMIN_LEVEL_BY_CODE_LENGTH = {2: "province", 4: "city", 6: "district", 9: "street"}


def risk_level(risk: str) -> int:
    """Position of a risk label in the ordered scale (none 0 ... critical 4)."""
    return RISKS.index(risk)


def search_body(title: str, text: str) -> str:
    """The searchable text: normalised title and text, lower case (what substring search runs on)."""
    from nlp.normalize import normalize_text

    return normalize_text(f"{title}\n{text}", max_chars=1_000_000).lower()


def segmented(body: str) -> str:
    """Words of an already normalised body, joined by single spaces (what word search runs on)."""
    from nlp.segment import tokenize

    return " ".join(tokenize(body))


_GRAM_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([0-9a-z]+)")


def grams(body: str) -> list[str]:
    """The tokens Elasticsearch's ``cjk_bigram`` analyzer makes of a lower-case text, computed in Python.

    A run of Chinese characters gives its overlapping bigrams (one character alone gives itself); a run of
    Latin letters and digits gives itself. The SQLite store indexes these so that a two-character term, or a
    term with Latin letters, matches exactly what it matches in Elasticsearch.
    """
    out: list[str] = []
    for m in _GRAM_RUN.finditer(body):
        run = m.group()
        if m.group(1) and len(run) > 1:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def _iso(value: datetime) -> str:
    return value.isoformat()


def post_document(post: EnrichedPost, indexed_at: datetime | None = None) -> dict[str, Any]:
    """The flat document stored for ``post`` (see the module docstring for the fields)."""
    e = post.enrichment
    for name in ("title", "text"):
        try:
            getattr(post, name).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"{name} is not valid Unicode (a lone surrogate at character {exc.start}); "
                             "the page was probably decoded with the wrong charset") from None
    doc: dict[str, Any] = {name: getattr(post, name) for name in _POST_FIELDS}
    body = search_body(post.title, post.text)
    doc.update(
        published_at=_iso(post.published_at), crawled_at=_iso(post.crawled_at),
        indexed_at=_iso(indexed_at or datetime.now(timezone.utc)),
        body=body, text_seg=segmented(body),
        category=e.category, risk=e.risk, risk_level=risk_level(e.risk), sentiment=e.sentiment,
        category_score=e.scores.get("category", {}).get(e.category),
        risk_score=e.scores.get("risk", {}).get(e.risk),
        sentiment_score=e.scores.get("sentiment", {}).get(e.sentiment),
        scores=e.scores, keywords=list(e.keywords), simhash=e.simhash, dup_group=e.dup_group,
        topic_id=e.topic_id, model_version=e.model_version,
        places=[p.model_dump(mode="json") for p in e.places],
    )
    for head in ("category", "risk", "sentiment"):
        doc[f"evidence_{head}"] = list(e.evidence.get(head, []))
    doc.update(_place_fields(e.places))
    return doc


def _place_fields(places) -> dict[str, list[str]]:
    """Places as keyword lists: every name and code along every path, by level, and estates."""
    out: dict[str, list[str]] = {f: [] for pair in PLACE_LEVEL_FIELDS.values() for f in pair}
    out["estate"], out["places_all"] = [], []

    def add(field: str, value: str) -> None:
        if value and value not in out[field]:
            out[field].append(value)

    for place in places:
        add("places_all", place.text)
        if place.kind == "estate":
            add("estate", place.text)
        for name, code in zip(place.path, place.path_codes):
            add("places_all", name)
            add("places_all", code)
            level = _ADMIN_LEVEL_BY_CODE_LENGTH.get(len(code))
            if level:
                names_field, codes_field = PLACE_LEVEL_FIELDS[level]
                add(names_field, name)
                add(codes_field, code)
    return out


def post_from_document(doc: dict[str, Any]) -> EnrichedPost:
    """The ``EnrichedPost`` a stored document was made from."""
    enrichment = Enrichment(
        category=doc["category"], risk=doc["risk"], sentiment=doc["sentiment"], scores=doc["scores"],
        evidence={h: doc.get(f"evidence_{h}", []) for h in ("category", "risk", "sentiment")},
        places=tuple(doc.get("places", ())), keywords=tuple(doc.get("keywords", ())),
        simhash=doc["simhash"], dup_group=doc["dup_group"], topic_id=doc.get("topic_id"),
        model_version=doc.get("model_version", ""),
    )
    fields = {name: doc.get(name) for name in _POST_FIELDS}
    fields["truncated"] = bool(fields["truncated"])
    return EnrichedPost(**fields, published_at=doc["published_at"], crawled_at=doc["crawled_at"],
                        enrichment=enrichment)


def alert_document(alert: Alert) -> dict[str, Any]:
    """The flat document stored for an alert: the record plus place keyword lists for filtering."""
    doc = alert.model_dump(mode="json")
    doc.update(_place_fields(alert.places))
    return doc


def alert_from_document(doc: dict[str, Any]) -> Alert:
    fields = {name: doc[name] for name in Alert.model_fields if name in doc}
    return Alert(**fields)
