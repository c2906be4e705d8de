"""The site's two cache backends: Django's, each mended where the site needs it.

`DatabaseCache`: Django's database cache with an atomic `incr`, so its counters
(the projects' generations) hold under parallel requests. Django's increments by
reading the value and writing it back; two processes doing so at once both write
the same number and a hit is lost. Here the read and the write happen in one
transaction on the locked row.

`RedisCache`: Django's Redis cache keeping one client per connection pool. Django
builds a new `redis.Redis` on every cache call, and each copies redis-py's table of
about eighty reply handlers: an upload makes some eight cache calls, and the copies
cost it more CPU than the round trips themselves.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table, cache_key, value_column, expires = (
            quote_name(self._table),
            quote_name("cache_key"),
            quote_name("value"),
            quote_name("expires"),
        )
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value_column} FROM {table} WHERE {cache_key} = %s AND {expires} > %s{lock}", [key, now]
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found.")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {value_column} = %s WHERE {cache_key} = %s", [encoded, key])
        return value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        # A redis.Redis over a pool is safe to share between threads, as the pool is.
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def raw_client(self):
        """The redis.Redis of the server that takes the writes (Django's rule: the first), for the commands the
        cache API has no word for (the projects' generations, packages/index/fastpath/generations.py)."""
        return self._cache.get_client(write=True)
