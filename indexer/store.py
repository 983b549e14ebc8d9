"""The store interface: everything that reads or writes posts and alerts goes through a ``Store``.

Two implementations answer the same questions the same way: ``SqliteStore`` (one file, the embedded default)
and ``ElasticsearchStore`` (production). ``open_store(settings)`` picks one from the settings; it is the only
place that decides which.

Writes are idempotent upserts by id (posts) or fingerprint (alerts). ``upsert_posts`` reports documents the
store refused, with the reason, instead of raising; a store that cannot be reached raises
``StoreUnavailable`` and nothing of the batch counts as written, so the caller keeps it pending.
"""

from __future__ import annotations

import abc
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sheqing.records import Alert, AlertEvent, Correction, EnrichedPost

from .query import AlertQuery, PostQuery, QueryError, TopQuery, TrendQuery, build, terms

if TYPE_CHECKING:
    from sheqing.settings import Settings

__all__ = [
    "Store", "StoreError", "StoreUnavailable", "QueryError", "Rejected", "UpsertReport", "Hit", "SearchResult",
    "Bucket", "snippet", "open_store", "transition",
]


class StoreError(RuntimeError):
    """The store failed to do what was asked."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or is not writable: retry later, nothing was lost."""


@dataclass(frozen=True)
class Rejected:
    id: str
    reason: str


@dataclass
class UpsertReport:
    written: int = 0
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    post: EnrichedPost
    snippet: str  # HTML: escaped text with <mark> around the matched terms
    score: float | None = None


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    page: int
    size: int


@dataclass(frozen=True)
class Bucket:
    start: datetime  # local (Asia/Shanghai) start of the bucket
    key: str | None  # the group's value, None when not grouped
    count: int


class Store(abc.ABC):
    """Posts and alerts, with search and trend queries. Use as a context manager or call ``close()``."""

    name: str = "store"

    # -- set-up --------------------------------------------------------------------------------
    @abc.abstractmethod
    def install(self) -> None:
        """Create or migrate the schema (idempotent)."""

    def close(self) -> None:  # pragma: no cover - trivial default
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- posts ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def upsert_posts(self, posts: Iterable[EnrichedPost]) -> UpsertReport:
        """Insert or replace posts by id. Refused documents are reported, not raised."""

    @abc.abstractmethod
    def get_posts(self, ids: Sequence[str]) -> dict[str, EnrichedPost]:
        """The posts with these ids that exist."""

    def get_post(self, post_id: str) -> EnrichedPost | None:
        return self.get_posts([post_id]).get(post_id)

    def search(self, query: PostQuery | dict | None = None, **fields) -> SearchResult:
        """Full-text search with filters, sort and paging; each hit with a highlighted snippet."""
        q = build(PostQuery, query, **fields)
        total, posts, scores = self._search(q)
        words = terms(q.text)
        return SearchResult(total=total, page=q.page, size=q.size, hits=[
            Hit(post=p, snippet=snippet(p.text, words), score=s) for p, s in zip(posts, scores)
        ])

    def count(self, query: PostQuery | dict | None = None, **fields) -> int:
        return self.search(query, **{**fields, "size": 0}).total

    def trend(self, query: TrendQuery | dict | None = None, **fields) -> list[Bucket]:
        """Posts per time bucket (local time), split by ``group_by``; only non-empty buckets, in time order."""
        return self._trend(build(TrendQuery, query, **fields))

    def top(self, query: TopQuery | dict | None = None, **fields) -> list[tuple[str, int]]:
        """The most frequent values of a field: (value, count), count descending then value ascending."""
        return self._top(build(TopQuery, query, **fields))

    @abc.abstractmethod
    def _search(self, q: PostQuery) -> tuple[int, list[EnrichedPost], list[float | None]]: ...

    @abc.abstractmethod
    def _trend(self, q: TrendQuery) -> list[Bucket]: ...

    @abc.abstractmethod
    def _top(self, q: TopQuery) -> list[tuple[str, int]]: ...

    # -- the alert ledger ----------------------------------------------------------------------
    @abc.abstractmethod
    def put_alert(self, alert: Alert) -> None:
        """Insert or replace the alert with this fingerprint."""

    @abc.abstractmethod
    def get_alert(self, fingerprint: str) -> Alert | None: ...

    def alerts(self, query: AlertQuery | dict | None = None, **fields) -> list[Alert]:
        """Alerts matching the query, most recently updated first."""
        return self._alerts(build(AlertQuery, query, **fields))

    @abc.abstractmethod
    def _alerts(self, q: AlertQuery) -> list[Alert]: ...

    def set_alert_status(self, fingerprint: str, status: str, *, by: str, note: str = "",
                         at: datetime | None = None) -> Alert:
        """Acknowledge, resolve or reopen an alert; the change and its note go into its history."""
        alert = self.get_alert(fingerprint)
        if alert is None:
            raise KeyError(f"no alert with fingerprint {fingerprint!r}")
        updated = transition(alert, status, by=by, note=note, at=at)
        self.put_alert(updated)
        return updated


    # -- corrections ---------------------------------------------------------------------------
    @abc.abstractmethod
    def put_correction(self, correction: Correction) -> None:
        """Record a monitor's correction (idempotent by post, field and time)."""

    @abc.abstractmethod
    def corrections(self, since: datetime | None = None, post_id: str | None = None) -> list[Correction]:
        """Every correction (made at or after ``since``; of ``post_id`` only, if given), oldest first."""

    def correct_post(self, post_id: str, field: str, new: str, *, by: str, note: str = "",
                     at: datetime | None = None) -> EnrichedPost:
        """Correct a post's category or risk: the correction is recorded and the stored post changes.

        The changed label's evidence says who corrected it, so a page shows why it differs from the model.
        """
        post = self.get_post(post_id)
        if post is None:
            raise KeyError(f"no post with id {post_id!r}")
        if field not in ("category", "risk"):
            raise ValueError(f"only category or risk can be corrected, not {field!r}")
        at = at or datetime.now(timezone.utc)
        correction = Correction(post_id=post_id, field=field, old=getattr(post.enrichment, field), new=new, by=by,
                                at=at, note=note)
        self.put_correction(correction)
        previous = [e for e in post.enrichment.evidence.get(field, []) if not e.startswith("corrected by ")]
        evidence = {**post.enrichment.evidence, field: [f"corrected by {by}", *previous]}
        changed = post.model_copy(update={"enrichment": post.enrichment.model_copy(
            update={field: new, "evidence": evidence})})
        report = self.upsert_posts([changed])
        if report.rejected:
            raise StoreError(f"the store refused the corrected post {post_id}: {report.rejected[0].reason}")
        return changed


