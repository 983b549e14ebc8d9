"""What only the Elasticsearch store has: install and lifecycle, rollover, bulk refusals, an unreachable
cluster, and the client built from the settings.

Most tests run against osmem-server (``es_store``). What osmem-server cannot show, a cluster with index
lifecycle management, is played by ``FakeCluster``: a small HTTP endpoint on 127.0.0.1 that answers the
install calls the way Elasticsearch does and records every request, so the test can check what a real
cluster would have been sent (policy, templates, aliases, credentials).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
from http.server import BaseHTTPRequestHandler

import certifi
import pytest

import indexer.es_store as es_store_module
from indexer.es_client import client_from_settings, client_options
from indexer.es_schema import POST_MAPPINGS, Names
from indexer.es_store import ElasticsearchStore, post_query
from indexer.query import PostQuery
from indexer.store import Rejected, StoreError, StoreUnavailable
from sheqing.settings import Settings
from tests.local_http import LocalServer

from .es_support import CompatibleHttpNode, compatible_client, plain_media_type
from .samples import make_posts

POSTS = make_posts()


@pytest.fixture(autouse=True)
def no_es_settings_from_the_environment(monkeypatch):
    """The settings in these tests are the ones written here, whatever the developer's shell exports."""
    for name in list(os.environ):
        if name.upper().startswith("SHEQING_ES_"):
            monkeypatch.delenv(name)


def index_of(store, post_id: str) -> list[str]:
    """Every concrete index that holds this post id."""
    resp = store.client.search(index=store.names.posts_pattern, query={"ids": {"values": [post_id]}}, size=10)
    return sorted(hit["_index"] for hit in resp["hits"]["hits"])


# -- install -----------------------------------------------------------------------------------
def test_install_is_idempotent_and_creates_templates_aliases_and_indices(es_store):
    es_store.install()
    es_store.install()
    client, names = es_store.client, es_store.names
    templates = {t["name"]: t["index_template"] for t in
                 client.indices.get_index_template(name=names.posts_template)["index_templates"]}
    assert templates[names.posts_template]["index_patterns"] == [names.posts_pattern]
    aliases = client.indices.get_alias(name=names.posts_alias)
    assert list(aliases) == [names.first_posts_index]
    assert aliases[names.first_posts_index]["aliases"][names.posts_alias].get("is_write_index") is True
    assert list(client.indices.get_alias(name=names.alerts_alias)) == [names.alerts_index]
    mapping = client.indices.get_mapping(index=names.first_posts_index)[names.first_posts_index]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["body"]["analyzer"] == "cjk_bigram"
    assert set(mapping["properties"]) == set(POST_MAPPINGS["properties"])


def test_install_without_lifecycle_management_warns_and_still_works(es_store, caplog):
    with caplog.at_level(logging.WARNING, logger="indexer.es_store"):
        es_store.install()
    assert es_store.lifecycle_managed is False
    assert "no index lifecycle management" in caplog.text and "NOT be deleted" in caplog.text
    settings = es_store.client.indices.get_settings(index=es_store.names.first_posts_index)
    assert "lifecycle" not in json.dumps(settings.body)
    assert es_store.upsert_posts(POSTS[:3]).written == 3


def test_a_store_that_was_never_installed_says_so(es_server):
    with es_server.clone() as clone, compatible_client(clone.url) as client:
        store = ElasticsearchStore(client, names=Names("fresh"))
        with pytest.raises(StoreError, match="install"):
            store.search(text="燃气")


# -- writes ------------------------------------------------------------------------------------
def test_update_after_a_rollover_stays_one_document(es_store):
    client, names = es_store.client, es_store.names
    assert es_store.upsert_posts(POSTS).written == len(POSTS)
    second = f"{names.prefix}-posts-000002"  # what ILM's rollover does: a new write index behind the alias
    client.indices.create(index=second)
    client.indices.update_aliases(actions=[
        {"add": {"index": names.first_posts_index, "alias": names.posts_alias, "is_write_index": False}},
        {"add": {"index": second, "alias": names.posts_alias, "is_write_index": True}},
    ])
    old = POSTS[0]
    changed = old.model_copy(update={"text": "问题已经解决，燃气公司已修好", "enrichment": old.enrichment.model_copy(
        update={"risk": "none"})})
    newcomer = make_posts([("riverside", "新帖", "今天小区停水了", "utilities", "low", "negative", (), 9, 23)])[0]
    newcomer = newcomer.model_copy(update={"id": "riverside:2001", "post_id": "2001"})

    report = es_store.upsert_posts([changed, newcomer])

    assert report.written == 2 and report.rejected == []
    assert index_of(es_store, old.id) == [names.first_posts_index]
    assert index_of(es_store, newcomer.id) == [second]
    assert es_store.count() == len(POSTS) + 1
    assert es_store.get_post(old.id).enrichment.risk == "none"
    assert {h.post.id for h in es_store.search(text="已经解决").hits} == {old.id}


