"""Elasticsearch for the tests: osmem-server, and the transport shim that lets the official client talk to it.

osmem-server (PyPI ``osmem-server``) is an in-memory, OpenSearch-compatible server process: one starts per
test session in milliseconds, and ``server.clone()`` gives every test a fresh empty cluster on its own port.
It speaks the REST API the store uses, but it is not Elasticsearch, and the official client checks that:

- Request media types. The 8.x/9.x client sends ``Accept`` and ``Content-Type:
  application/vnd.elasticsearch+json; compatible-with=N`` (``...+x-ndjson`` for ``_bulk``), Elasticsearch's
  REST-compatibility header. osmem-server answers such a request body with ``406 Content-Type header [...]
  is not supported``. ``CompatibleHttpNode`` rewrites the vendor types to the plain ones every server
  knows: ``application/json`` and ``application/x-ndjson``.
- The product check. The client refuses to work with a server whose responses lack ``X-Elastic-Product:
  Elasticsearch`` (``UnsupportedProductError``). osmem-server sends that header itself today; the shim adds
  it to any response that lacks it, so that a future osmem-server (or an error page from it) that omits
  it does not make every test fail with a misleading product error.

``compatible_client(url)`` is a real ``Elasticsearch`` client with that node class; nothing else differs
from production. The shim lives here, in tests/, only: production talks to a real Elasticsearch.

Fixtures: ``es_server`` (session: one osmem-server process) and ``es_store`` (a fresh clone, an installed
``ElasticsearchStore`` over a shimmed client, closed afterwards).
"""

from __future__ import annotations

import pytest
from elastic_transport import HttpHeaders, Urllib3HttpNode
from elasticsearch import Elasticsearch

from indexer.es_schema import Names
from indexer.es_store import ElasticsearchStore

__all__ = ["CompatibleHttpNode", "compatible_client", "es_server", "es_store", "plain_media_type"]

_PLAIN_TYPES = {"json": "application/json", "x-ndjson": "application/x-ndjson"}
_VENDOR_PREFIX = "application/vnd.elasticsearch+"


def plain_media_type(value: str) -> str:
    """``application/vnd.elasticsearch+json; compatible-with=9`` -> ``application/json`` (ndjson alike)."""
    media = value.split(";", 1)[0].strip().lower()
    if media.startswith(_VENDOR_PREFIX):
        return _PLAIN_TYPES.get(media.removeprefix(_VENDOR_PREFIX), "application/json")
    return value


class CompatibleHttpNode(Urllib3HttpNode):
    """The client's urllib3 node, with the two rewrites described in the module docstring."""

    def perform_request(self, method, target, body=None, headers=None, **kwargs):
        if headers:
            headers = HttpHeaders(headers)
            for name in ("accept", "content-type"):
                if name in headers:
                    headers[name] = plain_media_type(headers[name])
        response = super().perform_request(method, target, body=body, headers=headers, **kwargs)
        if "x-elastic-product" not in response.meta.headers:
            response.meta.headers["X-Elastic-Product"] = "Elasticsearch"
        return response


def compatible_client(url: str, **options) -> Elasticsearch:
    """A real client for an osmem-server URL, through ``CompatibleHttpNode``."""
    return Elasticsearch(url, node_class=CompatibleHttpNode, **options)


@pytest.fixture(scope="session")
def es_server():
    """One osmem-server for the session (without Japanese analysis, which the posts do not need)."""
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False)
    yield server
    server.close()


@pytest.fixture
def es_store(es_server):
    """A fresh, empty cluster with an installed ``ElasticsearchStore`` on it."""
    with es_server.clone() as clone:
        client = compatible_client(clone.url, request_timeout=10)
        store = ElasticsearchStore(client, names=Names("test"))
        store.install()
        try:
            yield store
        finally:
            store.close()
            client.close()
