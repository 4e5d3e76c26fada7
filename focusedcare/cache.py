"""What a cache outage looks like, and the versions that keep cached reads fresh.

A cache outage: pages read and write the cache inside `except CACHE_ERRORS` and carry on
without it; only the abuse limits refuse (booking/ratelimit.py).

Versions: each kind of data (the clinic's catalog, its appointments, the site's pages) has a
version token in the shared cache, replaced by every write to it (booking/signals.py,
content/signals.py). Whatever is computed from that data is cached under the versions it was
read at, so a write makes every copy unreachable at once, on every app server. The versions are
read before the data: a reader that saw a new token also sees the write that replaced it.
"""

import logging
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

import redis
from django.core.cache import cache
from django.db import transaction

if TYPE_CHECKING:
    from focusedcare.version_watch import VersionWatch

logger = logging.getLogger(__name__)

# Django's RedisCache lets the client's errors through (connection refused, timeouts); OSError
# covers a socket that fails below redis-py.
CACHE_ERRORS: tuple[type[Exception], ...] = (redis.RedisError, OSError)

# The kinds of data a cached read can depend on.
CATALOG = "catalog"  # services, prices, therapists, hours, time off, closures, clinic, policy
APPOINTMENTS = "appointments"  # who is booked when
CONTENT = "content"  # the pages the owner writes (content.Page)
RECORDS = "records"  # clients and intakes: the names and intake states the calendar shows

_MISSING = object()


def _key(name: str) -> str:
    return f"version:{name}"


def versions(*names: str) -> tuple[str, ...] | None:
    """The current token of each kind of data, or None when the cache cannot say (down): then
    nothing may be read from or kept in a cache that depends on them. With Redis, from this
    process's copy while Redis has said nothing changed (focusedcare/version_watch.py)."""
    keys = [_key(name) for name in names]
    watch = _watch()
    if watch is not None:
        made = [cache.make_key(key) for key in keys]
        kept = watch.get(made)
        if kept is not None:
            return kept
        generation = watch.generation()
    try:
        found = cache.get_many(keys)
        for key in keys:
            if key not in found:  # never set, or evicted: a new token, never an old one again
                cache.add(key, secrets.token_hex(8), timeout=None)
                found[key] = cache.get(key)
    except CACHE_ERRORS as error:
        logger.warning("Versions unreadable, the cache is down: %s", error)
        return None
    if any(found[key] is None for key in keys):
        return None
    tokens = tuple(found[key] for key in keys)
    if watch is not None:
        watch.keep(dict(zip(made, tokens, strict=True)), generation)
    return tokens


def _watch() -> "VersionWatch | None":
    """The shared cache's watch over the versions, when it has one (Redis)."""
    watch_for = getattr(cache, "version_watch", None)
    return None if watch_for is None else watch_for(_key(""))


def bump(*names: str) -> None:
    """A write changed these kinds of data: every cached copy computed from them is stale.
    Now, and again once the write commits: a reader between the two (the write not yet visible
    to it) may have cached the old data under the first new token, never under the second."""
    _replace(names)
    transaction.on_commit(lambda: _replace(names))


def _replace(names: tuple[str, ...]) -> None:
    try:
        cache.set_many({_key(name): secrets.token_hex(8) for name in names}, timeout=None)
    except CACHE_ERRORS as error:
        logger.warning("Versions not replaced, the cache is down: %s", error)
    forget_local_copies()  # even if the shared cache could not be told


class _Memo:
    """Small, often-read values computed from the database and kept in this process under the
    versions they were read at (the clinic, the booking policy, free slots): no pickling and
    no round trip; bounded in size and age (a missed version change lives `MAX_AGE` at most)."""

    MAX_ENTRIES = 512
    MAX_AGE = 300.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, object]] = {}

    def get(self, key: Hashable) -> object:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self.MAX_AGE:
            return _MISSING
        return entry[1]

    def set(self, key: Hashable, value: object) -> None:
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (time.monotonic(), value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_memo = _Memo()


def forget_local_copies() -> None:
    """This process's remembered values and kept versions: after a write here, and for tests
    that empty the shared cache."""
    _memo.clear()
    if (watch := _watch()) is not None:
        watch.forget()


def remembered[T](key: Hashable, compute: Callable[[], T], *names: str) -> T:
    """`compute()`, kept in this process until any of the named kinds of data changes (on any
    app server). The value is shared between requests: callers must not change it. With the
    cache down, computed every time."""
    current = versions(*names)
    if current is None:
        return compute()
    full_key = (key, current)
    value = _memo.get(full_key)
    if value is _MISSING:
        value = compute()
        _memo.set(full_key, value)
    return value  # type: ignore[return-value]


def kept_once_found[T](key: Hashable, fetch: Callable[[], T | None]) -> T | None:
    """`fetch()` from the shared cache, kept in this process once it found something (a miss is
    asked again next time). Only for keys that already hold the versions they depend on: such
    a key never names a stale value, so the copy needs no version check of its own."""
    value = _memo.get(key)
    if value is _MISSING:
        value = fetch()
        if value is not None:
            _memo.set(key, value)
    return value  # type: ignore[return-value]
