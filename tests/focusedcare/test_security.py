"""Secure by default: production mode needs only SECRET_KEY and ALLOWED_HOSTS."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from booking.models import Appointment, GiftCertificate, Service
from tests.factories import AppointmentFactory
from tests.focusedcare.test_hostile_input import PARAMETER, PUBLIC

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "a-production-secret-that-is-long-enough-" + "x" * 30,
    "ALLOWED_HOSTS": "focusedcare.example",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_only_secret_key_and_allowed_hosts_set():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_fails_in_development_mode():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "DEBUG": "true"}
    )

    assert result.returncode != 0
    assert "DEBUG" in result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, demo):
    response = client.get("/")
    policy = response["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_json_ld_carries_the_pages_csp_nonce(client, demo):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    html = response.content.decode()

    nonce = html.split('type="application/ld+json" nonce="')[1].split('"')[0]
    assert nonce and f"'nonce-{nonce}'" in policy


@pytest.mark.django_db
def test_production_mode_sends_hsts_and_secure_host_only_cookies(client, settings):
    """Production settings as the module builds them (DEBUG off): HSTS over HTTPS, cookies
    marked Secure with the __Host- prefix."""
    assert settings.SESSION_COOKIE_NAME == "__Host-sessionid"
    assert settings.CSRF_COOKIE_NAME == "__Host-csrftoken"
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE

    response = client.get("/admin/login/", secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.cookies["__Host-csrftoken"]["secure"]


def test_no_page_asks_a_third_party_for_anything():
    """No CDN, no web fonts, no trackers: every asset reference in templates and CSS is local."""
    offenders = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]:
        text = path.read_text()
        for marker in ['src="http', "src='http", 'href="//', "@import", "fonts.g"]:
            if marker in text:
                offenders.append(f"{path.relative_to(ROOT)}: {marker}")
    for path in ROOT.glob("static/**/*.css"):
        text = path.read_text()
        if "url(http" in text or "url(//" in text or "@import" in text:
            offenders.append(str(path.relative_to(ROOT)))

    assert offenders == []


@pytest.mark.django_db
def test_every_public_page_and_refusal_carries_the_security_headers(client, demo, settings):
    """Every public URL pattern (from the resolver), the styled 400 and a 404, as production
    serves them over HTTPS: CSP (with the nonce the page uses), nosniff, referrer policy,
    DENY framing, COOP and HSTS."""

    known = {
        "token": AppointmentFactory().token,
        "slug": Service.objects.filter(is_active=True).first().slug,
    }
    paths = [PARAMETER.sub(lambda m: known[m["kind"]], route.route) for route in PUBLIC]
    gift = GiftCertificate.objects.first()
    paths += [f"/gift-certificates/{gift.token}/", "/no-such-page/"]
    https = {"secure": True, "HTTP_X_FORWARDED_PROTO": "https"}
    responses = [client.get("/" + path.lstrip("/"), **https) for path in paths]
    responses.append(
        client.generic(
            "POST",
            "/gift-certificates/balance/",
            "code=ABCD".encode("utf-16"),
            content_type="application/x-www-form-urlencoded; charset=utf-16",
            **https,
        )
    )
    assert Appointment.objects.count() >= 1

    statuses = {response.request["PATH_INFO"]: response.status_code for response in responses}
    assert statuses["/no-such-page/"] == 404 and 400 in statuses.values()
    assert all(status < 500 for status in statuses.values()), statuses
    for response in responses:
        where = response.request["PATH_INFO"]
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy, where
        assert "frame-ancestors 'none'" in policy, where
        assert response["X-Content-Type-Options"] == "nosniff", where
        assert response["Referrer-Policy"] == "same-origin", where
        assert response.get("X-Frame-Options") == "DENY", where
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
        assert response["Strict-Transport-Security"].startswith("max-age=31536000"), where
        html = response.content.decode(errors="replace")
        for nonce in re.findall(r'nonce="([^"]+)"', html):
            assert f"'nonce-{nonce}'" in policy, where
