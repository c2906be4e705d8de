"""Generations: one number per project name (and the root index) in the shared cache, moved by every change.

Each project name (and the root index) has a *generation* in the shared cache:
a number that every write changing what installers see increments
(`project_changed`). Documents are cached, and responses replayed, only
under the generation they were read at, so a hit costs one cache read for the
generation and no database query.

Why this stays correct under concurrency: a reader reads the generation
*before* it reads the database, and a writer increments it inside its
transaction and again after the commit. A document built from data older
than a commit is therefore only ever stored under a generation that commit
has already left behind. A lost generation (cache eviction) starts again from
a random number, so it never meets an old entry.

The cache must be shared by every process (indexsite/checks.py refuses a
per-process cache where more than one worker could run).
"""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .. import edge

# The generation name of the root index (no project is called "*").
INDEX = "*"

_GENERATION = "packages:gen:"


class _RedisGenerations:
    """Reads generations straight from Redis when the cache is the site's Redis cache.

    The same keys and values as the cache's own (Django stores an int as its
    digits), read with the cache's own client (accounts.cache.RedisCache.raw_client: the
    server that takes the writes) instead of the cache API, which costs several times the
    round trip itself on the hottest line of the index. A bump increments each of its names
    that exist in one script (one round trip, where the cache's `incr` asks whether the key
    exists, then increments it, name after name). `add` still goes through the cache.
    """

    BACKEND = "accounts.cache.RedisCache"  # settings puts it in place of Django's for a redis:// CACHE_URL

    def __init__(self):
        self.client, self.bump_script = None, None

    def enabled(self):
        return settings.CACHES["default"]["BACKEND"] == self.BACKEND

    def _client(self):
        client = cache.raw_client()
        if client is not self.client:
            self.client, self.bump_script = client, client.register_script(_BUMP)
        return client

    def get(self, key):
        value = self._client().get(cache.make_key(key))
        return None if value is None else int(value)

    def get_many(self, keys):
        values = self._client().mget([cache.make_key(key) for key in keys])
        return [None if value is None else int(value) for value in values]

    def bump(self, keys):
        self._client()
        self.bump_script(keys=[cache.make_key(key) for key in keys])


# Increment each key that exists; one that does not stays absent (its next reader starts a fresh generation).
_BUMP = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('INCR', key) end
end
return 0
"""


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
    if _redis.enabled():
        _redis.bump([_GENERATION + name for name in names])
        return
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
