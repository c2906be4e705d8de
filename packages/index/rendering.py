"""Rendered documents cached until their project changes.

A page is keyed by what it shows: the project (its id and creation time, so a
re-created name never hits an old entry), its `last_serial` (bumped by every
change a client can see), its status, the representation and the site's origin
(file URLs are absolute). Nothing is re-rendered until the project changes, and
the same key gives the ETag, so a conditional request is answered without
reading the cache at all.
"""

import hashlib
from datetime import timezone
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

# Bump when the output format changes, so a deploy never serves old renderings.
RENDER_VERSION = 3
# Entries never go stale (the key changes instead); the timeout only lets the
# cache forget projects nobody asks for.
CACHE_TIMEOUT = 60 * 60 * 24
# Short, so a client that caches (uv honours Cache-Control) sees new uploads
# within a minute; ETags make revalidation cheap.
INDEX_MAX_AGE = getattr(settings, "SIMPLE_INDEX_MAX_AGE", 60)


def origin(request):
    """The scheme and host the client used, e.g. ``http://localhost:8000``."""
    return request.build_absolute_uri("/").rstrip("/")


def project_key(request, project, representation):
    parts = (
        RENDER_VERSION,
        representation,
        project.pk,
        project.created.timestamp(),
        project.normalized_name,
        project.last_serial,
        project.status,
        origin(request),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def index_key(request, representation, serial, count):
    parts = (RENDER_VERSION, "index", representation, serial, count, origin(request))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def etag_for(key):
    return f'"{key[:32]}"'


def cached(key, build):
    """The document cached under `key`, built (as bytes) by `build()` on a miss."""
    cache_key = f"packages:doc:{key}"
    body = cache.get(cache_key)
    if body is None:
        body = build()
        cache.set(cache_key, body, timeout=CACHE_TIMEOUT)
    return body


class FileURLs:
    """Absolute URLs of stored files, without a `reverse()` per file."""

    def __init__(self, request):
        self.base = request.build_absolute_uri(reverse("packages:file", kwargs={"path": "_"}))[:-1]

    def __call__(self, file):
        return self.base + quote(file.path, safe="/")


def upload_time(value):
    """PEP 700's form: ``yyyy-mm-ddThh:mm:ss.ffffffZ`` in UTC."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
