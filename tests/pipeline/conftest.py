"""The pipeline runs against the real demo forum (see tests/crawlers/conftest.py) and a real SQLite store."""

from tests.crawlers.conftest import fast_settings, forum  # noqa: F401  (fixtures)
