"""The questions a store answers, validated before any store sees them.

``PostQuery`` is a search: free text plus filters, a sort and a page. ``TrendQuery`` counts posts per time
bucket, optionally split by a field; ``TopQuery`` gives the most frequent values of a field. All three are
pydantic models with ``extra="forbid"``: an unknown field, an unknown label, a time range that ends before it
starts or a page beyond the result window is refused with a ``QueryError`` that says which and why.

Text semantics (the same in every store): the text is normalised like the posts (NFKC, simplified Chinese,
lower case) and split on whitespace into terms; a post matches when it contains every term. A term of two or
more characters matches as a substring of the title and text (燃气 finds 燃气泄漏 and 天然气灶); in Latin
letters and digits, a whole word (wifi finds "WiFi 信号", not "wifi6"). A single character matches only a
word the segmenter made of it alone (火 finds "起火了, 火很大" only where 火 stands alone), since a single
character would match almost everything.

Times are Asia/Shanghai: buckets of a trend start at local midnight (or the local hour, Monday, the 1st).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator,
)

from sheqing.records import ALERT_LEVELS, ALERT_STATUSES, CATEGORIES, RISKS, SENTIMENTS

__all__ = [
    "QueryError", "PostFilter", "PostQuery", "TrendQuery", "TopQuery", "AlertQuery", "build", "terms",
    "LOCAL_TZ", "GROUP_FIELDS", "TOP_FIELDS", "MAX_WINDOW", "one_of", "many",
]

LOCAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # China keeps no daylight saving time
MAX_WINDOW = 10_000  # deepest result reachable by paging (Elasticsearch's default window)
GROUP_FIELDS = ("category", "risk", "sentiment", "site", "district", "district_code", "street", "street_code")
TOP_FIELDS = GROUP_FIELDS + ("estate", "places_all", "keywords", "topic_id", "dup_group", "board")
SORTS = ("relevance", "newest", "oldest", "risk")


class QueryError(ValueError):
    """A query that cannot be answered as asked: the message names the field and the reason."""


def one_of(values, allowed, name: str) -> tuple:
    """``values`` as a tuple, each one of ``allowed``; else ValueError naming the value and the choices."""
    for value in values:
        if value not in allowed:
            raise ValueError(f"unknown {name} {value!r}; choose from {', '.join(allowed)}")
    return tuple(values)


def many(allowed=None, name: str = ""):
    """A list field that also takes a single string; with ``allowed``, every value must be one of them."""
    validators = [BeforeValidator(lambda value: (value,) if isinstance(value, str) else value)]
    if allowed is not None:
        validators.append(AfterValidator(lambda values: one_of(values, allowed, name)))
    return Annotated[(tuple[str, ...], *validators)]


class PostFilter(BaseModel):
    """Which posts: text and filters. Lists mean any of; different fields must all hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = ""
    category: many(CATEGORIES, "category") = ()
    risk: many(RISKS, "risk") = ()
    min_risk: str | None = Field(None, description="At or above this risk level.")
    sentiment: many(SENTIMENTS, "sentiment") = ()
    site: many() = ()
    place: many() = Field((), description="Place names or administrative codes (any level).")
    topic_id: str | None = None
    dup_group: str | None = None
    ids: many() = ()
    start: datetime | None = Field(None, description="Published at or after (inclusive).")
    end: datetime | None = Field(None, description="Published before (exclusive).")

    @field_validator("min_risk")
    @classmethod
    def _min_risk(cls, value):
        return value if value is None else one_of((value,), RISKS, "min_risk")[0]

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=LOCAL_TZ)  # a bare time is read as local time
        return value

    @model_validator(mode="after")
    def _range(self):
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"time range ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        return self

    @property
    def min_risk_level(self) -> int | None:
        return None if self.min_risk is None else RISKS.index(self.min_risk)


class PostQuery(PostFilter):
    """A search: which posts, in what order, which page."""

    sort: Literal["relevance", "newest", "oldest", "risk"] = Field(
        "relevance", description="relevance (newest when there is no text), newest, oldest, or risk then newest."
    )
    page: int = Field(1, ge=1)
    size: int = Field(20, ge=0, le=500)

    @model_validator(mode="after")
    def _window(self):
        if self.page * self.size > MAX_WINDOW:
            raise ValueError(f"page {self.page} of size {self.size} is beyond the first {MAX_WINDOW} results; "
                             "narrow the query or export instead")
        return self

    @property
    def effective_sort(self) -> str:
        return "newest" if self.sort == "relevance" and not terms(self.text) else self.sort


class TrendQuery(PostFilter):
    """Posts per time bucket, optionally split by a field."""

    interval: Literal["hour", "day", "week", "month"] = "day"
    group_by: str | None = None

    @field_validator("group_by")
    @classmethod
    def _group(cls, value):
        if value is not None and value not in GROUP_FIELDS:
            raise ValueError(f"cannot group by {value!r}; choose one of {', '.join(GROUP_FIELDS)}")
        return value


class TopQuery(PostFilter):
    """The most frequent values of a field among the matching posts."""

    field: str
    size: int = Field(10, ge=1, le=1000)

    @field_validator("field")
    @classmethod
    def _field(cls, value):
        if value not in TOP_FIELDS:
            raise ValueError(f"no top values for {value!r}; choose one of {', '.join(TOP_FIELDS)}")
        return value


class AlertQuery(BaseModel):
    """Which alerts: by status, level, rule, place, and time of the last update, newest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: many(ALERT_STATUSES, "status") = ()
    level: many(ALERT_LEVELS, "level") = ()
    rule: many() = ()
    place: many() = ()
    since: datetime | None = None
    limit: int = Field(100, ge=1, le=MAX_WINDOW)


def build(model: type[BaseModel], query=None, **fields):
    """``model`` from an instance, a dict or keyword arguments; invalid input raises ``QueryError``."""
    if isinstance(query, model):
        if fields:
            query = query.model_copy(update=fields)
            return build(model, query.model_dump())
        return query
    try:
        return model(**{**(query or {}), **fields})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'query'}: {_reason(err)}" for err in exc.errors()
        )
        raise QueryError(f"invalid {model.__name__}: {problems}") from None


def _reason(err) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    return err["msg"].removeprefix("Value error, ")


def terms(text: str) -> list[str]:
    """The normalised search terms of a query text."""
    from nlp.normalize import normalize_text

    return [t for t in normalize_text(text or "").lower().split() if t]
