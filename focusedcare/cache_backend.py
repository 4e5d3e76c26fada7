"""Django's Redis cache, with one Redis client per server kept for the life of the process.

Django's client builds a new `redis.Redis` for every cache call (its connection pool is kept,
the client object is not), and redis-py fills a table of some 170 reply callbacks in each one's
constructor: that was most of what a page from the page cache cost beyond Django's own work. A
`redis.Redis` is safe to share between threads; its pool notices a fork and opens new
connections in the child, so one per process (per server) is enough.

It also offers a `VersionWatch` (focusedcare/version_watch.py): the version tokens kept in the
process for as long as Redis says they have not changed.
"""

import os

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from focusedcare.version_watch import HEARTBEAT, VersionWatch


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
        self._watches: dict[str, VersionWatch] = {}

    def version_watch(self, prefix: str) -> VersionWatch:
        """The watch over this cache's keys that start with `prefix` (as given to get/set)."""
        watch = self._watches.get(prefix)
        if watch is None:
            watch = self._watches[prefix] = VersionWatch(self._watch_client, self.make_key(prefix))
        return watch

    def _watch_client(self) -> redis.Redis:
        """A connection of its own to the server that takes the writes, in RESP2, where the
        messages Redis sends about changed keys come as an ordinary subscription."""
        connect_timeout = self._options.get("socket_connect_timeout", HEARTBEAT)
        return redis.Redis.from_url(
            self._servers[0],
            protocol=2,
            single_connection_client=True,
            socket_connect_timeout=connect_timeout,
            socket_timeout=2 * HEARTBEAT,
            client_name=f"version-watch-{os.getpid()}",  # who it is, in Redis's CLIENT LIST
        )
