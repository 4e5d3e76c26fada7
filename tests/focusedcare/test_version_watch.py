"""The version tokens kept in each process while Redis says they have not changed
(focusedcare/version_watch.py), against a real Redis (database 11): another server's write, a
flush and a lost connection all reach the next read. Each test has a key prefix of its own."""

import os
import time
import uuid

import pytest
import redis
from django.core.cache import cache, caches

from focusedcare.cache import CATALOG, CONTENT, _watch, bump, versions
from focusedcare.cache_backend import RedisCache
from tests.servers import redis_or_skip

LOCATION = "redis://127.0.0.1:6379/11"
FLUSHED = "redis://127.0.0.1:6379/10"  # emptied by a test: no other test's keys live there


def _shared(settings, location: str) -> RedisCache:
    """This process's cache is Redis; returns another server's view of the same cache."""
    redis_or_skip(int(location.rsplit("/", 1)[1]))
    options = {"KEY_PREFIX": f"watch-{uuid.uuid4().hex}"}
    settings.CACHES = {
        "default": {
            "BACKEND": "focusedcare.cache_backend.RedisCache",
            "LOCATION": location,
            **options,
        }
    }
    return RedisCache(location, options)


@pytest.fixture
def shared(settings) -> RedisCache:
    return _shared(settings, LOCATION)


@pytest.fixture
def flushed(settings) -> RedisCache:
    return _shared(settings, FLUSHED)


def until(condition, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def kept() -> tuple[str, ...]:
    """Read the versions until this process keeps them (the watch's connection is up)."""
    keys = [cache.make_key("version:catalog"), cache.make_key("version:content")]
    assert until(lambda: versions(CATALOG, CONTENT) and _watch().get(keys) is not None)
    return versions(CATALOG, CONTENT)


@pytest.fixture
def reads_from_redis(monkeypatch):
    """How many times the versions were read from Redis rather than from this process."""
    calls = []
    default = caches["default"]
    original = default.get_many

    def counted(keys, *args, **kwargs):
        calls.append(list(keys))
        return original(keys, *args, **kwargs)

    monkeypatch.setattr(default, "get_many", counted)
    return calls


def test_kept_versions_are_read_without_asking_redis(shared, reads_from_redis):
    tokens = kept()
    reads_from_redis.clear()

    assert [versions(CATALOG, CONTENT) for _ in range(20)] == [tokens] * 20
    assert reads_from_redis == []


def test_a_version_another_server_replaces_is_read_anew_at_once(shared):
    catalog, content = kept()

    shared.set("version:catalog", "from-elsewhere", timeout=None)

    assert versions(CATALOG, CONTENT) == ("from-elsewhere", content)


@pytest.mark.django_db
def test_a_write_here_is_seen_here_at_once(shared):
    catalog, content = kept()

    bump(CATALOG)

    now = versions(CATALOG, CONTENT)
    assert now[0] != catalog and now[1] == content
    assert now == (shared.get("version:catalog"), shared.get("version:content"))


def test_an_emptied_cache_drops_every_kept_version(flushed):
    """Redis writes a flush's message in the same turn of its loop as its reply to whoever
    flushed, though possibly just after it: another server drops its copy within that moment."""
    before = kept()

    flushed.clear()

    def replaced() -> bool:
        after = versions(CATALOG, CONTENT)
        return after[0] != before[0] and after[1] != before[1]

    assert until(replaced, within=0.5)
    after = versions(CATALOG, CONTENT)
    assert after == (flushed.get("version:catalog"), flushed.get("version:content"))


def test_a_lost_connection_trusts_nothing_kept_until_it_is_back(shared, reads_from_redis):
    kept()
    admin = redis.Redis.from_url(LOCATION)
    watching = [c for c in admin.client_list() if c["name"] == f"version-watch-{os.getpid()}"]
    assert watching, "the watch's connection is in Redis's list of clients"
    for client in watching:
        admin.client_kill_filter(_id=client["id"])

    shared.set("version:catalog", "while-it-was-down", timeout=None)

    assert versions(CATALOG, CONTENT)[0] == "while-it-was-down"
    assert reads_from_redis  # read from Redis, not from the copy
    assert kept()[0] == "while-it-was-down"  # and kept again once reconnected


# Python warns that the parent has a thread (the watch's listener): the case under test.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_worker_trusts_nothing_of_its_parent_and_follows_on_its_own(shared):
    """gunicorn forks its workers: a child must not read its parent's connection or copy."""
    tokens = kept()
    keys = [cache.make_key("version:catalog"), cache.make_key("version:content")]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the worker
        try:
            first = _watch().get(keys)
            shared.set("version:catalog", "after-the-fork", timeout=None)
            now = kept()
            own = _watch()._socket is not None
            os.write(write, repr((first, now[0], own)).encode())
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    said = os.read(read, 1000).decode()

    assert said == repr((None, "after-the-fork", True))
    assert versions(CATALOG, CONTENT) == ("after-the-fork", tokens[1])  # told here too
