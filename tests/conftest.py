"""Test settings differ from production only here, as fixtures."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def demo(db):
    """The demo clinic, as `make run` shows it."""
    call_command("seed_demo", stdout=io.StringIO())
