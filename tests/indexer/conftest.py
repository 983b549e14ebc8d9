"""Store fixtures: every contract test runs against SQLite and against Elasticsearch (osmem-server)."""

from __future__ import annotations

import pytest

from indexer.sqlite_store import SqliteStore

from .es_support import es_server, es_store  # noqa: F401  (fixtures)


@pytest.fixture
def sqlite_store(tmp_path):
    with SqliteStore(tmp_path / "store.sqlite") as store:
        store.install()
        yield store


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request):
    """A fresh, empty, installed store of each kind."""
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "es_store")
