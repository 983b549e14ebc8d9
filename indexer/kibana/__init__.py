"""Kibana for analysts: the saved objects and the command that puts them into a Kibana.

- ``saved_objects.ndjson`` — the product: data views (posts, alerts), saved searches, Lens visualisations and
  the dashboard 社区舆情总览, in Kibana's own export format, importable by hand or by ``sheqing kibana provision``.
- ``objects`` — the Python definitions the NDJSON is generated from (``python -m indexer.kibana``).
- ``lens`` — builders for Lens columns and charts in the Kibana 8.x/9.x form-based format.
- ``validate`` — checks references, Lens internals and every field used against the index templates.
- ``provision`` — the HTTP side: version check, space creation, import with overwrite, plain-words errors.
"""

from .objects import DASHBOARD_ID, NDJSON_PATH, load_objects, saved_objects
from .provision import Auth, KibanaClient, KibanaError, ProvisionReport, provision
from .validate import problems

__all__ = ["NDJSON_PATH", "DASHBOARD_ID", "saved_objects", "load_objects", "problems", "Auth", "KibanaClient",
           "KibanaError", "ProvisionReport", "provision"]
