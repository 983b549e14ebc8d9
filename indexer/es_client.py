"""The one place that builds an Elasticsearch client from the settings; everything else receives it.

``client_from_settings(settings)`` reads ``SHEQING_ES_*``: the comma-separated URLs, an API key or else a
user and password, the CA certificate and whether to verify the cluster's certificate, and the request
timeout. Requests that time out or hit a dead node are retried (``max_retries``) on the next node before
the client gives up; the store turns what is left into ``StoreUnavailable``.

Only arguments that mean the same in the 8.x and 9.x clients are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from sheqing.settings import Settings

__all__ = ["client_options", "client_from_settings", "MAX_RETRIES"]

MAX_RETRIES = 3  # per request, across nodes, for connection errors and timeouts


def client_options(settings: "Settings") -> dict[str, Any]:
    """The keyword arguments of ``Elasticsearch(...)`` that the settings ask for."""
    hosts = [url.strip() for url in settings.es_url.split(",") if url.strip()]
    if not hosts:
        raise ValueError("SHEQING_ES_URL is empty: set the Elasticsearch URL(s) to use Elasticsearch")
    options: dict[str, Any] = {
        "hosts": hosts,
        "request_timeout": settings.es_timeout,
        "retry_on_timeout": True,
        "max_retries": MAX_RETRIES,
    }
    if settings.es_api_key is not None:
        options["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username:
        password = settings.es_password.get_secret_value() if settings.es_password is not None else ""
        options["basic_auth"] = (settings.es_username, password)
    if any(h.startswith("https:") for h in hosts):
        options["verify_certs"] = settings.es_verify_certs
        if settings.es_ca_certs is not None:
            options["ca_certs"] = str(settings.es_ca_certs)
        if not settings.es_verify_certs:
            options["ssl_show_warn"] = False  # the operator chose this; say so once in the log, not per request
    return options


def client_from_settings(settings: "Settings", **overrides: Any) -> "Elasticsearch":
    """A client for the cluster the settings name. ``overrides`` go to the constructor as they are."""
    from elasticsearch import Elasticsearch

    return Elasticsearch(**{**client_options(settings), **overrides})
