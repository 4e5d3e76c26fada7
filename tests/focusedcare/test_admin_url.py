"""ADMIN_URL moves the whole back office; the old /admin/ then answers 404, like any unknown page
(no redirect: a hidden path that redirects from the well-known one hides nothing)."""

import importlib
from datetime import timedelta

import pytest
from django.urls import clear_url_caches
from django.utils import timezone

import focusedcare.urls
from booking.models import Clinic, OutboundEmail
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from tests.focusedcare.test_settings import settings_under

pytestmark = pytest.mark.django_db

HIDDEN = "back-office-7f3a/"


def reload_urls() -> None:
    importlib.reload(focusedcare.urls)
    clear_url_caches()


@pytest.fixture
def admin_moved(settings):
    settings.ADMIN_URL = HIDDEN
    reload_urls()
    yield
    settings.ADMIN_URL = "admin/"
    reload_urls()


def test_the_back_office_is_at_admin_url_and_admin_is_404(admin_moved, admin_client):
    assert admin_client.get(f"/{HIDDEN}").status_code == 200
    assert admin_client.get(f"/{HIDDEN}booking/appointment/").status_code == 200
    assert admin_client.get(f"/{HIDDEN}calendar/").status_code == 200
    for old in ["/admin/", "/admin/login/", "/admin/booking/appointment/", "/admin/calendar/"]:
        assert admin_client.get(old).status_code == 404


def test_a_visitor_is_sent_to_the_login_at_the_new_path(admin_moved, client):
    response = client.get(f"/{HIDDEN}")

    assert response.status_code == 302
    assert response["Location"].startswith(f"/{HIDDEN}login/")
    assert client.get("/admin/").status_code == 404


def test_robots_txt_and_the_clinics_emails_do_not_name_the_old_path(
    admin_moved, client, clinic_week
):
    robots = client.get("/robots.txt").text
    Clinic.objects.update(email="desk@example.com")
    start = timezone.localtime() + timedelta(days=3)
    book_appointment(
        option=clinic_week.option, therapist=clinic_week.therapist,
        start=start.replace(hour=10, minute=0, second=0, microsecond=0),
        client=ClientDetails(name="Ann Client", email="ann@example.com", phone=""),
    )  # fmt: skip
    notice = OutboundEmail.objects.get(to="desk@example.com")

    assert "Disallow: /booking/" in robots
    assert "/admin/" not in robots and HIDDEN not in robots  # the hidden path stays unpublished
    assert f"/{HIDDEN}booking/appointment/" in notice.body_text
    assert "/admin/" not in notice.body_text + notice.body_html


def test_admin_url_is_read_from_the_environment_with_or_without_slashes():
    assert settings_under({"ADMIN_URL": "/staff-only"}, "settings.ADMIN_URL") == "staff-only/"