def test_a_document_the_mapping_refuses_is_reported_and_the_others_are_written(es_store, monkeypatch):
    bad_field, bad_type = POSTS[1].id, POSTS[2].id
    original = es_store_module.post_document

    def crafted(post, **kwargs):
        doc = original(post, **kwargs)
        if post.id == bad_field:
            doc["mood"] = "angry"  # not in the strict mapping
        if post.id == bad_type:
            doc["floor"] = "first"  # not an integer
        return doc

    monkeypatch.setattr(es_store_module, "post_document", crafted)
    report = es_store.upsert_posts(POSTS)

    assert report.written == len(POSTS) - 2
    reasons = {r.id: r.reason for r in report.rejected}
    assert set(reasons) == {bad_field, bad_type}
    assert "strict_dynamic_mapping_exception" in reasons[bad_field] and "mood" in reasons[bad_field]
    assert "floor" in reasons[bad_type]
    assert es_store.count() == len(POSTS) - 2
    assert es_store.get_posts([bad_field, bad_type]) == {}


def test_a_post_that_cannot_become_a_document_is_rejected_not_raised(es_store, monkeypatch):
    original = es_store_module.post_document

    def failing(post, **kwargs):
        if post.id == POSTS[0].id:
            raise ValueError("no body")
        return original(post, **kwargs)

    monkeypatch.setattr(es_store_module, "post_document", failing)
    report = es_store.upsert_posts(POSTS[:3])
    assert report.written == 2 and report.rejected == [Rejected(POSTS[0].id, "ValueError: no body")]


def test_a_repeated_id_in_one_batch_is_written_once_last_copy_wins(es_store):
    first = POSTS[0]
    later = first.model_copy(update={"title": "燃气泄漏（更新）"})
    assert es_store.upsert_posts([first, later]).written == 1
    assert es_store.get_post(first.id).title == "燃气泄漏（更新）"
    assert es_store.count() == 1


def test_writes_are_visible_to_the_next_search(es_store):
    for post in POSTS[:4]:
        es_store.upsert_posts([post])
        assert post.id in {h.post.id for h in es_store.search(size=10).hits}


# -- an unreachable cluster --------------------------------------------------------------------
@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_cluster_that_is_down_raises_store_unavailable(closed_port):
    settings = Settings(es_url=f"http://127.0.0.1:{closed_port}", es_timeout=2)
    with ElasticsearchStore.from_settings(settings) as store:
        for call in (store.install, lambda: store.upsert_posts(POSTS[:2]), lambda: store.search(text="燃气"),
                     lambda: store.get_alert("x")):
            with pytest.raises(StoreUnavailable, match=f"cannot be reached at http://127.0.0.1:{closed_port} \\(connection refused\\)"):
                call()


# -- a cluster with lifecycle management, played by a local endpoint ---------------------------
class FakeCluster(LocalServer):
    """An HTTP endpoint on 127.0.0.1 that answers like Elasticsearch and records every request.

    ``routes`` maps (method, path) to (status, body); anything else is a 404 like Elasticsearch's.
    """

    def __init__(self, routes=None):
        self.routes = dict(routes or {})
        self.requests: list[dict] = []
        cluster = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                cluster.requests.append({"method": self.command, "path": path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                         "body": _decode(raw)})
                status, body = cluster.routes.get((self.command, path), (404, {"error": {
                    "type": "index_not_found_exception", "reason": f"no such index [{path}]"}, "status": 404}))
                data = b"" if self.command == "HEAD" else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=9")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _answer

            def log_message(self, *args):
                pass

        super().__init__(Handler)

    def received(self, method: str, path: str) -> dict:
        matches = [r for r in self.requests if r["method"] == method and r["path"] == path]
        assert matches, f"no {method} {path}; got {[(r['method'], r['path']) for r in self.requests]}"
        return matches[-1]


def _decode(raw: bytes):
    if not raw:
        return None
    text = raw.decode("utf-8")
    try:
        return json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


