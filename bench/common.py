"""What the benchmarks share: a throwaway database, production-like settings, and gunicorn.

Every benchmark measures an installation nobody uses: a temp SQLite file, or a database of its
own on the PostgreSQL server that DATABASE_URL names (created once, emptied by each run), so a
run never touches `var/db.sqlite3` or the database the tests or the clinic use.
"""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "focusedcare_bench"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "psql")
# gunicorn runs behind a TLS proxy in production: requests say they came over HTTPS.
HTTPS_HEADERS = {"X-Forwarded-Proto": "https"}


def use_throwaway_database(name: str = BENCH_DATABASE, fresh: bool = False) -> Path | None:
    """Point DATABASE_URL at a database nobody else uses; return a temp dir to delete, if any.

    With PostgreSQL the URL keeps its user, host and options (`?conn_max_age=600` included):
    only the database name changes. `fresh` drops it first, so the migrations' own data (the
    clinic's pages) is there as on a new installation; `flush` would empty that too."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme in POSTGRES_SCHEMES:
        create_postgres_database(parts, name, fresh)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        return None
    directory = Path(tempfile.mkdtemp(prefix="focusedcare-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
    return directory


def create_postgres_database(
    parts: SplitResult, name: str = BENCH_DATABASE, fresh: bool = False
) -> None:
    import psycopg
    from psycopg import sql

    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if fresh:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def production_env(static_root: Path, **extra: str) -> dict[str, str]:
    """The environment of a production server (DEBUG off, HTTPS redirect and secure cookies on),
    with the bench's settings module: static files collected into `static_root`, and the bare
    view at /bench/bare/ beside the site's own URLs."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_STATIC_ROOT": str(static_root),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list[str], env: dict[str, str]) -> None:
    """Runs a command from the repository root; its output is shown only when it fails."""
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def wait_until_up(server: subprocess.Popen, url: str, log: Path, within: float = 60) -> None:
    """Waits for `url` to answer 200; a busy machine may take seconds to start the workers."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:  # refused while starting, or a timeout (URLError is an OSError)
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer {url} within {within:.0f} s")


@contextmanager
def gunicorn(env: dict[str, str], log: Path, workers: int = 2) -> Iterator[str]:
    """Serves the site as production does (gunicorn, `workers` sync workers) on a free port of
    127.0.0.1; yields the base URL once /healthz answers, and stops the server afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--error-logfile", str(log), "focusedcare.wsgi:application"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(server, f"{base}/healthz", log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
