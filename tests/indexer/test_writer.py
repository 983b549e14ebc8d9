"""Nothing is lost on the way into a store: refused posts wait in a dead-letter file; a store that is down
keeps the batch pending. Runs against the real SQLite store (and, for refusals, Elasticsearch too)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from indexer.sqlite_store import SqliteStore
from indexer.store import StoreUnavailable
from indexer.writer import index_posts, read_dead_letters

from .samples import make_posts

POSTS = make_posts()


def broken(post):
    """The same post with a text no store can keep (a lone surrogate from a wrongly decoded page)."""
    return post.model_copy(update={"text": post.text + "\ud800"})


def test_refused_posts_wait_with_their_reason_and_are_retried(store, tmp_path, caplog):
    bad = broken(POSTS[2])
    report = index_posts(store, [POSTS[0], bad, POSTS[1]], tmp_path, batch_size=2)
    assert report.written == 2 and [r.id for r in report.rejected] == [bad.id] and report.waiting == 1
    assert "lone surrogate" in report.rejected[0].reason
    assert f"refused post {bad.id}" in caplog.text
    letters = read_dead_letters(store, tmp_path)
    assert [(x["id"], x["attempts"]) for x in letters] == [(bad.id, 1)]
    assert store.count() == 2

    again = index_posts(store, [], tmp_path)  # still refused: attempts counted, nothing lost
    assert again.recovered == 0 and again.waiting == 1
    assert read_dead_letters(store, tmp_path)[0]["attempts"] == 2

    fixed = POSTS[2].model_copy(update={"crawled_at": POSTS[2].crawled_at + timedelta(hours=1)})
    final = index_posts(store, [fixed], tmp_path)  # a newer crawl of the same post supersedes the refusal
    assert final.written == 1 and final.waiting == 0
    assert read_dead_letters(store, tmp_path) == []
    assert not (tmp_path / f"{store.name}.jsonl").exists()
    assert store.get_post(fixed.id).text == POSTS[2].text


def test_a_dead_letter_the_store_now_takes_is_recovered(sqlite_store, tmp_path, monkeypatch):
    bad = broken(POSTS[3])
    index_posts(sqlite_store, [bad], tmp_path)
    # the store learns to keep such texts (as after a fix): the dead letter goes in on the next run
    import indexer.documents as documents

    original = documents.post_document
    monkeypatch.setattr("indexer.sqlite_store.post_document", lambda p, *a: original(
        p.model_copy(update={"text": p.text.encode("utf-8", "replace").decode()}), *a))
    report = index_posts(sqlite_store, [], tmp_path)
    assert report.recovered == 1 and report.waiting == 0
    assert sqlite_store.get_post(bad.id) is not None


def test_a_locked_store_raises_unavailable_and_keeps_everything(tmp_path):
    path = tmp_path / "store.sqlite"
    store = SqliteStore(path, timeout=0.2)
    index_posts(store, [broken(POSTS[0])], tmp_path / "dead")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the file
    with pytest.raises(StoreUnavailable, match="not writable"):
        index_posts(store, POSTS[1:4], tmp_path / "dead")
    assert [x["id"] for x in read_dead_letters(store, tmp_path / "dead")] == [POSTS[0].id]
    other.execute("ROLLBACK")
    other.close()
    report = index_posts(store, POSTS[1:4], tmp_path / "dead")  # the next run picks up where it stopped
    assert report.written == 3 and report.waiting == 1
    store.close()


def test_a_store_file_that_cannot_be_opened_says_so(tmp_path):
    (tmp_path / "not-a-folder").write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot open the SQLite store"):
        SqliteStore(tmp_path / "not-a-folder" / "store.sqlite")


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "store.sqlite"
    SqliteStore(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(Exception, match="schema version 99, newer than this sheqing"):
        SqliteStore(path)


def test_an_older_schema_is_migrated_on_open_and_keeps_its_posts(tmp_path):
    from indexer.sqlite_store import MIGRATIONS

    path = tmp_path / "store.sqlite"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    db.close()
    with SqliteStore(path) as store:  # version 1 -> current
        assert store.schema_version == len(MIGRATIONS) == 2
        store.upsert_posts(POSTS[:3])
        assert store.corrections() == []
    with SqliteStore(path) as store:
        assert store.count() == 3
