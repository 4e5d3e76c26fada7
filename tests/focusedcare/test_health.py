"""/healthz tells a load balancer whether this server and its database answer, and nothing more."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_without_details_when_the_database_is_down(client, monkeypatch):
    connection.close()
    if connection.vendor == "sqlite":
        monkeypatch.setitem(connection.settings_dict, "NAME", "/nonexistent/dir/db.sqlite3")
    else:
        monkeypatch.setitem(connection.settings_dict, "PORT", "1")
        monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        monkeypatch.undo()

    assert response.status_code == 503
    assert response.content == b"unavailable\n"


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https_so_plain_http_probes_work(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/about/").status_code == 301
