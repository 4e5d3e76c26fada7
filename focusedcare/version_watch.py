"""The version tokens (focusedcare/cache.py), kept in each process until Redis says they changed.

Reading the tokens is a Redis round trip on every page (about 150 µs: most of what a page from
the page cache costs beyond Django's own work). Redis can tell a client which keys changed
(CLIENT TRACKING in broadcast mode, for every key under a prefix): each process keeps one
connection subscribed to those messages, keeps the tokens it read, and drops a token the moment
a message names it, or all of them when the database was flushed. Redis sends the message when
the key changes, whoever changed it (another app server, an expiry, an eviction, a flush): for a
key, before the writer hears that its write is done; for a flush, in the same turn of Redis's
loop as that answer, possibly a moment after it. The process that wrote drops its own copy at
once (`forget`).

Nothing is kept while that connection is not known to be live: every read then goes to Redis, as
before. Redis is asked for a sign of life after a quiet second, and a connection that does not
answer within the next is dropped, so a server cut off from Redis stops trusting its copy
within two seconds.
"""

import logging
import os
import select
import socket
import threading
import time
import weakref
from collections.abc import Callable, Sequence

import redis

logger = logging.getLogger(__name__)

HEARTBEAT = 1.0  # seconds of quiet before Redis is asked for a sign of life; as long to answer
CHANNEL = "__redis__:invalidate"


class VersionWatch:
    """Tokens by their Redis key, valid while this process's listening connection is live."""

    def __init__(self, connect: Callable[[], redis.Redis], prefix: str) -> None:
        self._connect = connect  # a new single-connection client, RESP2
        self._prefix = prefix  # the Redis keys watched start with this
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}
        self._generation = 0  # moves on whenever kept tokens may have gone stale
        self._live = False
        self._pid: int | None = None
        self._socket: socket.socket | None = None  # the listening connection's
        self._busy = False  # while the listener reads and applies messages
        _every_watch.add(self)

    def get(self, keys: Sequence[str]) -> tuple[str, ...] | None:
        """The kept tokens of these Redis keys, or None when any must be read from Redis."""
        if self._pid != os.getpid():
            self._start()
            return None
        if not self._live or self._busy or _readable(self._socket):
            return None  # a message is in, or on its way: what it says is not applied yet
        tokens = self._tokens
        try:
            return tuple(tokens[key] for key in keys)
        except KeyError:
            return None

    def generation(self) -> int:
        """Taken before reading tokens from Redis, and given back to `keep`."""
        return self._generation

    def keep(self, tokens: dict[str, str], generation: int) -> None:
        """Tokens read from Redis since `generation`; kept unless a change came in meanwhile."""
        with self._lock:
            if self._live and generation == self._generation:
                self._tokens.update(tokens)

    def forget(self, keys: Sequence[str] | None = None) -> None:
        """Drop these kept tokens (all of them by default): changed here, or said to be."""
        with self._lock:
            self._generation += 1
            if keys is None:
                self._tokens.clear()
            else:
                for key in keys:
                    self._tokens.pop(key, None)

    def _start(self) -> None:
        """One listening thread per process (a forked worker starts its own)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._live = False
            self._generation += 1
            self._tokens.clear()
        threading.Thread(
            target=_listen, args=(weakref.ref(self),), name="version-watch", daemon=True
        ).start()

    def _set_live(self, live: bool, listening: "socket.socket | None" = None) -> None:
        with self._lock:
            self._live = live
            self._socket = listening
            self._generation += 1
            self._tokens.clear()


_every_watch: "weakref.WeakSet[VersionWatch]" = weakref.WeakSet()


def _after_fork() -> None:
    """A forked child has none of its parent's threads: nothing it kept is trusted, its lock
    is new (the parent's listener may have held it), and its first read starts its own."""
    for watch in list(_every_watch):
        watch._lock = threading.Lock()
        watch._live, watch._busy, watch._socket = False, False, None
        watch._tokens = {}


os.register_at_fork(after_in_child=_after_fork)


def _listen(ref: "weakref.ref[VersionWatch]") -> None:
    """Follow Redis's messages for as long as the watch exists in this process; reconnect after
    a failure, trusting nothing kept until the new subscription is confirmed."""
    pid = os.getpid()
    told = False  # an outage is logged once, not every second
    while (watch := ref()) is not None and watch._pid == pid:
        del watch  # held only while it is used: a dropped cache ends this thread
        try:
            client = _client(ref)
            if client is None:
                return
            try:
                _follow(client, ref, pid)
            finally:
                client.close()
        except (redis.RedisError, OSError) as error:
            was_live = (watch := ref()) is not None and watch._live
            del watch
            if was_live or not told:
                logger.warning("Versions read from Redis each time until it answers: %s", error)
            told = True
        if (watch := ref()) is not None:
            watch._set_live(False)
        del watch
        time.sleep(HEARTBEAT)


def _client(ref: "weakref.ref[VersionWatch]") -> redis.Redis | None:
    """A new connection for the watch, if it still exists (nothing of it kept here)."""
    watch = ref()
    return None if watch is None else watch._connect()


def _follow(client: redis.Redis, ref: "weakref.ref[VersionWatch]", pid: int) -> None:
    watch = ref()
    if watch is None:
        return
    connection = client.connection
    assert connection is not None  # a single-connection client  # nosec B101
    # Redirected to itself: the messages arrive as a subscription on this one connection.
    client.execute_command(
        "CLIENT", "TRACKING", "ON", "REDIRECT", client.client_id(), "BCAST", "PREFIX", watch._prefix
    )
    connection.send_command("SUBSCRIBE", CHANNEL)
    connection.read_response()  # the subscription confirmed: from now on no change is missed
    listening = connection._sock  # readers look for a message waiting on it, never read it
    assert listening is not None  # nosec B101 # connected by the commands above
    watch._set_live(True, listening)
    del watch
    awaiting_answer = False
    while True:
        # Wait without reading: while a message is unread, readers see it waiting.
        if not select.select([listening], [], [], HEARTBEAT)[0]:
            if awaiting_answer:
                raise redis.TimeoutError("Redis gave no sign of life")
            connection.send_command("PING")
            awaiting_answer = True
            continue
        watch = ref()
        if watch is None or watch._pid != pid:
            return
        watch._busy = True  # from the first read until every message read is applied
        try:
            while connection.can_read(timeout=0):
                message = connection.read_response()
                awaiting_answer = False
                if isinstance(message, list) and message[:2] == [b"message", CHANNEL.encode()]:
                    keys = message[2]  # None: the database was flushed
                    watch.forget(None if keys is None else [key.decode() for key in keys])
        finally:
            watch._busy = False
        del watch


def _readable(listening: "socket.socket | None") -> bool:
    """Whether a message waits unread on the listening connection (no socket: no listener)."""
    if listening is None:
        return True
    try:
        return bool(select.select([listening], [], [], 0)[0])
    except (OSError, ValueError):  # closed meanwhile: trust nothing
        return True
