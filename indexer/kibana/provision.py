"""Put the saved objects into a Kibana: the space first if asked, then one import with overwrite.

``provision(client, space=...)`` checks the objects locally (``validate.problems``), asks Kibana for its version
(``GET /api/status``; 8.9 or later is needed), makes sure the space exists (``GET /api/spaces/space/{id}``,
``POST /api/spaces/space`` when it answers 404) and sends ``saved_objects.ndjson`` to
``POST [/s/{space}]/api/saved_objects/_import?overwrite=true`` as the multipart field ``file``. Overwrite
replaces objects with the same type and id, so running it again changes nothing but the copies in Kibana.

``KibanaClient`` speaks HTTP with the standard library only (``urllib``), with the ``kbn-xsrf`` header Kibana
requires and either an API key (``Authorization: ApiKey ...``) or basic authentication. Every failure becomes
a ``KibanaError`` whose message says in plain words what went wrong and what to check.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

from . import objects as saved
from .validate import problems

__all__ = ["MIN_KIBANA", "KibanaError", "Auth", "KibanaClient", "ProvisionReport", "provision",
           "describe_import_error", "multipart_file"]

MIN_KIBANA = (8, 9)  # Lens objects are in the 8.9 format
SPACE_ID = re.compile(r"^[a-z0-9_-]+$")
_TYPE_NAMES = {"index-pattern": ("data view", "data views"), "search": ("saved search", "saved searches"),
               "lens": ("Lens visualisation", "Lens visualisations"), "dashboard": ("dashboard", "dashboards")}


class KibanaError(Exception):
    """Provisioning failed; the message says why in plain words."""


@dataclass(frozen=True)
class Auth:
    """Either an API key (base64 ``id:key``, as Kibana and Elasticsearch hand it out) or a user and password."""

    api_key: str | None = None
    username: str | None = None
    password: str | None = None

    def headers(self) -> dict[str, str]:
        if self.api_key and (self.username or self.password):
            raise KibanaError("give either an API key or a user name and password, not both")
        if self.api_key:
            return {"Authorization": f"ApiKey {self.api_key}"}
        if bool(self.username) != bool(self.password):
            raise KibanaError("a user name needs a password and a password needs a user name")
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password}".encode("utf-8")).decode("ascii")
            return {"Authorization": f"Basic {token}"}
        return {}

    @property
    def given(self) -> bool:
        return bool(self.api_key or self.username)


class KibanaClient:
    """Requests to one Kibana. ``request`` returns (status, parsed JSON or None); unreachable raises."""

    def __init__(self, url: str, auth: Auth | None = None, *, timeout: float = 30.0, ca_certs: str | None = None):
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise KibanaError(f"{url!r} is not a Kibana address: give one like https://kibana.example.cn:5601")
        self.url = url.strip().rstrip("/")
        self.auth = auth or Auth()
        self.timeout = timeout
        self._headers = {"kbn-xsrf": "true", "Accept": "application/json", "User-Agent": "sheqing kibana-provision",
                         **self.auth.headers()}
        context = ssl.create_default_context(cafile=ca_certs) if ca_certs else None
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))

    def request(self, method: str, path: str, *, body: bytes | None = None, content_type: str | None = None,
                space: str | None = None) -> tuple[int, object]:
        prefix = f"/s/{space}" if space and space != "default" else ""
        headers = {**self._headers, **({"Content-Type": content_type} if content_type else {})}
        request = urllib.request.Request(self.url + prefix + path, data=body, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except urllib.error.URLError as exc:
            raise KibanaError(self._unreachable(exc.reason)) from None
        except (TimeoutError, socket.timeout):
            raise KibanaError(f"Kibana at {self.url} did not answer within {self.timeout:g} s") from None
        except OSError as exc:
            raise KibanaError(self._unreachable(exc)) from None
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        return status, payload

    def _unreachable(self, reason) -> str:
        if isinstance(reason, ssl.SSLCertVerificationError):
            return (f"the TLS certificate of {self.url} could not be verified ({reason.verify_message}); "
                    "give the CA certificate with --ca-certs")
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return f"Kibana at {self.url} did not answer within {self.timeout:g} s"
        if isinstance(reason, ConnectionRefusedError):
            reason = "connection refused"
        return f"Kibana is unreachable at {self.url} ({reason}); is it running, and is --url right?"

    def fail(self, status: int, payload, doing: str) -> KibanaError:
        """The error for an unexpected answer to ``doing`` (what we were trying, in words)."""
        message = payload.get("message") if isinstance(payload, dict) else None
        detail = f": {message}" if message else ""
        if status == 401:
            if self.auth.given:
                return KibanaError(f"Kibana refused the credentials while trying to {doing} "
                                   f"(401 Unauthorized){detail}. Check --api-key, or --username and --password "
                                   "(KIBANA_API_KEY, KIBANA_USERNAME, KIBANA_PASSWORD).")
            return KibanaError(f"Kibana asks for credentials to {doing} (401 Unauthorized): give --api-key, "
                               "or --username and --password.")
        if status == 403:
            return KibanaError(f"the Kibana user may not {doing} (403 Forbidden){detail}. It needs write access to "
                               "saved objects (and to spaces, to create one).")
        if status == 404:
            return KibanaError(f"Kibana has no such API while trying to {doing} (404){detail}. "
                               f"Is {self.url} the Kibana address (not Elasticsearch's)?")
        return KibanaError(f"Kibana answered {status} while trying to {doing}{detail}")


def multipart_file(field_name: str, filename: str, content: bytes,
                   content_type: str = "application/ndjson") -> tuple[bytes, str]:
    """A multipart/form-data body with one file part, and its Content-Type header."""
    boundary = f"----sheqing{secrets.token_hex(12)}"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field_name}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode("utf-8")
    return head + content + f"\r\n--{boundary}--\r\n".encode("ascii"), f"multipart/form-data; boundary={boundary}"


def describe_import_error(error: dict) -> str:
    """One line per object Kibana did not import: which object, and why."""
    title = (error.get("meta") or {}).get("title") or error.get("title")
    who = f"{error.get('type')} {error.get('id')}" + (f" ({title})" if title else "")
    reason = error.get("error") or {}
    kind = reason.get("type")
    if kind == "missing_references":
        refs = ", ".join(f"{r.get('type')} {r.get('id')}" for r in reason.get("references", []))
        return f"{who}: refers to objects Kibana does not have: {refs}"
    if kind in ("conflict", "ambiguous_conflict"):
        return f"{who}: already exists in Kibana and was not overwritten ({kind})"
    if kind == "unsupported_type":
        return f"{who}: this Kibana does not know the object type {error.get('type')!r}"
    message = reason.get("message") or reason.get("error") or kind or "no reason given"
    return f"{who}: {message}"


@dataclass
class ProvisionReport:
    kibana_url: str
    kibana_version: str | None
    space: str
    space_created: bool
    imported: int
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def dashboard_url(self) -> str:
        prefix = f"/s/{self.space}" if self.space != "default" else ""
        return f"{self.kibana_url}{prefix}/app/dashboards#/view/{saved.DASHBOARD_ID}"

    def summary(self) -> str:
        version = f"Kibana {self.kibana_version}" if self.kibana_version else "Kibana"
        space = f"space {self.space!r}" + (" (created)" if self.space_created else "")
        kinds = ", ".join(f"{n} {_TYPE_NAMES.get(kind, (kind, kind))[n != 1]}" for kind, n in self.counts.items())
        lines = [f"{version} at {self.kibana_url}, {space}: imported {self.imported} saved objects with "
                 f"overwrite ({kinds})"]
        lines += [f"  warning: {w}" for w in self.warnings]
        lines.append(f"dashboard 社区舆情总览: {self.dashboard_url}")
        return "\n".join(lines)


def _check_version(client: KibanaClient) -> str | None:
    status, payload = client.request("GET", "/api/status")
    if status == 401:
        raise client.fail(status, payload, "read its status")
    if status != 200 or not isinstance(payload, dict):
        return None  # some deployments restrict /api/status; the import itself will tell
    number = (payload.get("version") or {}).get("number")
    found = re.match(r"(\d+)\.(\d+)", number or "")
    if found and (int(found[1]), int(found[2])) < MIN_KIBANA:
        raise KibanaError(f"Kibana {number} is too old: the saved objects need Kibana "
                          f"{MIN_KIBANA[0]}.{MIN_KIBANA[1]} or later")
    return number


def _ensure_space(client: KibanaClient, space: str) -> bool:
    """True when the space had to be created."""
    status, payload = client.request("GET", f"/api/spaces/space/{space}")
    if status == 200:
        return False
    if status != 404:
        raise client.fail(status, payload, f"look up the space {space!r}")
    body = json.dumps({"id": space, "name": space, "description": "社情 sheqing: community forum monitoring",
                       "disabledFeatures": []}).encode("utf-8")
    status, payload = client.request("POST", "/api/spaces/space", body=body, content_type="application/json")
    if status == 409:
        return False  # created meanwhile by someone else
    if status != 200:
        raise client.fail(status, payload, f"create the space {space!r}")
    return True


def provision(client: KibanaClient, *, space: str | None = None, objects: list[dict] | None = None,
              index_prefix: str = "sheqing") -> ProvisionReport:
    """Import the saved objects (by default ``saved_objects.ndjson``) into ``space`` with overwrite."""
    space = space or "default"
    if not SPACE_ID.match(space):
        raise KibanaError(f"{space!r} is not a Kibana space id: use lower-case letters, digits, '_' and '-'")
    if not re.match(r"^[a-z0-9][a-z0-9_-]*$", index_prefix):
        raise KibanaError(f"{index_prefix!r} is not an index prefix: use lower-case letters, digits, '_' and '-'")
    objects = saved.with_index_prefix(saved.load_objects() if objects is None else objects, index_prefix)
    broken = problems(objects)
    if broken:
        raise KibanaError("the saved objects are broken, nothing was sent:\n  " + "\n  ".join(broken))

    version = _check_version(client)
    created = _ensure_space(client, space) if space != "default" else False
    body, content_type = multipart_file("file", "sheqing.ndjson", saved.render_ndjson(objects).encode("utf-8"))
    status, payload = client.request("POST", "/api/saved_objects/_import?overwrite=true", body=body,
                                     content_type=content_type, space=space)
    if status != 200 or not isinstance(payload, dict):
        raise client.fail(status, payload, f"import saved objects into the space {space!r}")
    errors = payload.get("errors") or []
    if not payload.get("success") or errors:
        lines = [describe_import_error(e) for e in errors] or ["Kibana reported failure without details"]
        done = payload.get("successCount", 0)
        raise KibanaError(f"Kibana imported {done} of {len(objects)} saved objects; these failed:\n  "
                          + "\n  ".join(lines))
    warnings = [w.get("message", str(w)) if isinstance(w, dict) else str(w) for w in payload.get("warnings") or []]
    counts = dict(Counter(obj["type"] for obj in objects))
    return ProvisionReport(client.url, version, space, created, int(payload.get("successCount", 0)), counts, warnings)