_ACTION_BY_STATUS = {"acknowledged": "acknowledged", "resolved": "resolved", "new": "reopened"}


def transition(alert: Alert, status: str, *, by: str, note: str = "", at: datetime | None = None) -> Alert:
    """``alert`` moved to ``status``, with the step recorded in its history."""
    if status not in _ACTION_BY_STATUS:
        raise ValueError(f"unknown alert status {status!r}")
    at = at or datetime.now(timezone.utc)
    event = AlertEvent(at=at, action=_ACTION_BY_STATUS[status], by=by, note=note)
    return alert.model_copy(update={"status": status, "updated_at": at, "history": (*alert.history, event)})


_SNIPPET_CHARS = 160


def snippet(text: str, words: Sequence[str], width: int = _SNIPPET_CHARS) -> str:
    """An HTML excerpt of the post around the first matched term, every term wrapped in ``<mark>``.

    The excerpt is the post as written (whitespace collapsed), so markup in a post shows as text: everything
    crawled is escaped here and only the ``<mark>`` tags are ours. Terms are found ignoring case. Without
    terms (or no match in the text), the start of the text.
    """
    body = " ".join(text.split())
    lowered = body.lower()
    positions = [lowered.find(w) for w in words if w]
    found = [p for p in positions if p >= 0]
    start = max(0, min(found) - width // 4) if found else 0
    piece = body[start:start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(body) else ""
    if not words:
        return html.escape(prefix + piece + suffix)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w),
                         re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(piece):
        out.append(html.escape(piece[last:m.start()]))
        out.append(f"<mark>{html.escape(m.group())}</mark>")
        last = m.end()
    out.append(html.escape(piece[last:]))
    return html.escape(prefix) + "".join(out) + html.escape(suffix)


def open_store(settings: "Settings") -> Store:
    """The store the settings name: Elasticsearch when ``SHEQING_ES_URL`` is set, else the SQLite file."""
    if settings.es_url:
        from .es_store import ElasticsearchStore

        return ElasticsearchStore.from_settings(settings)
    from .sqlite_store import SqliteStore

    return SqliteStore(settings.sqlite_path)
