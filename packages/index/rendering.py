"""Rendered documents, cached until what they show changes.

Each project name (and the root index) has a *generation* in the shared cache:
a number that every write changing what installers see increments
(`project_changed`). A document is cached under a key made of the name, its
generation, the representation and the site's origin, so a hit costs one cache
read for the generation and no database query. A document's ETag is the digest
of its bytes, computed once when it is built.

Why this stays correct under concurrency: a reader reads the generation
*before* it reads the database, and a writer increments it inside its
transaction and again after the commit. A document built from data older
than a commit is therefore only ever stored under a generation that commit
has already left behind. A lost generation (cache eviction) starts again from
a random number, so it never meets an old entry.

The bodies of the latest documents are also kept in this process (bounded by
`LOCAL_BYTES`), so the large root index is not read back from the cache on
every request.
"""

import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timezone
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from . import edge

# Bump when the output format changes, so a deploy never serves old renderings.
RENDER_VERSION = 6
# Entries never go stale (the key changes instead); the timeout only lets the
# cache forget documents nobody asks for.
CACHE_TIMEOUT = 60 * 60 * 24
# Short, so a client that caches (uv honours Cache-Control) sees new uploads
# within a minute; ETags make revalidation cheap.
INDEX_MAX_AGE = getattr(settings, "SIMPLE_INDEX_MAX_AGE", 60)
# The generation name of the root index (no project is called "*").
INDEX = "*"
LOCAL_BYTES = 64 * 1024 * 1024

_GENERATION = "packages:gen:"


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


class _RedisGenerations:
    """Reads generations straight from Redis when the cache is Redis.

    The same keys and values as the cache's own (Django stores an int as its
    digits), read with one persistent client instead of the cache API, which
    costs several times the round trip itself on the hottest line of the index.
    Writes still go through the cache (`incr`, `add`).
    """

    BACKEND = "django.core.cache.backends.redis.RedisCache"

    def __init__(self):
        self.location, self.client = None, None

    def enabled(self):
        return settings.CACHES["default"]["BACKEND"] == self.BACKEND

    def _client(self):
        location = settings.CACHES["default"]["LOCATION"]
        if location != self.location:
            import redis

            # The first server takes the writes (Django's rule), so it is the one that is current.
            url = location[0] if isinstance(location, (list, tuple)) else re.split("[;,]", location)[0]
            self.location, self.client = location, redis.Redis.from_url(url)
        return self.client

    def get(self, key):
        value = self._client().get(cache.make_key(key))
        return None if value is None else int(value)

    def get_many(self, keys):
        values = self._client().mget([cache.make_key(key) for key in keys])
        return [None if value is None else int(value) for value in values]


_redis = _RedisGenerations()


def generation(name):
    """The current generation of `name` (a normalized project name, or INDEX)."""
    key = _GENERATION + name
    value = _redis.get(key) if _redis.enabled() else cache.get(key)
    if value is None:
        value = secrets.randbits(62)
        if not cache.add(key, value, timeout=None):
            value = cache.get(key)  # another process started it first
    return value


def generations(*names):
    """The current generations of `names`, read in one round trip."""
    keys = [_GENERATION + name for name in names]
    if _redis.enabled():
        values = _redis.get_many(keys)
    else:
        found = cache.get_many(keys)
        values = [found.get(key) for key in keys]
    return [generation(name) if value is None else value for name, value in zip(names, values)]


def bump(names):
    for name in names:
        try:
            cache.incr(_GENERATION + name)
        except ValueError:
            pass  # no generation yet: the next reader starts a fresh one


def project_changed(*, name, index=False):
    """Make cached documents of project `name` (and of the root index with `index`) out of date.

    Called inside the transaction of the change and run again after it commits.
    """
    names = [name, INDEX] if index else [name]
    bump(names)
    transaction.on_commit(lambda: bump(names))
    edge.purge_after_commit(edge.keys_for(name, index=index))


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


class BoundedCache:
    """The most recently used entries of this process, at most `limit` bytes by `size(entry)`. Thread-safe."""

    def __init__(self, limit, size):
        self.limit, self.measure = limit, size
        self.size = 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        if self.measure(entry) > self.limit:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= self.measure(old)
            self.entries[key] = entry
            self.size += self.measure(entry)
            while self.size > self.limit:
                _, dropped = self.entries.popitem(last=False)
                self.size -= self.measure(dropped)

    def discard(self, key):
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= self.measure(old)


_local = BoundedCache(LOCAL_BYTES, size=lambda document: len(document.body))


def cached(key, build):
    """The Document cached under `key`, built by `build()` on a miss."""
    document = _local.get(key)
    if document is not None and not document.expired():
        return document
    cache_key = f"packages:doc:{key}"
    document = cache.get(cache_key)
    if document is None or document.expired():
        document = build()
        if document.status == 200:
            document.etag = etag_for(document.body)
        cache.set(cache_key, document, timeout=CACHE_TIMEOUT)
    _local.put(key, document)
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
