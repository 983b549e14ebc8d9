"""The store commands over a real SQLite store in a temporary data folder."""

from __future__ import annotations

import json

from click.testing import CliRunner

from indexer.sqlite_store import SqliteStore
from indexer.writer import index_posts
from sheqing.cli import main

from .samples import make_posts


def filled_data_dir(tmp_path):
    with SqliteStore(tmp_path / "sheqing.sqlite") as store:
        index_posts(store, make_posts(), tmp_path / "deadletter")
    return str(tmp_path)


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_search_prints_matches_with_marked_terms(tmp_path):
    data = filled_data_dir(tmp_path)
    code, out = run("--data-dir", data, "search", "燃气泄漏", "--sort", "oldest")
    assert code == 0
    assert out.splitlines()[0] == "3 posts (page 1, 20 per page)"
    assert "**燃气泄漏**" in out and out.index("riverside:1001") < out.index("riverside:1002")
    code, out = run("--data-dir", data, "search", "--min-risk", "high", "--place", "330106", "--json")
    assert code == 0
    assert {json.loads(line)["id"] for line in out.splitlines()} == {
        "riverside:1001", "riverside:1002", "riverside:1003", "tieba_hz:1013"}


def test_bad_queries_are_refused_in_plain_words(tmp_path):
    data = filled_data_dir(tmp_path)
    code, out = run("--data-dir", data, "search", "--category", "weather")
    assert code == 1 and "unknown category 'weather'" in out
    code, out = run("--data-dir", data, "search", "--since", "2024-03-05", "--until", "2024-03-01")
    assert code == 1 and "ends" in out
    code, out = run("--data-dir", data, "trend", "--by", "author_key")
    assert code == 1 and "cannot group by 'author_key'" in out


def test_trend_and_status(tmp_path):
    data = filled_data_dir(tmp_path)
    code, out = run("--data-dir", data, "trend", "--by", "category", "--category", "utilities")
    assert code == 0
    assert out.splitlines() == ["2024-03-01  utilities       2", "2024-03-10  utilities       2"]
    code, out = run("--data-dir", data, "store", "status")
    assert code == 0 and "posts: 16, newest published 2024-03-10 22:16" in out
    assert "refused posts waiting for the next run: 0" in out
    code, out = run("--data-dir", data, "store", "install")
    assert code == 0 and "sqlite store ready: 16 posts, 0 alerts" in out
