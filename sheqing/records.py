"""The post record that flows through every stage, and the helpers that make its id and author key.

A post's ``id`` is ``"{site}:{forum_post_id}"``: derived only from the site name and the forum's own id,
so re-crawling the same floor always gives the same id and every write downstream is an idempotent upsert.
The author's name never reaches a record: ``author_key`` is a keyed hash (HMAC-SHA256) of the site and the
forum's user id or name, enough to count distinct authors of an issue and nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

SITE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime must carry a time zone")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


def _one_of(allowed: tuple[str, ...], name: str):
    """A string field that must be one of ``allowed``; else ``unknown <name> 'value'``."""

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {name} {value!r}")
        return value

    return Annotated[str, AfterValidator(check)]


def make_post_id(site: str, forum_post_id: str) -> str:
    """The stable id of a post: site name and the forum's own post id."""
    return f"{site}:{forum_post_id}"


def make_author_key(secret: bytes, site: str, author: str) -> str:
    """Keyed hash of an author on a site (16 hex digits). Same input and key, same key out."""
    digest = hmac.new(secret, f"{site}\x1f{author}".encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:16]


class Post(BaseModel):
    """One forum post (a floor, or a reply inside a floor), as crawled and before enrichment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="Stable id: '{site}:{post_id}'.")
    site: str = Field(pattern=SITE_NAME_PATTERN, description="Site name from its configuration file.")
    engine: str = Field(description="Forum engine: 'discuz' or 'tieba'.")
    board: str = Field(description="Board (Discuz fid) or bar (Tieba kw) the thread is in.")
    thread_id: str
    post_id: str = Field(description="The forum's own id of the post.")
    floor: int | None = Field(None, ge=1, description="Floor number in the thread; None for replies inside a floor.")
    reply_to: str | None = Field(None, description="Forum post id this post answers, where the page says.")
    url: str
    title: str = Field(description="Thread title.")
    text: str = Field(description="Plain text of the post, without quoted text, bounded in length.")
    truncated: bool = Field(False, description="True when the text was cut to the configured maximum.")
    author_key: str = Field(pattern=r"^[0-9a-f]{16}$", description="Keyed hash of the author; never the name.")
    published_at: AwareDatetime
    crawled_at: AwareDatetime
    thread_reply_count: int | None = Field(None, ge=0, description="Replies of the thread when crawled.")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("post text is empty")
        return value

    @model_validator(mode="after")
    def _id_matches(self) -> "Post":
        expected = make_post_id(self.site, self.post_id)
        if self.id != expected:
            raise ValueError(f"post id {self.id!r} should be {expected!r}")
        return self


CATEGORIES = (
    "public_order", "mass_fraud", "fire_safety", "utilities", "building_safety", "property_mgmt", "housing_land",
    "environment", "traffic", "food_drug", "health", "labor", "neighbor_dispute", "school_safety", "other",
)
RISKS = ("none", "low", "medium", "high", "critical")  # ordered
SENTIMENTS = ("negative", "neutral", "positive")
HEADS = ("category", "risk", "sentiment")  # the three labels, as the classifiers' heads are named
PLACE_KINDS = ("province", "city", "district", "street", "estate", "anonymised")


class PlaceMention(BaseModel):
    """A place named in a post: as written, and its administrative path where it could be resolved."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(description="The mention as written in the post (anonymised names such as A3区 kept).")
    kind: _one_of(PLACE_KINDS, "place kind") = Field(description="province, city, district, street, estate or anonymised.")
    code: str | None = Field(None, description="Administrative code of the resolved unit (2022 codes).")
    path: tuple[str, ...] = Field((), description="Names from province down to the resolved unit.")
    path_codes: tuple[str, ...] = Field((), description="Codes along the same path.")


class Enrichment(BaseModel):
    """What the NLP stage adds to a post. Every label carries its probability and the terms behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: _one_of(CATEGORIES, "category")
    risk: _one_of(RISKS, "risk")
    sentiment: _one_of(SENTIMENTS, "sentiment")
    scores: dict[str, dict[str, float]] = Field(description="Probabilities per label, for category, risk, sentiment.")
    evidence: dict[str, list[str]] = Field(description="Terms that drove each label (risk also names rules).")
    places: tuple[PlaceMention, ...] = ()
    keywords: tuple[str, ...] = ()
    simhash: str = Field(description="64-bit SimHash of the text, 16 hex digits.")
    dup_group: str = Field(description="Id of the first post of its near-duplicate group (itself if none).")
    topic_id: str | None = None
    model_version: str = ""


class EnrichedPost(Post):
    """A post with its enrichment: the record the store indexes and the alerts read."""

    enrichment: Enrichment


ALERT_LEVELS = ("blue", "yellow", "orange", "red")  # ordered, following the taxonomy's warning levels
ALERT_STATUSES = ("new", "acknowledged", "resolved")


class AlertEvent(BaseModel):
    """One step in an alert's history: raised, updated (grew), notified, acknowledged, resolved."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime
    action: str = Field(description="raised, updated, notified, acknowledged, resolved or reopened.")
    by: str = Field("system", description="User name of the monitor, or 'system'.")
    note: str = ""


class Alert(BaseModel):
    """An early-warning event. The fingerprint names the event, so the same event is one alert, updated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fingerprint: str = Field(min_length=1, max_length=200)
    rule: str = Field(description="Name of the rule that fired.")
    rule_type: str = Field(description="post, spike or hot_topic.")
    level: _one_of(ALERT_LEVELS, "alert level")
    status: _one_of(ALERT_STATUSES, "alert status") = "new"
    title: str = Field(description="What happened, in one sentence.")
    category: str | None = None
    numbers: dict[str, float | int | str] = Field(default_factory=dict, description="The figures that fired it.")
    post_ids: tuple[str, ...] = Field((), description="Evidence posts.")
    places: tuple[PlaceMention, ...] = ()
    office: str = Field("", description="Responsible office, from the taxonomy.")
    created_at: AwareDatetime
    updated_at: AwareDatetime
    history: tuple[AlertEvent, ...] = ()
    details: dict = Field(default_factory=dict, description="Rule-specific data (delivery state, series ...).")


class Correction(BaseModel):
    """A monitor's correction of a post's category or risk: stored, applied, and used by retraining."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    post_id: str
    field: str = Field(description="category or risk.")
    old: str
    new: str
    by: str = Field(min_length=1, description="User name of the monitor.")
    at: AwareDatetime
    note: str = ""

    @model_validator(mode="after")
    def _known(self) -> "Correction":
        allowed = {"category": CATEGORIES, "risk": RISKS}.get(self.field)
        if allowed is None:
            raise ValueError(f"only category or risk can be corrected, not {self.field!r}")
        if self.new not in allowed:
            raise ValueError(f"unknown {self.field} {self.new!r}")
        return self

    @property
    def key(self) -> str:
        """Unique id of the correction: post, field and time."""
        return f"{self.post_id}|{self.field}|{self.at.isoformat()}"
