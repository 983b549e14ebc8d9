"""Kibana saved objects and `sheqing kibana provision`.

The objects are judged by parsing the committed NDJSON, as Kibana would receive it: every field they use must
be in the index template of their data view, every reference must resolve inside the import. The command is
run against a local HTTP server that plays Kibana and checks each request it receives (method, path with the
space prefix, ``kbn-xsrf``, credentials, a multipart ``file`` part that parses as NDJSON, overwrite=true,
references), answering the way Kibana 8/9 answers.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import json
import re
import socket
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from indexer.es_schema import ALERT_MAPPINGS, POST_MAPPINGS, mapped_fields
from indexer.kibana import objects as saved
from indexer.kibana import validate
from sheqing.cli import main
from sheqing.records import ALERT_LEVELS, ALERT_STATUSES, CATEGORIES, RISKS, SENTIMENTS
from tests.local_http import LocalServer

MAPPINGS = {"sheqing-posts": POST_MAPPINGS, "sheqing-alerts": ALERT_MAPPINGS}
RECORDS = "___records___"


def committed_objects() -> list[dict]:
    """The NDJSON file exactly as committed, parsed line by line."""
    lines = saved.NDJSON_PATH.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def by_id(objects: list[dict], object_id: str) -> dict:
    return next(obj for obj in objects if obj["id"] == object_id)


# --- an independent reading of the objects: which fields they use, and which references they need -------------

_KQL_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*(?::|>=|<=|>|<)")


def kql_field_names(query: str) -> list[str]:
    return _KQL_FIELD.findall(re.sub(r'"[^"]*"', '""', query))


def fields_used(objects: list[dict]) -> list[tuple[str, str, str]]:
    """(object id, data view id, field) for every field a data view, saved search or Lens object names."""
    out = []
    for obj in objects:
        attrs = obj["attributes"]
        refs = {ref["name"]: ref["id"] for ref in obj.get("references", [])}
        if obj["type"] == "index-pattern":
            out.append((obj["id"], obj["id"], attrs["timeFieldName"]))
            out += [(obj["id"], obj["id"], f) for f in json.loads(attrs["fieldAttrs"])]
            out += [(obj["id"], obj["id"], f) for f in json.loads(attrs["fieldFormatMap"])]
        elif obj["type"] == "search":
            source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
            view = refs[source["indexRefName"]]
            out += [(obj["id"], view, f) for f in attrs["columns"]]
            out += [(obj["id"], view, f) for f, _direction in attrs["sort"]]
            out += [(obj["id"], view, f) for f in kql_field_names(source["query"]["query"])]
            for flt in source["filter"]:
                out.append((obj["id"], refs[flt["meta"]["indexRefName"]], flt["meta"]["key"]))
        elif obj["type"] == "lens":
            state = attrs["state"]
            for layer_id, layer in state["datasourceStates"]["formBased"]["layers"].items():
                view = refs[f"indexpattern-datasource-layer-{layer_id}"]
                for column in layer["columns"].values():
                    if column.get("sourceField") and column["sourceField"] != RECORDS:
                        out.append((obj["id"], view, column["sourceField"]))
                    if column.get("params", {}).get("sortField"):
                        out.append((obj["id"], view, column["params"]["sortField"]))
                out += [(obj["id"], view, f) for f in kql_field_names(state["query"]["query"])]
    return out


def unmapped(objects: list[dict]) -> list[tuple[str, str, str]]:
    known = {view: mapped_fields(mappings) for view, mappings in MAPPINGS.items()}
    return [use for use in fields_used(objects) if use[2] not in known.get(use[1], {})]


def unresolved(objects: list[dict]) -> list[str]:
    """References that do not resolve inside the import, and named references an object lacks."""
    present = {(obj["type"], obj["id"]) for obj in objects}
    missing = []
    for obj in objects:
        refs = {ref["name"]: ref for ref in obj.get("references", [])}
        missing += [f"{obj['id']} -> {r['type']} {r['id']}" for r in refs.values()
                    if (r["type"], r["id"]) not in present]
        attrs = obj["attributes"]
        needed = []
        if obj["type"] == "search":
            source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
            needed += [source["indexRefName"]] + [f["meta"]["indexRefName"] for f in source["filter"]]
        elif obj["type"] == "lens":
            layers = attrs["state"]["datasourceStates"]["formBased"]["layers"]
            needed += [f"indexpattern-datasource-layer-{layer_id}" for layer_id in layers]
        elif obj["type"] == "dashboard":
            needed += [f"{p['panelIndex']}:{p['panelRefName']}" for p in json.loads(attrs["panelsJSON"])]
        missing += [f"{obj['id']} lacks reference {name}" for name in needed if name not in refs]
    return missing


# --- the objects ----------------------------------------------------------------------------------------------

def test_committed_ndjson_is_exactly_what_the_definitions_generate():
    assert saved.NDJSON_PATH.read_text(encoding="utf-8") == saved.render_ndjson(saved.saved_objects()), (
        "saved_objects.ndjson is stale: run .venv/bin/python -m indexer.kibana")


def test_the_objects_the_issue_asks_for():
    objects = committed_objects()
    kinds = [obj["type"] for obj in objects]
    assert kinds.count("index-pattern") == 2 and kinds.count("dashboard") == 1
    posts, alerts = by_id(objects, "sheqing-posts"), by_id(objects, "sheqing-alerts")
    assert (posts["attributes"]["title"], posts["attributes"]["timeFieldName"]) == ("sheqing-posts", "published_at")
    assert (alerts["attributes"]["title"], alerts["attributes"]["timeFieldName"]) == ("sheqing-alerts", "updated_at")

    urgent = by_id(objects, "sheqing-search-high-risk-24h")
    source = json.loads(urgent["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert '"high"' in source["query"]["query"] and '"critical"' in source["query"]["query"]
    assert source["filter"][0]["query"] == {"range": {"published_at": {"gte": "now-24h"}}}
    assert by_id(objects, "sheqing-search-posts-by-district")["attributes"]["sort"][0] == ["district", "asc"]

    lens = {obj["id"]: obj for obj in objects if obj["type"] == "lens"}
    charts = {oid: (o["attributes"]["visualizationType"],
                    sorted(c.get("sourceField") for layer in
                           o["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values()
                           for c in layer["columns"].values() if c.get("sourceField") not in (None, RECORDS)))
              for oid, o in lens.items()}
    assert charts["sheqing-lens-posts-by-category"] == ("lnsXY", ["category", "published_at"])
    assert charts["sheqing-lens-risk-by-district"] == ("lnsXY", ["district", "risk"])
    assert charts["sheqing-lens-top-places"][1][0] == "places_all"
    assert charts["sheqing-lens-sentiment-share"] == ("lnsPie", ["sentiment"])
    assert "topic_id" in charts["sheqing-lens-top-topics"][1]

    board = by_id(objects, "sheqing-overview")
    assert board["attributes"]["title"] == "社区舆情总览"
    on_board = {ref["id"] for ref in board["references"]}
    assert set(lens) <= on_board and "sheqing-search-high-risk-24h" in on_board
    for obj in objects:  # stated versions keep Kibana from re-keying ids or migrating a modern shape as old
        assert obj["coreMigrationVersion"] == "8.8.0" and obj["typeMigrationVersion"]


def test_chinese_labels_cover_every_code():
    assert set(saved.CATEGORY_NAMES) == set(CATEGORIES)
    assert set(saved.RISK_NAMES) == set(RISKS)
    assert set(saved.SENTIMENT_NAMES) == set(SENTIMENTS)
    assert set(saved.ALERT_LEVEL_NAMES) == set(ALERT_LEVELS)
    assert set(saved.ALERT_STATUS_NAMES) == set(ALERT_STATUSES)


def test_every_field_the_objects_use_is_in_the_index_template():
    objects = committed_objects()
    used = fields_used(objects)
    fields = {field for _obj, _view, field in used}
    # the reading is real: it finds the fields the charts, searches and queries are built on
    assert {"category", "risk", "risk_level", "sentiment", "district", "street", "places_all", "topic_id",
            "title.raw", "published_at", "status", "updated_at"} <= fields
    assert unmapped(objects) == []
    assert validate.problems(objects) == []


MISSPELLINGS = [
    ("lens column", "sheqing-lens-posts-by-category",
     lambda o: o["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["posts"]["columns"]
     ["c_category"].update(sourceField="categroy"), "categroy"),
    ("lens sort field", "sheqing-lens-top-topics",
     lambda o: o["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["posts"]["columns"]
     ["c_title"]["params"].update(sortField="publish_at"), "publish_at"),
    ("lens KQL", "sheqing-lens-risk-by-district",
     lambda o: o["attributes"]["state"]["query"].update(query="risklevel >= 1"), "risklevel"),
    ("search column", "sheqing-search-posts-by-district",
     lambda o: o["attributes"]["columns"].append("distrct"), "distrct"),
    ("search sort", "sheqing-search-open-alerts",
     lambda o: o["attributes"].update(sort=[["updatedat", "desc"]]), "updatedat"),
    ("search KQL", "sheqing-search-high-risk-24h",
     lambda o: o["attributes"]["kibanaSavedObjectMeta"].update(searchSourceJSON=o["attributes"][
         "kibanaSavedObjectMeta"]["searchSourceJSON"].replace('"risk : ', '"rsk : ')), "rsk"),
    ("alerts field on the posts view", "sheqing-search-high-risk-24h",
     lambda o: o["attributes"]["columns"].append("office"), "office"),
]


@pytest.mark.parametrize("where, object_id, misspell, bad", MISSPELLINGS, ids=[m[0] for m in MISSPELLINGS])
def test_a_misspelled_field_is_caught(where, object_id, misspell, bad):
    objects = copy.deepcopy(committed_objects())
    misspell(by_id(objects, object_id))
    assert any(use[0] == object_id and use[2] == bad for use in unmapped(objects)), f"the reading missed {bad!r}"
    assert any(repr(bad) in p and object_id in p for p in validate.problems(objects)), "validate missed it"


def test_a_field_of_the_wrong_type_is_caught():
    objects = copy.deepcopy(committed_objects())
    layer = by_id(objects, "sheqing-lens-sentiment-share")["attributes"]["state"]["datasourceStates"]["formBased"]
    layer["layers"]["posts"]["columns"]["c_sentiment"]["sourceField"] = "text"  # analysed text: no terms split
    found = validate.field_problems(objects)
    assert len(found) == 1 and "'text'" in found[0] and "terms" in found[0]


def test_stored_objects_and_unindexed_fields_cannot_be_searched_or_shown():
    objects = copy.deepcopy(committed_objects())
    search = by_id(objects, "sheqing-search-posts-by-district")
    search["attributes"]["columns"].append("places")  # an enabled: false object, kept for display only
    source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    source["query"]["query"] = 'url : "http://forum.test/t/1"'  # keyword with index: false
    search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"] = json.dumps(source)
    found = validate.field_problems(objects)
    assert len(found) == 2
    assert "'places' (column) is a stored object" in found[0] and "'url' (query) is not searchable" in found[1]


def test_kql_field_reading():
    assert validate.kql_fields('risk_level >= 3 and street : "北山街道：东" and not category : ("a:b" or c)') == [
        "risk_level", "street", "category"]
    assert validate.query_fields({"bool": {"filter": [{"range": {"published_at": {"gte": "now-7d", "time_zone":
                                 "+08:00"}}}, {"exists": {"field": "street"}}]}}) == ["published_at", "street"]


def test_every_reference_resolves_inside_the_import():
    objects = committed_objects()
    assert unresolved(objects) == []
    assert validate.reference_problems(objects) == [] and validate.lens_problems(objects) == []

    without_posts_view = [obj for obj in objects if obj["id"] != "sheqing-posts"]
    assert any("sheqing-posts" in u for u in unresolved(without_posts_view))
    assert any("not in the import" in p for p in validate.reference_problems(without_posts_view))

    renamed = copy.deepcopy(objects)
    by_id(renamed, "sheqing-overview")["references"][0]["name"] = "trend:panel_other"
    assert any("lacks reference trend:panel_trend" in u for u in unresolved(renamed))
    assert any("trend:panel_trend" in p for p in validate.reference_problems(renamed))

    broken_chart = copy.deepcopy(objects)
    by_id(broken_chart, "sheqing-lens-top-places")["attributes"]["state"]["visualization"]["columns"][0][
        "columnId"] = "c_nowhere"
    assert any("c_nowhere" in p for p in validate.lens_problems(broken_chart))


# --- a local Kibana ------------------------------------------------------------------------------------------

class FakeKibana(LocalServer):
    """An HTTP server that answers like Kibana's status, spaces and saved-objects import APIs.

    It records every request and every rule a request broke (``violations``); tests assert there were none.
    """

    def __init__(self, *, version="8.15.3", api_key=None, basic=None, spaces=("default",), fail_with=None):
        self.version, self.fail_with = version, fail_with
        self.expected_auth = f"ApiKey {api_key}" if api_key else (f"Basic {basic}" if basic else None)
        self.spaces = set(spaces)
        self.stored: dict[str, dict[tuple[str, str], dict]] = {}
        self.requests: list[tuple[str, str]] = []
        self.imports: list[dict] = []
        self.violations: list[str] = []
        super().__init__(self._handler())

    def _handler(self):
        kibana = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status, message):
                names = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 409: "Conflict"}
                self._reply(status, {"statusCode": status, "error": names.get(status, "Error"), "message": message})

            def _handle(self, method):
                url = urlsplit(self.path)
                kibana.requests.append((method, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if kibana.expected_auth and self.headers.get("Authorization") != kibana.expected_auth:
                    return self._error(401, "[security_exception]: unable to authenticate user")
                if method == "POST" and self.headers.get("kbn-xsrf") is None:
                    kibana.violations.append(f"{method} {self.path} without kbn-xsrf")
                    return self._error(400, 'Request must contain a kbn-xsrf header.')
                space, path = "default", url.path
                found = re.match(r"^/s/([a-z0-9_-]+)(/.*)$", path)
                if found:
                    space, path = found[1], found[2]
                    if space not in kibana.spaces:
                        return self._error(404, "Not Found")
                if method == "GET" and path == "/api/status":
                    return self._reply(200, {"name": "kibana", "version": {"number": kibana.version}})
                if method == "GET" and path.startswith("/api/spaces/space/"):
                    wanted = path.rsplit("/", 1)[1]
                    if wanted in kibana.spaces:
                        return self._reply(200, {"id": wanted, "name": wanted, "disabledFeatures": []})
                    return self._error(404, f"Saved object [space/{wanted}] not found")
                if method == "POST" and path == "/api/spaces/space":
                    return self._create_space(body)
                if method == "POST" and path == "/api/saved_objects/_import":
                    return self._import(space, parse_qs(url.query), body)
                kibana.violations.append(f"unexpected request {method} {self.path}")
                return self._error(404, "Not Found")

            def _create_space(self, body):
                if not self.headers.get("Content-Type", "").startswith("application/json"):
                    kibana.violations.append("space creation without a JSON content type")
                spec = json.loads(body)
                if not spec.get("id") or not spec.get("name"):
                    kibana.violations.append(f"space without id or name: {spec}")
                    return self._error(400, "[request body.name]: expected value of type [string]")
                if spec["id"] in kibana.spaces:
                    return self._error(409, f"A space with the identifier {spec['id']} already exists.")
                kibana.spaces.add(spec["id"])
                return self._reply(200, spec)

            def _import(self, space, query, body):
                if query.get("overwrite") != ["true"]:
                    kibana.violations.append(f"import without overwrite=true: {query}")
                content_type = self.headers.get("Content-Type", "")
                if not content_type.startswith("multipart/form-data; boundary="):
                    kibana.violations.append(f"import body is not multipart: {content_type}")
                    return self._error(415, "Unsupported Media Type")
                message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    f"Content-Type: {content_type}\r\n\r\n".encode() + body)
                parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
                if set(parts) != {"file"} or not parts["file"].get_filename("").endswith(".ndjson"):
                    kibana.violations.append(f"import parts {sorted(parts)} are not one .ndjson file")
                    return self._error(400, "Invalid file extension")
                text = parts["file"].get_payload(decode=True).decode("utf-8")
                try:
                    objects = [json.loads(line) for line in text.splitlines() if line.strip()]
                except ValueError as exc:
                    kibana.violations.append(f"import file is not NDJSON: {exc}")
                    return self._error(400, "Unexpected token in JSON")
                for obj in objects:
                    if not (obj.get("id") and obj.get("type") and isinstance(obj.get("attributes"), dict)
                            and isinstance(obj.get("references"), list)):
                        kibana.violations.append(f"object without id/type/attributes/references: {obj}")
                kibana.violations += [f"unresolved reference: {u}" for u in unresolved(objects)]
                kibana.imports.append({"space": space, "objects": objects, "query": query})
                if kibana.fail_with:
                    return self._reply(200, {"success": False, "successCount": len(objects) - len(kibana.fail_with),
                                             "errors": kibana.fail_with, "warnings": []})
                store = kibana.stored.setdefault(space, {})
                errors = []
                for obj in objects:
                    key = (obj["type"], obj["id"])
                    if key in store and query.get("overwrite") != ["true"]:
                        errors.append({"id": obj["id"], "type": obj["type"], "meta": {"title": obj["attributes"].get(
                            "title")}, "error": {"type": "conflict"}})
                    else:
                        store[key] = obj
                self._reply(200, {"success": not errors, "successCount": len(objects) - len(errors),
                                  "errors": errors, "warnings": [],
                                  "successResults": [{"type": o["type"], "id": o["id"]} for o in objects]})

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        return Handler


CLEAN_ENV = {"KIBANA_URL": None, "KIBANA_API_KEY": None, "KIBANA_USERNAME": None, "KIBANA_PASSWORD": None,
             "KIBANA_CA_CERTS": None}


def provision(*args, env=None):
    return CliRunner(env={**CLEAN_ENV, **(env or {})}).invoke(main, ["kibana", "provision", *args])


def test_provision_into_the_default_space():
    with FakeKibana(api_key="a2V5OnNlY3JldA==") as kibana:
        out = provision("--url", kibana.url + "/", "--api-key", "a2V5OnNlY3JldA==")
    assert out.exit_code == 0, out.output
    assert kibana.violations == []
    assert [m for m, _p in kibana.requests] == ["GET", "POST"]
    assert kibana.requests[-1] == ("POST", "/api/saved_objects/_import?overwrite=true")
    imported = kibana.imports[0]["objects"]
    assert imported == committed_objects()
    assert len(kibana.stored["default"]) == len(imported) == 12
    assert "Kibana 8.15.3" in out.output and "imported 12 saved objects" in out.output
    assert f"{kibana.url}/app/dashboards#/view/sheqing-overview" in out.output


def test_provision_creates_a_missing_space_and_imports_into_it():
    with FakeKibana(api_key="k") as kibana:
        out = provision("--url", kibana.url, "--space", "analysts", env={"KIBANA_API_KEY": "k"})
    assert out.exit_code == 0, out.output
    assert kibana.violations == []
    assert kibana.requests == [("GET", "/api/status"), ("GET", "/api/spaces/space/analysts"),
                               ("POST", "/api/spaces/space"),
                               ("POST", "/s/analysts/api/saved_objects/_import?overwrite=true")]
    assert "analysts" in kibana.spaces and len(kibana.stored["analysts"]) == 12
    assert "space 'analysts' (created)" in out.output
    assert f"{kibana.url}/s/analysts/app/dashboards#/view/sheqing-overview" in out.output


def test_an_existing_space_is_not_created_again_and_running_twice_is_safe():
    with FakeKibana(spaces=("default", "analysts")) as kibana:
        first = provision("--url", kibana.url, "--space", "analysts")
        stored_after_first = copy.deepcopy(kibana.stored)
        second = provision("--url", kibana.url, "--space", "analysts")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert kibana.violations == []
    assert ("POST", "/api/spaces/space") not in kibana.requests
    assert [i["query"]["overwrite"] for i in kibana.imports] == [["true"], ["true"]]
    assert kibana.stored == stored_after_first and len(kibana.stored["analysts"]) == 12
    assert "(created)" not in first.output + second.output


def test_basic_auth_from_the_environment():
    import base64

    token = base64.b64encode("analyst:s3cret".encode()).decode()
    with FakeKibana(basic=token) as kibana:
        out = provision(env={"KIBANA_URL": kibana.url, "KIBANA_USERNAME": "analyst", "KIBANA_PASSWORD": "s3cret"})
    assert out.exit_code == 0, out.output
    assert kibana.violations == [] and len(kibana.imports) == 1


def test_import_errors_fail_the_command_and_name_each_object():
    errors = [
        {"id": "sheqing-lens-top-topics", "type": "lens", "meta": {"title": "热门话题"},
         "error": {"type": "missing_references", "references": [{"type": "index-pattern", "id": "sheqing-posts"}]}},
        {"id": "sheqing-overview", "type": "dashboard", "meta": {"title": "社区舆情总览"},
         "error": {"type": "unknown", "message": "Document has a newer typeMigrationVersion", "statusCode": 400}},
    ]
    with FakeKibana(fail_with=errors) as kibana:
        out = provision("--url", kibana.url)
    assert out.exit_code == 1
    assert "imported 10 of 12" in out.output
    assert ("lens sheqing-lens-top-topics (热门话题): refers to objects Kibana does not have: "
            "index-pattern sheqing-posts") in out.output
    assert "dashboard sheqing-overview (社区舆情总览): Document has a newer typeMigrationVersion" in out.output


def test_wrong_credentials_are_a_plain_401_error():
    with FakeKibana(api_key="right") as kibana:
        out = provision("--url", kibana.url, "--api-key", "wrong")
        missing = provision("--url", kibana.url)
    assert out.exit_code == 1 and "refused the credentials" in out.output and "401" in out.output
    assert missing.exit_code == 1 and "asks for credentials" in missing.output
    assert kibana.imports == []


def test_unreachable_kibana():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = provision("--url", f"http://127.0.0.1:{port}")
    assert out.exit_code == 1 and "unreachable" in out.output and str(port) in out.output


def test_too_old_kibana_is_refused_before_importing():
    with FakeKibana(version="8.5.1") as kibana:
        out = provision("--url", kibana.url)
    assert out.exit_code == 1 and "Kibana 8.5.1 is too old" in out.output
    assert kibana.imports == []


def test_index_prefix_points_the_data_views_elsewhere():
    with FakeKibana() as kibana:
        out = provision("--url", kibana.url, "--index-prefix", "city")
    assert out.exit_code == 0, out.output
    views = {o["id"]: o["attributes"]["title"] for o in kibana.imports[0]["objects"] if o["type"] == "index-pattern"}
    assert views == {"sheqing-posts": "city-posts", "sheqing-alerts": "city-alerts"}


@pytest.mark.parametrize("args, message", [
    (["--space", "Analysts!"], "is not a Kibana space id"),
    (["--api-key", "k", "--username", "u", "--password", "p"], "not both"),
    (["--username", "u"], "needs a password"),
    (["--index-prefix", "City Posts"], "is not an index prefix"),
])
def test_bad_options_are_refused_before_any_request(args, message):
    with FakeKibana() as kibana:
        out = provision("--url", kibana.url, *args)
    assert out.exit_code == 1 and message in out.output
    assert kibana.requests == []


# --- the README's analyst section: every field and query in it is valid against the mapping -------------------

README = saved.NDJSON_PATH.parents[2] / "README.md"


def analyst_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## For analysts: Kibana")
    return text[start:text.index("\n## ", start + 1)]


def fenced_blocks(section: str, info: str) -> list[str]:
    """Contents of the fenced code blocks whose info string is ``info`` ("" for a bare fence)."""
    blocks, current, current_info = [], None, None
    for line in section.splitlines():
        if line.startswith("```"):
            if current is None:
                current, current_info = [], line[3:].strip()
            else:
                if current_info == info:
                    blocks.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_readme_field_tables_name_mapped_fields():
    posts, alerts = mapped_fields(POST_MAPPINGS), mapped_fields(ALERT_MAPPINGS)
    rows = re.findall(r"^\| ([^|]+) \| [^|]+ \| [^|]+ \|$", analyst_section(), flags=re.M)
    named = {table: [] for table in ("post", "alert")}
    table = None
    for first_cell in rows:
        if first_cell.strip() in ("post field", "alert field"):
            table = first_cell.split()[0]
        elif table and not first_cell.startswith("---"):
            named[table] += re.findall(r"`([^`]+)`", first_cell)
    assert len(named["post"]) > 30 and len(named["alert"]) > 12
    assert [f for f in named["post"] if f not in posts] == []
    assert [f for f in named["alert"] if f not in alerts] == []
    assert set(named["post"]) >= {f for f, t in posts.items() if t != "object" and f != "title.raw"} - {"engine",
                                  "thread_id", "post_id", "reply_to", "truncated", "simhash", "model_version"}


def test_readme_kql_names_only_mapped_fields():
    fields = set(mapped_fields(POST_MAPPINGS)) | set(mapped_fields(ALERT_MAPPINGS))
    queries = [line for block in fenced_blocks(analyst_section(), "kql") for line in block.splitlines() if line]
    assert 'risk_level >= 3 and street : "北山街道"' in queries and len(queries) >= 5
    for query in queries:
        assert validate.kql_fields(query), query
        assert [f for f in validate.kql_fields(query) if f not in fields] == [], query
    assert validate.kql_fields("risk_levl >= 3")[0] not in fields  # the check bites on a misspelling


def readme_dsl() -> list[tuple[str, dict]]:
    out = []
    for block in fenced_blocks(analyst_section(), ""):
        head, _, body = block.partition("\n")
        if head.startswith("GET "):
            out.append((head.split()[1].split("/")[0], json.loads(body)))
    return out


def anchored(node, anchor: str):
    """The query with ``now`` in date math replaced by a fixed instant, so sample posts fall in 'this week'."""
    if isinstance(node, dict):
        return {k: anchored(v, anchor) for k, v in node.items()}
    if isinstance(node, list):
        return [anchored(v, anchor) for v in node]
    if isinstance(node, str) and node.startswith("now"):
        return f"{anchor}||{node[3:]}"
    return node


def test_readme_query_dsl_runs_against_the_index_and_answers_the_question(es_store):
    from datetime import datetime, timedelta

    from tests.indexer.samples import make_posts

    posts = make_posts()
    assert es_store.upsert_posts(posts).written == len(posts)
    (index_a, street_query), (index_b, growth_query) = readme_dsl()
    assert index_a == index_b == "sheqing-posts"
    client, alias = es_store.client, es_store.names.posts_alias

    # high-risk posts in 北山街道 in the week of Sunday 2024-03-03 (Monday 02-26 onwards)
    hits = client.search(index=alias, body=anchored(street_query, "2024-03-03T12:00:00+08:00"))["hits"]["hits"]
    assert [h["_source"]["title"] for h in hits] == ["电梯又坏了"]

    # fastest-growing categories: the 7 days to 2024-03-08 12:00 against the 7 days before
    now = datetime.fromisoformat("2024-03-08T12:00:00+08:00")
    expected: dict[str, int] = {}
    for post in posts:
        age = now - post.published_at
        if timedelta(0) <= age < timedelta(days=14):
            expected[post.enrichment.category] = expected.get(post.enrichment.category, 0) + (
                1 if age < timedelta(days=7) else -1)
    buckets = client.search(index=alias, body=anchored(growth_query, now.isoformat()))["aggregations"][
        "by_category"]["buckets"]
    growth = [(b["key"], b["growth"]["value"]) for b in buckets]
    assert len(growth) == 5 and [g for _k, g in growth] == sorted((g for _k, g in growth), reverse=True)
    assert all(expected[key] == value for key, value in growth)
    assert growth[0][1] == max(expected.values()) and "utilities" not in dict(growth)  # utilities fell
