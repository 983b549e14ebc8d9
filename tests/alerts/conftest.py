"""Alert tests use the real stores and a real SMTP server (see smtp_support)."""

from __future__ import annotations

import pytest

from indexer.sqlite_store import SqliteStore

from .smtp_support import smtp_server, smtp_server_factory, tls_certificate  # noqa: F401  (fixtures)


@pytest.fixture
def store(tmp_path):
    with SqliteStore(tmp_path / "store.sqlite") as s:
        yield s
