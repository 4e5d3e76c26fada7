"""Backups of the configured database (and uploaded media), restored the same way they were made.

PostgreSQL: pg_dump's custom format, restored by pg_restore in one transaction (all or nothing).
SQLite: SQLite's online backup API, which copies a consistent snapshot while the site runs and
writes one back page by page. Which one is chosen from the database settings (DATABASE_URL).
"""

import os
import shutil
import sqlite3
import subprocess  # nosec B404 # pg_dump and pg_restore, never a shell
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from focusedcare.cache import APPOINTMENTS, CATALOG, CONTENT, RECORDS, bump

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that could not be made, with what to do about it."""


def _vendor() -> str:
    return connection.vendor


def default_backup_path() -> Path:
    """var/backups/focusedcare-<clinic time>.<dump|sqlite3> (BACKUP_DIR)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    suffix = "dump" if _vendor() == "postgresql" else "sqlite3"
    return Path(settings.BACKUP_DIR) / f"focusedcare-{stamp}.{suffix}"


def media_archive(path: Path) -> Path:
    """The uploaded media saved beside a database backup."""
    return path.with_name(f"{path.stem}-media.tar.gz")


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    """The client program with the connection's settings (the test database under pytest)."""
    if shutil.which(program) is None:
        raise BackupError(f"{program} is missing (Debian: apt-get install postgresql-client).")
    db = connection.settings_dict
    args = [program, "--no-owner", "--dbname", db["NAME"]]
    for flag, key in [("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")]:
        if db.get(key):
            args += [flag, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(args: list[str], env: dict[str, str]) -> None:
    # A fixed program and arguments from the settings, as a list: no shell, no user input.
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")


def back_up(path: Path | None = None, *, media: bool = True) -> list[Path]:
    """Write the database (and MEDIA_ROOT, when it has files) to `path`; returns what was
    written. Safe while the site runs: both methods read one consistent snapshot."""
    path = Path(path or default_backup_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    if _vendor() == "postgresql":
        args, env = _pg_command("pg_dump")
        _run([*args, "--format=custom", "--file", str(path)], env)
    elif _vendor() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        finally:
            target.close()
    else:
        raise BackupError(f"No backup method for {_vendor()}.")
    written = [path]
    media_root = Path(settings.MEDIA_ROOT)
    if media and media_root.is_dir() and any(media_root.iterdir()):
        archive = media_archive(path)
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(media_root, arcname=".")
        written.append(archive)
    return written


def restore(path: Path, *, media: bool = True) -> list[Path]:
    """Replace the database's contents with the backup at `path` (and MEDIA_ROOT's files with
    the media archive beside it, if any). Stop the app servers and the worker first."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    connections.close_all()  # nothing of ours holds a lock or a stale cache while it changes
    if _vendor() == "postgresql":
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{path} is not a pg_dump custom-format backup.")
        args, env = _pg_command("pg_restore")
        _run([*args, "--clean", "--if-exists", "--single-transaction", str(path)], env)
    elif _vendor() == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{path} is not an SQLite backup.")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
            connection.close()
    else:
        raise BackupError(f"No restore method for {_vendor()}.")
    # Every cached page and free slot was computed from the data just replaced.
    bump(CATALOG, APPOINTMENTS, CONTENT, RECORDS)
    restored = [path]
    archive = media_archive(path)
    if media and archive.is_file():
        media_root = Path(settings.MEDIA_ROOT)
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(media_root, filter="data")  # no absolute paths, no "..", no devices
        restored.append(archive)
    return restored