ACK = (200, {"acknowledged": True})
EMPTY_SEARCH = (200, {"took": 1, "timed_out": False, "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}})


def install_routes(prefix: str) -> dict:
    return {
        ("PUT", f"/_ilm/policy/{prefix}-posts-policy"): ACK,
        ("PUT", f"/_index_template/{prefix}-posts"): ACK,
        ("PUT", f"/_index_template/{prefix}-alerts"): ACK,
        ("PUT", f"/_index_template/{prefix}-corrections"): ACK,
        ("PUT", f"/{prefix}-posts-000001"): (200, {"acknowledged": True, "index": f"{prefix}-posts-000001"}),
        ("PUT", f"/{prefix}-alerts-000001"): (200, {"acknowledged": True, "index": f"{prefix}-alerts-000001"}),
        ("PUT", f"/{prefix}-corrections-000001"): (200, {"acknowledged": True,
                                                        "index": f"{prefix}-corrections-000001"}),
    }


def test_install_on_a_cluster_with_lifecycle_management_sends_policy_templates_and_aliases():
    with FakeCluster(install_routes("ops")) as cluster:
        settings = Settings(es_url=cluster.url, es_api_key="aWQ6a2V5", es_index_prefix="ops",
                            es_retention_days=90, es_rollover_max_age="7d", es_rollover_max_size="10gb")
        with ElasticsearchStore.from_settings(settings) as store:
            store.install()
        assert store.lifecycle_managed is True

    policy = cluster.received("PUT", "/_ilm/policy/ops-posts-policy")["body"]["policy"]
    rollover = policy["phases"]["hot"]["actions"]["rollover"]
    assert rollover == {"max_age": "7d", "max_primary_shard_size": "10gb"}
    assert policy["phases"]["delete"]["min_age"] == "90d" and "delete" in policy["phases"]["delete"]["actions"]

    template = cluster.received("PUT", "/_index_template/ops-posts")["body"]
    assert template["index_patterns"] == ["ops-posts-*"]
    settings_sent = template["template"]["settings"]
    assert settings_sent["index.lifecycle.name"] == "ops-posts-policy"
    assert settings_sent["index.lifecycle.rollover_alias"] == "ops-posts"
    assert template["template"]["mappings"]["dynamic"] == "strict"
    assert template["_meta"]["managed_by"] == "sheqing"
    assert cluster.received("PUT", "/_index_template/ops-alerts")["body"]["index_patterns"] == ["ops-alerts-*"]

    first = cluster.received("PUT", "/ops-posts-000001")["body"]
    assert first["aliases"] == {"ops-posts": {"is_write_index": True}}
    assert cluster.received("PUT", "/ops-alerts-000001")["body"]["aliases"] == {"ops-alerts": {"is_write_index": True}}
    assert cluster.received("PUT", "/ops-corrections-000001")["body"]["aliases"] == {
        "ops-corrections": {"is_write_index": True}}
    for request in cluster.requests:  # a real cluster: the client's own media type, and the key every time
        assert request["headers"]["authorization"] == "ApiKey aWQ6a2V5"
        assert request["headers"]["accept"].startswith("application/vnd.elasticsearch+json")


def test_install_on_an_installed_cluster_only_adds_mapped_fields():
    routes = {**install_routes("ops"), ("HEAD", "/_alias/ops-posts"): (200, {}),
              ("HEAD", "/_alias/ops-alerts"): (200, {}), ("HEAD", "/_alias/ops-corrections"): (200, {}),
              ("PUT", "/ops-posts/_mapping"): ACK, ("PUT", "/ops-alerts/_mapping"): ACK,
              ("PUT", "/ops-corrections/_mapping"): ACK}
    settings = Settings(es_url="http://placeholder", es_index_prefix="ops")
    with FakeCluster(routes) as cluster, ElasticsearchStore.from_settings(
            settings.model_copy(update={"es_url": cluster.url})) as store:
        store.install()
    created = [r["path"] for r in cluster.requests if r["path"].endswith("-000001")]
    assert created == []
    assert set(cluster.received("PUT", "/ops-posts/_mapping")["body"]["properties"]) == set(POST_MAPPINGS["properties"])


def test_basic_auth_is_sent_when_no_api_key_is_set():
    with FakeCluster(install_routes("sheqing")) as cluster:
        settings = Settings(es_url=cluster.url, es_username="indexer", es_password="s3cret")
        with ElasticsearchStore.from_settings(settings) as store:
            store.install()
    expected = "Basic " + base64.b64encode(b"indexer:s3cret").decode()
    assert {r["headers"].get("authorization") for r in cluster.requests} == {expected}


def test_a_cluster_that_keeps_refusing_writes_with_429_is_unavailable_after_retries():
    routes = {("POST", "/sheqing-posts/_search"): EMPTY_SEARCH,
              ("PUT", "/_bulk"): (429, {"error": {"type": "es_rejected_execution_exception",
                                                  "reason": "rejected execution"}, "status": 429})}
    with FakeCluster(routes) as cluster:
        store = ElasticsearchStore(client_from_settings(Settings(es_url=cluster.url)), bulk_retries=2,
                                   bulk_backoff=0.01, owns_client=True)
        with store, pytest.raises(StoreUnavailable, match="429"):
            store.upsert_posts(POSTS[:3])
    bulks = [r for r in cluster.requests if r["path"] == "/_bulk"]
    assert len(bulks) == 3  # the first try and two retries
    assert bulks[0]["body"][0] == {"index": {"_index": "sheqing-posts", "_id": POSTS[0].id}}


def test_a_bulk_request_refused_as_a_whole_is_an_error_not_a_rejection_of_every_post():
    routes = {("POST", "/sheqing-posts/_search"): EMPTY_SEARCH,
              ("PUT", "/_bulk"): (403, {"error": {"type": "security_exception",
                                                  "reason": "action [indices:data/write/bulk] is unauthorized"},
                                        "status": 403})}
    with FakeCluster(routes) as cluster:
        store = ElasticsearchStore.from_settings(Settings(es_url=cluster.url))
        with store, pytest.raises(StoreError, match="credentials.*security_exception") as caught:
            store.upsert_posts(POSTS[:3])
    assert not isinstance(caught.value, StoreUnavailable)


def test_too_many_buckets_asks_for_a_narrower_question():
    routes = {("POST", "/sheqing-posts/_search"): (503, {"error": {
        "type": "too_many_buckets_exception", "reason": "Trying to create too many buckets"}, "status": 503})}
    with FakeCluster(routes) as cluster:
        store = ElasticsearchStore.from_settings(Settings(es_url=cluster.url))
        with store, pytest.raises(StoreError, match="narrow the time range") as caught:
            store.trend(interval="hour", group_by="street")
    assert not isinstance(caught.value, StoreUnavailable)


# -- settings to client ------------------------------------------------------------------------
def test_settings_make_the_client_options():
    settings = Settings(es_url=" https://es1:9200, https://es2:9200 ", es_api_key="aWQ6a2V5",
                        es_username="ignored", es_ca_certs=certifi.where(), es_timeout=12)
    options = client_options(settings)
    assert options["hosts"] == ["https://es1:9200", "https://es2:9200"]
    assert options["api_key"] == "aWQ6a2V5" and "basic_auth" not in options
    assert options["request_timeout"] == 12 and options["retry_on_timeout"] is True
    client = client_from_settings(settings)
    try:
        configs = [node.config for node in client.transport.node_pool.all()]
        assert sorted(c.host for c in configs) == ["es1", "es2"]
        assert all(c.scheme == "https" and c.ca_certs == certifi.where() and c.verify_certs for c in configs)
    finally:
        client.close()


def test_tls_options_are_left_out_for_plain_http_and_verification_can_be_switched_off():
    assert "ca_certs" not in client_options(Settings(es_url="http://127.0.0.1:9200", es_ca_certs=certifi.where()))
    options = client_options(Settings(es_url="https://es:9200", es_verify_certs=False))
    assert options["verify_certs"] is False
    with pytest.raises(ValueError, match="SHEQING_ES_URL"):
        client_options(Settings(es_url=" , "))


def test_from_settings_against_osmem_uses_the_prefix(es_server):
    with es_server.clone() as clone:
        settings = Settings(es_url=clone.url, es_index_prefix="city")
        with ElasticsearchStore.from_settings(settings, node_class=CompatibleHttpNode) as store:
            store.install()
            assert store.upsert_posts(POSTS[:2]).written == 2
            assert "city-posts-000001" in store.client.indices.get_alias(name="city-posts")


# -- the shim and the query translation --------------------------------------------------------
@pytest.mark.parametrize("sent, plain", [
    ("application/vnd.elasticsearch+json; compatible-with=9", "application/json"),
    ("application/vnd.elasticsearch+x-ndjson; compatible-with=8", "application/x-ndjson"),
    ("application/json", "application/json"),
])
def test_the_test_shim_rewrites_vendor_media_types(sent, plain):
    assert plain_media_type(sent) == plain


def test_single_characters_are_words_longer_terms_are_phrases():
    query = post_query(PostQuery(text="火 燃气 WiFi", min_risk="high", place="西湖区"))
    assert query["bool"]["must"] == [{"term": {"text_seg": "火"}}, {"match_phrase": {"body": "燃气"}},
                                     {"match_phrase": {"body": "wifi"}}]
    assert {"range": {"risk_level": {"gte": 3}}} in query["bool"]["filter"]
    assert {"terms": {"places_all": ["西湖区"]}} in query["bool"]["filter"]
    assert post_query(PostQuery()) == {"match_all": {}}


def test_scores_come_with_text_whatever_the_sort(es_store):
    es_store.upsert_posts(POSTS)
    assert all(h.score and h.score > 0 for h in es_store.search(text="燃气", sort="newest").hits)
    assert {h.score for h in es_store.search(sort="newest", size=5).hits} == {None}
