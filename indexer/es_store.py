"""``ElasticsearchStore``: the production store, on the official ``elasticsearch`` client (8.x or 9.x).

Layout (names from ``es_schema.Names``): posts in rolling indices ``{prefix}-posts-000001, -000002 ...``
behind the write alias ``{prefix}-posts``, managed by the lifecycle policy ``{prefix}-posts-policy``
(rollover by age or size, delete after the retention); alerts in one index behind ``{prefix}-alerts``.
``install()`` puts the policy and both index templates and creates the first indices with their aliases
when they are missing, so it can run at every start. A server without index lifecycle management
(OpenSearch, osmem-server) gets the templates without the lifecycle settings and a warning in the log.

Writes: ``upsert_posts`` streams ``index`` actions through ``helpers.streaming_bulk`` and reports every
document the cluster refused (mapping conflicts, strict mapping ...) as ``Rejected``; bulk requests the
cluster pushes back with 429 are retried with back-off. Because a rollover moves the write alias to a new
index while the post ids stay the same, an update is written to the index that already holds the post (one
``ids`` search per batch over the alias) and only new posts go to the write alias: a post is never stored
twice. After the writes the alias is refreshed explicitly, so a write is visible to the next search.

Reads follow ``indexer.query`` (text terms, filters, sorts with ``id`` as the last tie-breaker, trends in
Asia/Shanghai local time) and give the same answers as ``SqliteStore``. A cluster that cannot be reached
raises ``StoreUnavailable``; any other refusal raises ``StoreError`` naming the error type and reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from elasticsearch import ApiError, ConnectionTimeout, TransportError, helpers

from sheqing.records import Alert, Correction, EnrichedPost

from . import es_schema
from .documents import alert_document, alert_from_document, post_document, post_from_document
from .query import LOCAL_TZ, MAX_WINDOW, AlertQuery, PostFilter, PostQuery, TopQuery, TrendQuery, terms
from .store import Bucket, Rejected, Store, StoreError, StoreUnavailable, UpsertReport

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from sheqing.settings import Settings

__all__ = ["ElasticsearchStore"]

log = logging.getLogger(__name__)

_BATCH = 500  # posts per lookup of their current index, and per bulk request
_MAX_GROUPS = 10_000  # distinct values of a group-by field per time bucket
_UNAVAILABLE_STATUSES = {429, 502, 503, 504}
_SEARCH_ONLY_FIELDS = ["body", "text_seg"]  # derived for search; not needed to rebuild the post
_SORTS = {
    "newest": [{"published_at": "desc"}, {"id": "desc"}],
    "oldest": [{"published_at": "asc"}, {"id": "asc"}],
    "risk": [{"risk_level": "desc"}, {"published_at": "desc"}, {"id": "desc"}],
    "relevance": [{"_score": "desc"}, {"published_at": "desc"}, {"id": "desc"}],
}


class ElasticsearchStore(Store):
    """Posts and alerts in Elasticsearch. Takes a ready client; ``from_settings`` builds one."""

    name = "elasticsearch"

    def __init__(self, client: "Elasticsearch", *, names: es_schema.Names | None = None,
                 retention_days: int = 365, rollover_max_age: str = "30d", rollover_max_size: str = "50gb",
                 bulk_retries: int = 5, bulk_backoff: float = 2.0, owns_client: bool = False):
        self.client = client
        self.names = names or es_schema.Names()
        self.retention_days = retention_days
        self.rollover_max_age = rollover_max_age
        self.rollover_max_size = rollover_max_size
        self.bulk_retries = bulk_retries
        self.bulk_backoff = bulk_backoff
        self.owns_client = owns_client
        self.lifecycle_managed: bool | None = None  # known after install()

    @classmethod
    def from_settings(cls, settings: "Settings", **client_overrides: Any) -> "ElasticsearchStore":
        """The store the settings describe, with a client of its own (closed by ``close()``)."""
        from .es_client import client_from_settings

        return cls(client_from_settings(settings, **client_overrides),
                   names=es_schema.Names(settings.es_index_prefix), retention_days=settings.es_retention_days,
                   rollover_max_age=settings.es_rollover_max_age,
                   rollover_max_size=settings.es_rollover_max_size, owns_client=True)

    def close(self) -> None:
        if self.owns_client:
            self.client.close()

    @contextmanager
    def _errors(self, doing: str):
        """Client errors as store errors, in plain words, naming what was being done."""
        try:
            yield
        except ApiError as exc:
            status = exc.meta.status if exc.meta is not None else None
            detail = _api_error_detail(exc)
            if "too_many_buckets" in detail:  # answered as 503 by some versions, but retrying will not help
                raise StoreError(f"too many buckets while {doing}: {detail}; narrow the time range, filter "
                                 "more, or use a longer interval") from exc
            if status in _UNAVAILABLE_STATUSES:
                raise StoreUnavailable(f"Elasticsearch is busy or unavailable while {doing} "
                                       f"(HTTP {status}): {detail}; retry later") from exc
            if status in (401, 403):
                raise StoreError(f"Elasticsearch refused our credentials while {doing} (HTTP {status}): "
                                 f"{detail}; check SHEQING_ES_API_KEY or SHEQING_ES_USERNAME/PASSWORD") from exc
            if "index_not_found" in detail:
                raise StoreError(f"Elasticsearch has no {self.names.prefix} indices while {doing}: "
                                 f"{detail}; run `sheqing store install` first") from exc
            raise StoreError(f"Elasticsearch refused {doing} (HTTP {status}): {detail}") from exc
        except TransportError as exc:  # connection refused, DNS, TLS, timeout: nothing reached the cluster
            raise StoreUnavailable(f"Elasticsearch cannot be reached at {self._hosts()} ({_plain_cause(exc)}) "
                                   f"while {doing}; retry later") from exc

    def _hosts(self) -> str:
        try:
            return ", ".join(n.config.scheme + "://" + n.config.host + ":" + str(n.config.port)
                             for n in self.client.transport.node_pool.all())
        except AttributeError:  # pragma: no cover - a client double without a node pool
            return "the configured URL"

    # -- set-up --------------------------------------------------------------------------------
    def install(self) -> None:
        """Policy, templates, first indices and aliases; safe to repeat, and it adds new mapped fields."""
        n = self.names
        self.lifecycle_managed = self._put_policy()
        with self._errors("installing the index templates"):
            self.client.indices.put_index_template(
                name=n.posts_template, **_template_args(es_schema.posts_template(
                    n, with_lifecycle=self.lifecycle_managed)))
            self.client.indices.put_index_template(name=n.alerts_template,
                                                   **_template_args(es_schema.alerts_template(n)))
            self.client.indices.put_index_template(name=n.corrections_alias,
                                                   **_template_args(es_schema.corrections_template(n)))
        for alias, index, mappings in ((n.posts_alias, n.first_posts_index, es_schema.POST_MAPPINGS),
                                       (n.alerts_alias, n.alerts_index, es_schema.ALERT_MAPPINGS),
                                       (n.corrections_alias, n.corrections_index, es_schema.CORRECTION_MAPPINGS)):
            with self._errors(f"creating the index behind {alias}"):
                if self.client.indices.exists_alias(name=alias):
                    # existing indices keep their mapping: add what this version maps (new fields only)
                    self.client.indices.put_mapping(index=alias, properties=mappings["properties"],
                                                    dynamic=mappings["dynamic"])
                    continue
                try:
                    self.client.indices.create(index=index, aliases={alias: {"is_write_index": True}})
                except ApiError as exc:
                    if "resource_already_exists" not in _api_error_detail(exc):
                        raise
                    log.info("%s was created by another process meanwhile", index)  # an install race

    def _put_policy(self) -> bool:
        """Put the lifecycle policy; False (and a warning) when the server has no lifecycle management."""
        policy = es_schema.lifecycle_policy(self.retention_days, self.rollover_max_age, self.rollover_max_size)
        try:
            with self._errors(f"putting the lifecycle policy {self.names.policy}"):
                self.client.ilm.put_lifecycle(name=self.names.policy, policy=policy)
        except StoreError as exc:
            cause = exc.__cause__
            status = getattr(getattr(cause, "meta", None), "status", None)
            if isinstance(cause, ApiError) and (
                status in (404, 405, 501) or (status == 400 and "no handler found" in str(cause))):
                log.warning(
                    "this search server has no index lifecycle management (ILM): posts indices will NOT roll "
                    "over (max age %s, max size %s) and posts older than %d days will NOT be deleted; the "
                    "templates are installed without lifecycle settings",
                    self.rollover_max_age, self.rollover_max_size, self.retention_days)
                return False
            raise
        return True

    # -- posts ---------------------------------------------------------------------------------
    def upsert_posts(self, posts: Iterable[EnrichedPost]) -> UpsertReport:
        """Index the posts by id, updates in place; refused documents are reported with the reason.

        The alias is refreshed once after the writes (not ``refresh=wait_for`` per bulk request, which
        would wait up to a refresh interval per chunk): what was written is visible to the next search.
        """
        report = UpsertReport()
        written: set[str] = set()
        with self._errors("writing posts"):
            # 429 is left to streaming_bulk, which retries only the refused documents, with back-off
            bulk_client = self.client.options(retry_on_status=tuple(_UNAVAILABLE_STATUSES - {429}))
            for ok, item in helpers.streaming_bulk(
                bulk_client, self._actions(posts, report), chunk_size=_BATCH, raise_on_error=False,
                raise_on_exception=False, max_retries=self.bulk_retries, initial_backoff=self.bulk_backoff,
                max_backoff=60,
            ):
                info = next(iter(item.values()))
                if ok:
                    written.add(info["_id"])
                    continue
                if isinstance(info.get("exception"), ApiError):
                    raise info["exception"]  # the bulk request as a whole failed: not the document's fault
                if info.get("status") == 429:
                    raise StoreUnavailable("Elasticsearch kept rejecting writes as too many requests (HTTP 429) "
                                           f"after {self.bulk_retries} retries; retry later")
                report.rejected.append(Rejected(info.get("_id", "?"), _bulk_item_reason(info)))
            if written:
                self.client.indices.refresh(index=self.names.posts_alias)
        report.written = len(written)
        return report

    def _actions(self, posts: Iterable[EnrichedPost], report: UpsertReport) -> Iterator[dict]:
        """Bulk actions, a batch at a time: updates go to the index holding the post, new posts to the alias."""
        indexed_at = datetime.now(timezone.utc)
        batch: dict[str, dict] = {}
        for post in posts:
            try:
                batch[post.id] = post_document(post, indexed_at=indexed_at)  # a repeated id: the last copy wins
            except Exception as exc:  # a post that cannot become a document is reported, not fatal
                report.rejected.append(Rejected(getattr(post, "id", "?"), f"{type(exc).__name__}: {exc}"))
                continue
            if len(batch) >= _BATCH:
                yield from self._batch_actions(batch)
                batch = {}
        if batch:
            yield from self._batch_actions(batch)

    def _batch_actions(self, batch: dict[str, dict]) -> Iterator[dict]:
        holders = self._holders(list(batch))
        for post_id, doc in batch.items():
            yield {"_op_type": "index", "_index": holders.get(post_id, self.names.posts_alias),
                   "_id": post_id, "_source": doc}

    def _holders(self, ids: list[str]) -> dict[str, str]:
        """The concrete index that holds each of these post ids now (the newest, if ever more than one)."""
        resp = self.client.search(index=self.names.posts_alias, query={"ids": {"values": ids}},
                                  size=min(2 * len(ids), MAX_WINDOW), source=False)
        holders: dict[str, str] = {}
        for hit in resp["hits"]["hits"]:
            if hit["_index"] > holders.get(hit["_id"], ""):
                holders[hit["_id"]] = hit["_index"]
        return holders

    def get_posts(self, ids: Sequence[str]) -> dict[str, EnrichedPost]:
        ids = list(dict.fromkeys(ids))
        out: dict[str, EnrichedPost] = {}
        for i in range(0, len(ids), _BATCH):
            chunk = ids[i:i + _BATCH]
            with self._errors("reading posts"):
                resp = self.client.search(index=self.names.posts_alias, query={"ids": {"values": chunk}},
                                          size=2 * len(chunk), source_excludes=_SEARCH_ONLY_FIELDS)
            for hit in sorted(resp["hits"]["hits"], key=lambda h: h["_index"]):  # newest index wins
                out[hit["_id"]] = post_from_document(hit["_source"])
        return out

    # -- queries -------------------------------------------------------------------------------
    def _search(self, q: PostQuery):
        scored = bool(terms(q.text))  # a score only where there is text to score, whatever the sort
        with self._errors("searching posts"):
            resp = self.client.search(
                index=self.names.posts_alias, query=post_query(q), sort=_SORTS[q.effective_sort], size=q.size,
                from_=(q.page - 1) * q.size, track_total_hits=True, track_scores=scored,
                source_excludes=_SEARCH_ONLY_FIELDS)
        hits = resp["hits"]["hits"]
        scores = [hit.get("_score") if scored else None for hit in hits]
        return (resp["hits"]["total"]["value"], [post_from_document(h["_source"]) for h in hits],
                [None if s is None else float(s) for s in scores])

    def _trend(self, q: TrendQuery) -> list[Bucket]:
        histogram: dict[str, Any] = {"date_histogram": {
            "field": "published_at", "calendar_interval": q.interval, "time_zone": "+08:00", "min_doc_count": 1}}
        if q.group_by:
            histogram["aggs"] = {"group": {"terms": {"field": q.group_by, "size": _MAX_GROUPS}}}
        with self._errors("counting posts per time bucket"):
            resp = self.client.search(index=self.names.posts_alias, query=post_query(q), size=0,
                                      aggs={"trend": histogram})
        out = []
        for bucket in resp["aggregations"]["trend"]["buckets"]:
            start = datetime.fromtimestamp(bucket["key"] / 1000, tz=LOCAL_TZ)
            if not q.group_by:
                out.append(Bucket(start=start, key=None, count=bucket["doc_count"]))
                continue
            groups = sorted((str(g["key"]), g["doc_count"]) for g in bucket["group"]["buckets"])
            out.extend(Bucket(start=start, key=key, count=count) for key, count in groups)
        return out

    def _top(self, q: TopQuery) -> list[tuple[str, int]]:
        agg = {"terms": {"field": q.field, "size": q.size, "order": [{"_count": "desc"}, {"_key": "asc"}]}}
        with self._errors(f"counting the top values of {q.field}"):
            resp = self.client.search(index=self.names.posts_alias, query=post_query(q), size=0,
                                      aggs={"top": agg})
        return [(str(b["key"]), b["doc_count"]) for b in resp["aggregations"]["top"]["buckets"]]

    # -- the alert ledger ----------------------------------------------------------------------
    def put_alert(self, alert: Alert) -> None:
        """Index the alert by fingerprint and wait until searches see it (``refresh=wait_for``)."""
        with self._errors(f"writing alert {alert.fingerprint}"):
            self.client.index(index=self.names.alerts_alias, id=alert.fingerprint,
                              document=alert_document(alert), refresh="wait_for")

    def get_alert(self, fingerprint: str) -> Alert | None:
        with self._errors(f"reading alert {fingerprint}"):
            resp = self.client.search(index=self.names.alerts_alias, query={"ids": {"values": [fingerprint]}},
                                      size=1)
        hits = resp["hits"]["hits"]
        return alert_from_document(hits[0]["_source"]) if hits else None

    def _alerts(self, q: AlertQuery) -> list[Alert]:
        filters: list[dict] = []
        for field, values in (("status", q.status), ("level", q.level), ("rule", q.rule), ("places_all", q.place)):
            if values:
                filters.append({"terms": {field: list(values)}})
        if q.since is not None:
            since = q.since if q.since.tzinfo else q.since.replace(tzinfo=LOCAL_TZ)
            filters.append({"range": {"updated_at": {"gte": since.isoformat()}}})
        with self._errors("listing alerts"):
            resp = self.client.search(index=self.names.alerts_alias, query={"bool": {"filter": filters}},
                                      sort=[{"updated_at": "desc"}, {"fingerprint": "asc"}], size=q.limit)
        return [alert_from_document(h["_source"]) for h in resp["hits"]["hits"]]


    # -- corrections ---------------------------------------------------------------------------
    def put_correction(self, correction: Correction) -> None:
        """Index the correction by its key and wait until searches see it."""
        with self._errors(f"writing the correction of {correction.post_id}"):
            self.client.index(index=self.names.corrections_alias, id=correction.key,
                              document=correction.model_dump(mode="json"), refresh="wait_for")

    def corrections(self, since: datetime | None = None, post_id: str | None = None) -> list[Correction]:
        filters = ([{"range": {"at": {"gte": since.isoformat()}}}] if since else []) + \
            ([{"term": {"post_id": post_id}}] if post_id else [])
        query = {"bool": {"filter": filters}} if filters else {"match_all": {}}
        with self._errors("listing corrections"):
            resp = self.client.search(index=self.names.corrections_alias, query=query,
                                      sort=[{"at": "asc"}, {"post_id": "asc"}, {"field": "asc"}], size=MAX_WINDOW)
        return [Correction.model_validate(h["_source"]) for h in resp["hits"]["hits"]]


def post_query(q: PostFilter) -> dict:
    """The Elasticsearch query of a filter (``indexer.query`` semantics).

    Every text term must match: a single character as a whole word of ``text_seg`` (the segmenter's
    words); anything longer as a phrase of ``body``, whose ``cjk_bigram`` analyzer makes Chinese runs into
    overlapping bigrams and keeps Latin words whole, so a Chinese term matches as a substring and a Latin
    term as a whole word. The other fields are filters.
    """
    must: list[dict] = []
    for term in terms(q.text):
        must.append({"term": {"text_seg": term}} if len(term) == 1 else {"match_phrase": {"body": term}})
    filters: list[dict] = []
    for field, values in (("category", q.category), ("risk", q.risk), ("sentiment", q.sentiment),
                          ("site", q.site), ("places_all", q.place)):
        if values:
            filters.append({"terms": {field: list(values)}})
    if q.ids:
        filters.append({"ids": {"values": list(q.ids)}})
    for field in ("topic_id", "dup_group"):
        if getattr(q, field) is not None:
            filters.append({"term": {field: getattr(q, field)}})
    if q.min_risk_level is not None:
        filters.append({"range": {"risk_level": {"gte": q.min_risk_level}}})
    published: dict[str, str] = {}
    if q.start is not None:
        published["gte"] = q.start.isoformat()
    if q.end is not None:
        published["lt"] = q.end.isoformat()
    if published:
        filters.append({"range": {"published_at": published}})
    if not must and not filters:
        return {"match_all": {}}
    return {"bool": {"must": must, "filter": filters}}


def _template_args(template: dict) -> dict:
    """A template body as keyword arguments of ``put_index_template`` (``_meta`` is ``meta``)."""
    args = {k: v for k, v in template.items() if k != "_meta"}
    if "_meta" in template:
        args["meta"] = template["_meta"]
    return args


def _api_error_detail(exc: ApiError) -> str:
    """``type: reason`` of an error response, whatever its shape."""
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        cause = (error.get("root_cause") or [error])[0]
        return f"{cause.get('type', error.get('type'))}: {cause.get('reason', error.get('reason'))}"
    if error:
        return str(error)
    return str(getattr(exc, "message", exc))


def _plain_cause(exc: TransportError) -> str:
    """Why a request did not reach the cluster, in a few words."""
    text = str(exc)
    if isinstance(exc, ConnectionTimeout):
        return "no answer within the timeout (SHEQING_ES_TIMEOUT)"
    for needle, words in (("Connection refused", "connection refused"),
                          ("Name or service not known", "unknown host name"),
                          ("nodename nor servname", "unknown host name"),
                          ("CERTIFICATE_VERIFY_FAILED", "TLS certificate not trusted: check SHEQING_ES_CA_CERTS"),
                          ("Network is unreachable", "network unreachable")):
        if needle in text:
            return words
    return f"{type(exc).__name__}: {text}"


def _bulk_item_reason(info: dict) -> str:
    """Why the cluster refused one document: ``type: reason`` (and the cause, when there is one)."""
    error = info.get("error")
    if isinstance(error, dict):
        reason = f"{error.get('type')}: {error.get('reason')}"
        caused = error.get("caused_by")
        if isinstance(caused, dict):
            reason += f" (caused by {caused.get('type')}: {caused.get('reason')})"
        return reason
    return f"HTTP {info.get('status')}: {error}"
