"""Configuration from the environment, read once by the one settings module."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def settings_under(env: dict, expression: str):
    """Evaluate an expression over settings loaded in a fresh process with the given environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "EMAIL_URL", "CACHE_URL"}}
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({expression}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "focusedcare.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_email_url_becomes_a_django_61_smtp_mailer():
    mailers = settings_under(
        {"EMAIL_URL": "smtp+tls://clinic%40example.com:s3cret@mail.example.com:587"},
        "settings.MAILERS",
    )

    assert mailers["default"] == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": "mail.example.com",
            "port": 587,
            "username": "clinic@example.com",
            "password": "s3cret",
            "use_tls": True,
            "timeout": 10,
        },
    }


def test_development_prints_email_on_the_console_and_production_uses_smtp():
    development = settings_under({"DEBUG": "true"}, "settings.MAILERS['default']['BACKEND']")
    production = settings_under({}, "settings.MAILERS['default']['BACKEND']")

    assert development == "django.core.mail.backends.console.EmailBackend"
    assert production == "django.core.mail.backends.smtp.EmailBackend"


def test_redis_url_selects_the_shared_redis_cache():
    cache = settings_under({"REDIS_URL": "redis://127.0.0.1:6379/1"}, "settings.CACHES['default']")

    assert cache["BACKEND"] == "focusedcare.cache_backend.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/1"


def test_the_redis_cache_keeps_one_client_and_still_reads_and_writes():
    from focusedcare.cache_backend import RedisCache

    cache = RedisCache("redis://127.0.0.1:6379/14", {"KEY_PREFIX": "kept-client-test"})
    cache.set("a", {"page": "body"}, 30)

    assert cache.get("a") == {"page": "body"}
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.delete("a")
    assert cache.get("a") is None


def test_sqlite_takes_the_write_lock_at_begin_and_uses_wal():
    database = settings_under({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "settings.DATABASES")

    options = database["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


@pytest.mark.django_db
def test_collectstatic_with_the_production_storage_serves_hashed_compressed_files(
    settings, tmp_path, client
):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    call_command("collectstatic", "--no-input", verbosity=0)

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed_css = manifest["css/site.css"]
    assert hashed_css != "css/site.css"
    assert (tmp_path / f"{hashed_css}.gz").exists()
    assert (tmp_path / f"{hashed_css}.br").exists()
    assert f"/static/{hashed_css}" in client.get("/").content.decode()


def test_database_connections_persist_unless_the_url_says_otherwise():
    default = settings_under({}, "settings.DATABASES['default']")
    postgres = settings_under(
        {"DATABASE_URL": "postgres://clinic@db.example.com:5432/clinic"},
        "settings.DATABASES['default']",
    )
    per_request = settings_under(
        {"DATABASE_URL": "postgres://clinic@db.example.com:5432/clinic?conn_max_age=0"},
        "settings.DATABASES['default']['CONN_MAX_AGE']",
    )

    for database in (default, postgres):
        assert database["CONN_MAX_AGE"] == 600
        assert database["CONN_HEALTH_CHECKS"] is True
    assert per_request == 0


def test_templates_are_compiled_once_per_process():
    from django.template import engines

    loaders = engines["django"].engine.template_loaders

    assert [type(loader).__module__ for loader in loaders] == ["django.template.loaders.cached"]


@pytest.mark.django_db
def test_hashed_static_files_are_cached_for_a_year_and_marked_immutable(settings, tmp_path):
    from django.test import Client

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--no-input", verbosity=0)
    hashed_css = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]["css/site.css"]

    response = Client().get(f"/static/{hashed_css}")  # a new client: whitenoise scans anew

    assert response.status_code == 200
    control = response["Cache-Control"]
    assert "immutable" in control
    assert int(re.search(r"max-age=(\d+)", control).group(1)) >= 365 * 24 * 3600
