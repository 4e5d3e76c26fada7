"""Django's Redis cache, with one Redis client per server kept for the life of the process.

Django's client builds a new `redis.Redis` for every cache call (its connection pool is kept,
the client object is not), and redis-py fills a table of some 170 reply callbacks in each one's
constructor: that was most of what a page from the page cache cost beyond Django's own work. A
`redis.Redis` is safe to share between threads; its pool notices a fork and opens new
connections in the child, so one per process (per server) is enough.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _KeptClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools are kept for the process: ids stay theirs
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _KeptClient
