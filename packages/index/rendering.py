"""Rendered documents, cached until what they show changes.

A document is cached under a key made of the name, its generation (the fast
path's `generations`: moved by every change to what the name shows), the
representation and the site's origin, so a hit costs one cache read for the
generation and no database query. A document's ETag is the digest of its
bytes, computed once when it is built. The latest documents are also kept in
this process (the fast path's `caches.documents`, bounded by
`INDEX_LOCAL_BYTES`), so the large root index is not read back from the cache
on every request.

`INDEX`, `generation`, `generations`, `bump` and `project_changed` are the fast
path's (packages/index/fastpath/generations.py), named here too for the
callers that change projects.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import timezone
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from .fastpath.caches import documents
from .fastpath.generations import INDEX, bump, generation, generations, project_changed  # noqa: F401 (callers name them here)

# Bump when the output format changes, so a deploy never serves old renderings.
RENDER_VERSION = 6
# Entries never go stale (the key changes instead); the timeout only lets the
# cache forget documents nobody asks for.
CACHE_TIMEOUT = 60 * 60 * 24
# Short, so a client that caches (uv honours Cache-Control) sees new uploads
# within a minute; ETags make revalidation cheap.
INDEX_MAX_AGE = getattr(settings, "SIMPLE_INDEX_MAX_AGE", 60)


@dataclass
class Document:
    """A cached answer: status, body and the headers that go with it (serial, redirect target).

    `private`: whether the project it shows is private (None when it shows no project, e.g. a 404):
    the view asks the reading rule before answering with it (packages.reading).
    """

    status: int
    body: bytes
    serial: int | None = None
    headers: dict = field(default_factory=dict)
    private: bool | None = None
    etag: str | None = None
    # A document of something this index does not decide (an upstream page): built again once past this time.
    expires: float | None = None

    def expired(self):
        return self.expires is not None and self.expires <= time.time()


def origin(request):
    """The scheme and host the client used, e.g. ``http://localhost:8000``."""
    return request.build_absolute_uri("/").rstrip("/")


def document_key(request, name, variant, current=None):
    """The cache key of a document; `current` is the generation when the caller has read it already."""
    if current is None:
        current = generation(name)
    parts = (RENDER_VERSION, name, current, variant, origin(request))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def etag_for(body):
    """A document's ETag names its bytes: a change that leaves the document as it was (another project's
    upload moving the root index's generation, say) keeps it, so a validator tells nobody anything."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def cached(key, build):
    """The Document cached under `key`, built by `build()` on a miss."""
    document = documents.get(key)
    if document is not None and not document.expired():
        return document
    cache_key = f"packages:doc:{key}"
    document = cache.get(cache_key)
    if document is None or document.expired():
        document = build()
        if document.status == 200:
            document.etag = etag_for(document.body)
        cache.set(cache_key, document, timeout=CACHE_TIMEOUT)
    documents.put(key, document)
    return document


class FileURLs:
    """Absolute URLs of stored files, without a `reverse()` per file."""

    def __init__(self, request):
        self.base = request.build_absolute_uri(reverse("packages:file", kwargs={"path": "_"}))[:-1]

    def __call__(self, file):
        return self.base + quote(file.path, safe="/")


class ProvenanceURLs:
    """The Integrity API URL of each file of `project` that has provenance (None for the others)."""

    def __init__(self, request, project):
        self.base = request.build_absolute_uri(f"/integrity/{quote(project.normalized_name)}/")

    def __call__(self, file):
        if not getattr(file, "has_provenance", False):
            return None
        return f"{self.base}{quote(file.release.version)}/{quote(file.filename)}/provenance"


def upload_time(value):
    """PEP 700's form: ``yyyy-mm-ddThh:mm:ss.ffffffZ`` in UTC."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
