"""The edge cache in front of the index (Varnish with xkey, as PyPI runs Fastly).

Every machine response names what it shows in `Surrogate-Key` and `xkey`
(`project/<name>`, or `all-projects` for the root index) and tells the edge
how long it may keep it (`Surrogate-Control`), while `Cache-Control` keeps
clients' copies short. After a transaction that changed a project commits,
each URL in CACHE_PURGE_URLS receives one `PURGE` request naming the keys to
drop in an `xkey-purge` header (deploy/varnish.vcl answers it). With no URL
configured nothing is sent.
"""

import http.client
import logging
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

ALL_PROJECTS = "all-projects"
# How long the edge keeps a document: long, since every change purges it.
EDGE_MAX_AGE = 60 * 60 * 24
PURGE_TIMEOUT = 2.0


def project_key(name):
    """The key of project `name`; a name no project can have (a request for `/simple/%0D/`) is
    percent-encoded, so the header stays one line of ASCII. A valid normalized name is unchanged."""
    return f"project/{quote(name, safe='')}"


def keys_for(name, *, index=False):
    return [project_key(name), ALL_PROJECTS] if index else [project_key(name)]


def set_headers(response, keys, *, edge_max_age=EDGE_MAX_AGE):
    value = " ".join(keys)
    response.headers["Surrogate-Key"] = value
    response.headers["xkey"] = value
    response.headers["Surrogate-Control"] = f"max-age={edge_max_age}"
    return response


def _send_purge(url, keys):
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=PURGE_TIMEOUT)
    try:
        connection.request("PURGE", parts.path or "/", headers={"xkey-purge": " ".join(keys)})
        response = connection.getresponse()
        response.read()
        if response.status >= 400:
            logger.warning("cache purge of %s at %s answered %s", keys, url, response.status)
    finally:
        connection.close()


def purge(keys):
    """Ask every configured edge cache to drop the documents tagged with `keys` now."""
    for url in settings.CACHE_PURGE_URLS:
        try:
            _send_purge(url, keys)
        except OSError as error:
            # The edge keeps the old document until its TTL; the change itself stands.
            logger.warning("cache purge of %s at %s failed: %s", keys, url, error)


def purge_after_commit(keys):
    if settings.CACHE_PURGE_URLS:
        keys = list(keys)
        transaction.on_commit(lambda: purge(keys))
