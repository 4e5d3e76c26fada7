"""Several app servers (gunicorn, one worker each) on one SQLite file and one Redis database, as
production runs them behind a load balancer: for rules that must hold whichever server answers.

Each module that starts servers takes a Redis database number of its own (flushed before and
after): tests/booking/test_views_gift.py 13, tests/booking/test_limits_across_servers.py 12."""

import http.cookiejar
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from bs4 import BeautifulSoup

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]


def redis_or_skip(db: int) -> redis.Redis:
    """A connection to Redis on 127.0.0.1:6379, database `db`; skips (loudly) without one."""
    connection = redis.Redis(host="127.0.0.1", port=6379, db=db, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError as error:
        reason = f"Redis is not reachable at 127.0.0.1:6379 ({error})"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    return connection


@contextmanager
def app_servers(
    folder: Path, redis_db: int, count: int = 2, setup: tuple[str, ...] = (), **settings: str
) -> Iterator[list[str]]:
    """`count` gunicorn servers sharing a fresh SQLite database in `folder` and Redis database
    `redis_db`, with `settings` as environment variables, after `manage.py migrate` and each
    command of `setup` (e.g. "seed_demo"); yields their base URLs."""
    connection = redis_or_skip(redis_db)
    connection.flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{redis_db}",
        # DEBUG serves unhashed static names without collectstatic, and plain-HTTP cookies.
        "DEBUG": "true",
        "SECRET_KEY": "several-app-servers-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        **settings,
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    for command in setup:
        subprocess.run(
            [*manage, *command.split(" ", 2)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    ports = [free_port() for _ in range(count)]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "focusedcare.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        deadline = time.monotonic() + 30
        for base in bases:
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        connection.flushdb()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """Just enough of a browser: cookies, the CSRF token of the last form seen, no redirects
    followed (a 302 is an answer to look at)."""

    def __init__(self, address: str = ""):
        self.address = address  # sent as X-Forwarded-For: set PROXY_COUNT=1 on the servers
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )
        self.token = ""

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        if self.address:
            request.add_header("X-Forwarded-For", self.address)
        try:
            with self.opener.open(request, timeout=15) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        field = BeautifulSoup(body, "html.parser").find(
            "input", attrs={"name": "csrfmiddlewaretoken"}
        )
        if field is not None:
            self.token = field["value"]
        return status, body

    def get(self, url: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.token}, doseq=True)
        return self._open(urllib.request.Request(url, data=body.encode()))
