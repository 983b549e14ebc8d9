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
