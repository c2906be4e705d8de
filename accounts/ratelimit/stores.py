"""Where rate-limit counters live: a store that never evicts a counter still in use.

Not Django's cache: a cache drops entries when it is full (the database cache
culls a third of its rows past 300), so a flood of requests with new keys would
drop an account's login lockout with them. `settings.RATE_LIMIT_URL` names the
store:

- `database`: the table `accounts_ratelimitcounter` in the default database
  (SQLite or PostgreSQL). One `INSERT … ON CONFLICT DO UPDATE … RETURNING`
  counts a hit and reads the new count in one atomic statement.
- `redis://…`: a Redis server (by default the cache's, when the cache is Redis).
  `INCRBY` counts atomically; a counter expires with `EXPIRE`. Redis keeps
  every counter only when it is not allowed to evict keys: run it with
  `maxmemory-policy noeviction` (the README's layout says so), or point
  `RATE_LIMIT_URL` at a server of its own.

A counter is removed only once its window can no longer be read (`expires`):
the database deletes such rows now and then, Redis expires them itself.
Either store raises `RateLimitUnavailable` when it cannot be reached.
"""

import logging
import threading
import time
from contextlib import nullcontext
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError, connections, router, transaction

log = logging.getLogger(__name__)

SWEEP_EVERY = 60  # seconds between two deletions of expired rows, per process


class RateLimitUnavailable(Exception):
    """The rate-limit store cannot be reached, so a limit can be neither counted nor checked."""


def _marks(values):
    return ", ".join(["%s"] * len(values))


class DatabaseStore:
    def __init__(self):
        self._next_sweep = 0.0
        self._sweep_lock = threading.Lock()

    @staticmethod
    def _model():
        from accounts.models import RateLimitCounter

        return RateLimitCounter

    def _run(self, statements, *, write=True):
        """Run `(sql, params)` pairs in one transaction (a savepoint inside another); the last one's rows.

        A read alone runs without opening a transaction (on SQLite a transaction
        takes the write lock at once), except inside one, where a savepoint keeps
        a failure from breaking the caller's transaction."""
        model = self._model()
        alias = router.db_for_write(model)
        connection = connections[alias]
        table = connection.ops.quote_name(model._meta.db_table)
        atomic = transaction.atomic(using=alias) if write or connection.in_atomic_block else nullcontext()
        try:
            with atomic, connection.cursor() as cursor:
                rows = None
                for sql, params in statements:
                    cursor.execute(sql.format(table=table), params)
                    rows = cursor.fetchall() if cursor.description else cursor.rowcount
                return rows
        except DatabaseError as error:
            log.error("Rate-limit store (database) failed: %s", type(error).__name__)
            raise RateLimitUnavailable() from error

    def hit(self, key, previous, *, delta, expires, now):
        """Add `delta` to `key` (created if missing, kept until `expires`), then read it and `previous`.

        Returns (hits, previous hits). `now` is the limiter's clock (Unix time)."""
        self._sweep(now)
        rows = self._run(
            [
                (
                    'INSERT INTO {table} ("key", hits, expires) VALUES (%s, %s, %s) '
                    'ON CONFLICT ("key") DO UPDATE SET hits = {table}.hits + excluded.hits',
                    [key, delta, expires],
                ),
                ('SELECT "key", hits FROM {table} WHERE "key" IN (%s, %s)', [key, previous]),
            ]
        )
        counts = dict(rows)
        return counts.get(key, 0), counts.get(previous, 0)

    def add(self, key, delta):
        """Add `delta` to an existing counter (a refused hit given back)."""
        self._run([('UPDATE {table} SET hits = hits + %s WHERE "key" = %s', [delta, key])])

    def take_back(self, *keys):
        """Remove one hit from the first of `keys` that has one; whether one was removed."""
        for key in keys:
            if self._run([('UPDATE {table} SET hits = hits - 1 WHERE "key" = %s AND hits > 0', [key])]):
                return True
        return False

    def get_many(self, keys):
        keys = list(keys)
        if not keys:
            return {}
        sql = f'SELECT "key", hits FROM {{table}} WHERE "key" IN ({_marks(keys)})'
        return dict(self._run([(sql, keys)], write=False))

    def delete(self, keys):
        if keys:
            self._run([(f'DELETE FROM {{table}} WHERE "key" IN ({_marks(keys)})', list(keys))])

    def sweep(self, now=None):
        """Delete the counters no window can read any more (never one still counted or weighed)."""
        now = int(time.time() if now is None else now)
        return self._run([("DELETE FROM {table} WHERE expires < %s", [now])])

    def _sweep(self, now):
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_EVERY
            self.sweep(now)
        finally:
            self._sweep_lock.release()


# Remove one hit from the first of KEYS that has one.
_TAKE_BACK = """
for _, key in ipairs(KEYS) do
  local hits = tonumber(redis.call('GET', key) or '0')
  if hits > 0 then
    redis.call('DECR', key)
    return 1
  end
end
return 0
"""


class RedisStore:
    PREFIX = "ratelimit:"

    def __init__(self, url):
        import redis

        self._errors = (redis.RedisError, OSError)
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._take_back = self._client.register_script(_TAKE_BACK)

    def _call(self, action):
        try:
            return action()
        except self._errors as error:
            log.error("Rate-limit store (Redis) failed: %s", type(error).__name__)
            raise RateLimitUnavailable() from error

    def hit(self, key, previous, *, delta, expires, now):
        def run():
            pipe = self._client.pipeline(transaction=True)
            pipe.incrby(self.PREFIX + key, delta)
            pipe.expire(self.PREFIX + key, max(1, int(expires - now)))
            pipe.get(self.PREFIX + previous)
            hits, _, previous_hits = pipe.execute()
            return int(hits), int(previous_hits or 0)

        return self._call(run)

    def add(self, key, delta):
        self._call(lambda: self._client.incrby(self.PREFIX + key, delta))

    def take_back(self, *keys):
        return bool(self._call(lambda: self._take_back(keys=[self.PREFIX + key for key in keys])))

    def get_many(self, keys):
        keys = list(keys)
        values = self._call(lambda: self._client.mget([self.PREFIX + key for key in keys])) if keys else []
        return {key: int(value) for key, value in zip(keys, values) if value is not None}

    def delete(self, keys):
        if keys:
            self._call(lambda: self._client.delete(*[self.PREFIX + key for key in keys]))

    def sweep(self, now=None):
        return 0  # Redis expires counters itself


@lru_cache(maxsize=4)
def _store_for(url):
    if url == "database":
        return DatabaseStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise ValueError(f"RATE_LIMIT_URL must be 'database' or a redis:// URL, not {url!r}")


def store():
    """The store `settings.RATE_LIMIT_URL` names (one per URL and process)."""
    return _store_for(settings.RATE_LIMIT_URL)
