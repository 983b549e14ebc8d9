"""``SqliteStore``: the embedded default store, one SQLite file in WAL mode.

Tables (schema version in ``PRAGMA user_version``, upgraded by ``MIGRATIONS`` when the file is opened):

- ``posts``: one row per post id with the filterable columns and the whole document as JSON;
- ``post_values``: the multi-valued keyword fields of a post (places by level, estates, keywords ...), one
  row per value, so that a place filter or a group-by district is an index lookup;
- ``posts_words``: FTS5 over the segmented text (``text_seg``: words joined by spaces, for one-character
  terms) and over ``grams``, the tokens Elasticsearch's cjk_bigram analyzer would make (for two-character
  terms and terms with Latin letters or digits, which the trigram index cannot answer or answers
  differently);
- ``posts_chars``: FTS5 with the trigram tokenizer over the normalised text (``body``), for Chinese terms of
  three characters or more: any substring;
- ``alerts`` and ``alert_values``: the alert ledger;
- ``corrections``: monitors' corrections of category and risk (schema version 2).

The query semantics are those of ``indexer.query`` and match ``ElasticsearchStore``. Times are stored as
epoch milliseconds; trend buckets are computed in Asia/Shanghai local time (UTC+8, no daylight saving).

Writes run in one transaction per batch; a row is replaced by id, so repeating a batch changes nothing.
A file that cannot be opened or written (missing folder permissions, disk full, locked past the timeout)
raises ``StoreUnavailable``.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sheqing.records import Alert, Correction, EnrichedPost

from .documents import (
    KEYWORD_LIST_FIELDS, alert_document, alert_from_document, grams, post_document, post_from_document,
)
from .query import LOCAL_TZ, AlertQuery, PostFilter, PostQuery, TopQuery, TrendQuery, terms
from .store import Bucket, Rejected, Store, StoreError, StoreUnavailable, UpsertReport

__all__ = ["SqliteStore", "MIGRATIONS"]

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    # 1: posts, their multi-valued fields, the two full-text indexes, the alert ledger
    """
    CREATE TABLE posts (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL, board TEXT NOT NULL,
        category TEXT NOT NULL, risk TEXT NOT NULL, risk_level INTEGER NOT NULL, sentiment TEXT NOT NULL,
        topic_id TEXT, dup_group TEXT,
        published_ms INTEGER NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX posts_published ON posts (published_ms);
    CREATE INDEX posts_category ON posts (category, published_ms);
    CREATE INDEX posts_risk ON posts (risk_level, published_ms);
    CREATE INDEX posts_site ON posts (site, published_ms);
    CREATE INDEX posts_topic ON posts (topic_id) WHERE topic_id IS NOT NULL;
    CREATE INDEX posts_dup ON posts (dup_group);
    CREATE TABLE post_values (
        field TEXT NOT NULL, value TEXT NOT NULL, post INTEGER NOT NULL,
        PRIMARY KEY (field, value, post)
    ) WITHOUT ROWID;
    CREATE INDEX post_values_post ON post_values (post);
    CREATE VIRTUAL TABLE posts_words USING fts5 (text_seg, grams, tokenize = 'unicode61 remove_diacritics 0');
    CREATE VIRTUAL TABLE posts_chars USING fts5 (body, tokenize = 'trigram');
    CREATE TABLE alerts (
        fingerprint TEXT PRIMARY KEY, rule TEXT NOT NULL, level TEXT NOT NULL, status TEXT NOT NULL,
        updated_ms INTEGER NOT NULL, doc TEXT NOT NULL
    );
    CREATE INDEX alerts_updated ON alerts (updated_ms);
    CREATE TABLE alert_values (
        fingerprint TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (value, fingerprint)
    ) WITHOUT ROWID;
    """,
    # 2: monitors' corrections of category and risk
    """
    CREATE TABLE corrections (
        key TEXT PRIMARY KEY, post_id TEXT NOT NULL, at_ms INTEGER NOT NULL, doc TEXT NOT NULL
    );
    CREATE INDEX corrections_at ON corrections (at_ms);
    """,
)

_COLUMN_FIELDS = {"category", "risk", "sentiment", "site", "board", "topic_id", "dup_group"}
_BUCKET_MS = {"hour": 3_600_000, "day": 86_400_000}
_OFFSET_MS = 8 * 3_600_000
_DOC_ONLY_IN_FTS = ("body", "text_seg")
_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class _Sql:
    """A query under construction: FROM source, AND-ed conditions, named parameters, score terms."""

    def __init__(self) -> None:
        self.source = "posts p"
        self.conds: list[str] = []
        self.params: dict[str, object] = {}
        self.scores: list[str] = []

    def param(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def params_list(self, values) -> str:
        return ",".join(self.param(v) for v in values)

    def cond(self, condition: str) -> None:
        self.conds.append(condition)

    @property
    def where(self) -> str:
        return " AND ".join(self.conds) or "1"


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class SqliteStore(Store):
    name = "sqlite"

    def __init__(self, path: Path | str, timeout: float = 30.0):
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout, check_same_thread=False,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open the SQLite store {self.path}: {exc}") from exc
        self.install()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self):
        """One write transaction; database errors become StoreUnavailable (nothing of it is kept)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"SQLite store {self.path} is not writable: {exc}") from exc

    def _read(self, sql: str, params: Sequence | dict = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                raise StoreError(f"SQLite store {self.path}: {exc}") from exc

    # -- schema --------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return self._read("PRAGMA user_version")[0][0]

    def install(self) -> None:
        current = self.schema_version
        if current > len(MIGRATIONS):
            raise StoreError(f"{self.path} has schema version {current}, newer than this sheqing "
                             f"({len(MIGRATIONS)}); upgrade sheqing")
        for version in range(current + 1, len(MIGRATIONS) + 1):
            with self._tx() as db:
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {version}")
            log.info("SQLite store %s migrated to schema version %d", self.path, version)

    # -- posts ---------------------------------------------------------------------------------
    def upsert_posts(self, posts: Iterable[EnrichedPost]) -> UpsertReport:
        report = UpsertReport()
        rows = []
        for post in posts:
            try:
                doc = post_document(post)
                rows.append((post.id, doc, json.dumps(
                    {k: v for k, v in doc.items() if k not in _DOC_ONLY_IN_FTS}, ensure_ascii=False)))
            except Exception as exc:  # a post that cannot become a document is reported, not fatal
                report.rejected.append(Rejected(getattr(post, "id", "?"), f"{type(exc).__name__}: {exc}"))
        if not rows:
            return report
        rows = list({post_id: (post_id, doc, js) for post_id, doc, js in rows}.values())  # last copy wins
        with self._tx() as db:
            existing = self._rowids(db, [r[0] for r in rows])
            if existing:
                gone = [(rowid,) for rowid in existing.values()]
                db.executemany("DELETE FROM posts_words WHERE rowid = ?", gone)
                db.executemany("DELETE FROM posts_chars WHERE rowid = ?", gone)
                db.executemany("DELETE FROM post_values WHERE post = ?", gone)
            next_rowid = (db.execute("SELECT max(rowid) FROM posts").fetchone()[0] or 0) + 1
            post_rows, words, chars, values = [], [], [], []
            for post_id, doc, js in rows:
                rowid = existing.get(post_id)
                if rowid is None:
                    rowid, next_rowid = next_rowid, next_rowid + 1
                post_rows.append((rowid, post_id, doc["site"], doc["board"], doc["category"], doc["risk"],
                                  doc["risk_level"], doc["sentiment"], doc["topic_id"], doc["dup_group"],
                                  _ms(datetime.fromisoformat(doc["published_at"])), js))
                words.append((rowid, doc["text_seg"], " ".join(grams(doc["body"]))))
                chars.append((rowid, doc["body"]))
                values.extend((f, v, rowid) for f in KEYWORD_LIST_FIELDS for v in set(doc[f]))
            db.executemany(
                "INSERT OR REPLACE INTO posts (rowid, id, site, board, category, risk, risk_level, sentiment, "
                "topic_id, dup_group, published_ms, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", post_rows)
            db.executemany("INSERT INTO posts_words (rowid, text_seg, grams) VALUES (?, ?, ?)", words)
            db.executemany("INSERT INTO posts_chars (rowid, body) VALUES (?, ?)", chars)
            db.executemany("INSERT INTO post_values (field, value, post) VALUES (?, ?, ?)", values)
        report.written = len(rows)
        return report

    @staticmethod
    def _rowids(db, ids: list[str]) -> dict[str, int]:
        out = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(db.execute(f"SELECT id, rowid FROM posts WHERE id IN ({marks})", chunk).fetchall())
        return out

    def get_posts(self, ids: Sequence[str]) -> dict[str, EnrichedPost]:
        out = {}
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for post_id, doc in self._read(f"SELECT id, doc FROM posts WHERE id IN ({marks})", chunk):
                out[post_id] = post_from_document(json.loads(doc))
        return out

    # -- queries -------------------------------------------------------------------------------
    def _filter(self, q: PostFilter) -> _Sql:
        """The posts a filter selects, as a FROM source and WHERE conditions with named parameters.

        With text, the full-text tables lead the join (``CROSS JOIN`` fixes SQLite's join order): a term
        is selective, and probing the index once per post of a whole site or category is not.
        """
        sql = _Sql()

        def any_of(column: str, values) -> None:
            if values:
                sql.cond(f"p.{column} IN ({sql.params_list(values)})")

        any_of("category", q.category)
        any_of("risk", q.risk)
        any_of("sentiment", q.sentiment)
        any_of("site", q.site)
        any_of("id", q.ids)
        if q.topic_id is not None:
            sql.cond(f"p.topic_id = {sql.param(q.topic_id)}")
        if q.dup_group is not None:
            sql.cond(f"p.dup_group = {sql.param(q.dup_group)}")
        if q.min_risk_level is not None:
            sql.cond(f"p.risk_level >= {sql.param(q.min_risk_level)}")
        if q.start is not None:
            sql.cond(f"p.published_ms >= {sql.param(_ms(q.start))}")
        if q.end is not None:
            sql.cond(f"p.published_ms < {sql.param(_ms(q.end))}")
        if q.place:
            sql.cond("p.rowid IN (SELECT post FROM post_values WHERE field = 'places_all' "
                     f"AND value IN ({sql.params_list(q.place)}))")
        substrings, word_matches = [], []
        for term in terms(q.text):
            if len(term) >= 3 and _CHINESE.fullmatch(term):
                substrings.append(_fts_phrase(term))
            elif len(term) == 1:
                word_matches.append("text_seg : " + _fts_phrase(term))
            else:
                word_matches.append("grams : " + _fts_phrase(" ".join(grams(term))))
        sources = []
        if substrings:
            sources.append("posts_chars")
            sql.cond(f"posts_chars MATCH {sql.param(' AND '.join(substrings))}")
            sql.scores.append("-bm25(posts_chars)")
        if word_matches:
            sources.append("posts_words")
            sql.cond(f"posts_words MATCH {sql.param(' AND '.join(word_matches))}")
            sql.scores.append("-bm25(posts_words)")
        for table in sources[1:]:
            sql.cond(f"{table}.rowid = {sources[0]}.rowid")
        if sources:
            sql.cond(f"p.rowid = {sources[0]}.rowid")
        sql.source = " CROSS JOIN ".join([*sources, "posts p"])
        return sql

    def _search(self, q: PostQuery):
        sql = self._filter(q)
        total = self._read(f"SELECT count(*) FROM {sql.source} WHERE {sql.where}", sql.params)[0][0]
        if q.size == 0 or total == 0:
            return total, [], []
        order = {
            "newest": "p.published_ms DESC, p.id DESC",
            "oldest": "p.published_ms ASC, p.id ASC",
            "risk": "p.risk_level DESC, p.published_ms DESC, p.id DESC",
            "relevance": "score DESC, p.published_ms DESC, p.id DESC",
        }[q.effective_sort]
        score = " + ".join(sql.scores) or "NULL"
        rows = self._read(
            f"SELECT p.doc, {score} AS score FROM {sql.source} WHERE {sql.where} ORDER BY {order} "
            f"LIMIT {sql.param(q.size)} OFFSET {sql.param((q.page - 1) * q.size)}", sql.params)
        posts = [post_from_document(json.loads(doc)) for doc, _ in rows]
        scores = [None if s is None else float(s) for _, s in rows]
        return total, posts, scores

    def _trend(self, q: TrendQuery) -> list[Bucket]:
        sql = self._filter(q)
        local = f"(p.published_ms + {_OFFSET_MS})"
        if q.interval in _BUCKET_MS:
            size = _BUCKET_MS[q.interval]
            bucket = f"({local} / {size}) * {size}"
        elif q.interval == "week":  # day 0 (1970-01-01) was a Thursday: shift so weeks start on Monday
            bucket = f"((({local} / 86400000) + 3) / 7 * 7 - 3) * 86400000"
        else:
            bucket = f"strftime('%Y-%m', {local} / 1000, 'unixepoch')"
        key, source = "NULL", sql.source
        if q.group_by in _COLUMN_FIELDS:
            key = f"p.{q.group_by}"
        elif q.group_by:
            key, source = "g.value", f"{source} CROSS JOIN post_values g"
            sql.cond(f"g.post = p.rowid AND g.field = {sql.param(q.group_by)}")
        rows = self._read(f"SELECT {bucket} AS b, {key} AS k, count(*) FROM {source} WHERE {sql.where} "
                          "GROUP BY b, k ORDER BY b, k", sql.params)
        return [Bucket(start=_bucket_start(b), key=k, count=n) for b, k, n in rows]

    def _top(self, q: TopQuery) -> list[tuple[str, int]]:
        sql = self._filter(q)
        source = sql.source
        if q.field in _COLUMN_FIELDS:
            value = f"p.{q.field}"
            sql.cond(f"{value} IS NOT NULL")
        else:
            value, source = "g.value", f"{source} CROSS JOIN post_values g"
            sql.cond(f"g.post = p.rowid AND g.field = {sql.param(q.field)}")
        rows = self._read(f"SELECT {value} AS v, count(*) AS n FROM {source} WHERE {sql.where} "
                          f"GROUP BY v ORDER BY n DESC, v ASC LIMIT {sql.param(q.size)}", sql.params)
        return [(v, n) for v, n in rows]

    # -- alerts --------------------------------------------------------------------------------
    def put_alert(self, alert: Alert) -> None:
        doc = alert_document(alert)
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO alerts (fingerprint, rule, level, status, updated_ms, doc) "
                "VALUES (?,?,?,?,?,?)",
                (alert.fingerprint, alert.rule, alert.level, alert.status, _ms(alert.updated_at),
                 json.dumps(doc, ensure_ascii=False)),
            )
            db.execute("DELETE FROM alert_values WHERE fingerprint = ?", (alert.fingerprint,))
            db.executemany("INSERT INTO alert_values (fingerprint, value) VALUES (?, ?)",
                           [(alert.fingerprint, v) for v in set(doc["places_all"])])

    def get_alert(self, fingerprint: str) -> Alert | None:
        rows = self._read("SELECT doc FROM alerts WHERE fingerprint = ?", (fingerprint,))
        return alert_from_document(json.loads(rows[0][0])) if rows else None

    def _alerts(self, q: AlertQuery) -> list[Alert]:
        conds, params = [], []
        for column, values in (("status", q.status), ("level", q.level), ("rule", q.rule)):
            if values:
                conds.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        if q.place:
            conds.append(f"fingerprint IN (SELECT fingerprint FROM alert_values "
                         f"WHERE value IN ({','.join('?' * len(q.place))}))")
            params.extend(q.place)
        if q.since is not None:
            since = q.since if q.since.tzinfo else q.since.replace(tzinfo=LOCAL_TZ)
            conds.append("updated_ms >= ?")
            params.append(_ms(since))
        rows = self._read(
            f"SELECT doc FROM alerts WHERE {' AND '.join(conds) or '1'} "
            "ORDER BY updated_ms DESC, fingerprint ASC LIMIT ?", params + [q.limit])
        return [alert_from_document(json.loads(doc)) for (doc,) in rows]

    # -- corrections ---------------------------------------------------------------------------
    def put_correction(self, correction: Correction) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO corrections (key, post_id, at_ms, doc) VALUES (?,?,?,?)",
                       (correction.key, correction.post_id, _ms(correction.at), correction.model_dump_json()))

    def corrections(self, since: datetime | None = None, post_id: str | None = None) -> list[Correction]:
        rows = self._read("SELECT doc FROM corrections WHERE at_ms >= ? AND (? IS NULL OR post_id = ?) "
                          "ORDER BY at_ms, key", (_ms(since) if since else 0, post_id, post_id))
        return [Correction.model_validate_json(doc) for (doc,) in rows]


def _bucket_start(value) -> datetime:
    """A bucket key (local epoch ms, or 'YYYY-MM') as the aware local datetime it starts at."""
    if isinstance(value, str):
        year, month = value.split("-")
        return datetime(int(year), int(month), 1, tzinfo=LOCAL_TZ)
    return (datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=value - _OFFSET_MS)
            ).astimezone(LOCAL_TZ)
