"""The owner's back office for the catalog and the clinic's details."""

import pytest
from bs4 import BeautifulSoup

from booking.models import Clinic, Service

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/admin/booking/service/",
        "/admin/booking/service/add/",
        "/admin/booking/therapist/",
        "/admin/booking/therapist/add/",
        "/admin/booking/clinic/",
        "/admin/content/page/",
        "/admin/booking/service/?q=sciatica",
        "/admin/booking/therapist/?q=hot+stone",
    ],
)
def test_owner_screens_open(admin_client, demo, path):
    assert admin_client.get(path).status_code == 200


def test_owner_adds_a_service_with_two_lengths_and_it_appears_on_the_site(admin_client, client):
    form = {
        "name": "Prenatal Massage",
        "slug": "prenatal-massage",
        "summary": "Gentle work for the back during pregnancy.",
        "is_active": "on",
        "order": "9",
        "description": "",
        "helps_with": "Lower back ache",
        "guide_advice": "",
        "guide_anchor": "",
        "options-TOTAL_FORMS": "2",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "1",
        "options-MAX_NUM_FORMS": "1000",
        "options-0-duration_minutes": "60",
        "options-0-price": "99.00",
        "options-0-is_active": "on",
        "options-1-duration_minutes": "90",
        "options-1-price": "139.00",
        "options-1-is_active": "on",
    }

    response = admin_client.post("/admin/booking/service/add/", form)

    assert response.status_code == 302
    page = client.get("/services/prenatal-massage/").content.decode()
    assert "$99" in page and "$139" in page


def test_a_negative_price_is_refused_with_a_message_and_nothing_saved(admin_client):
    form = {
        "name": "Broken",
        "slug": "broken",
        "summary": "x",
        "order": "0",
        "options-TOTAL_FORMS": "1",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "1",
        "options-MAX_NUM_FORMS": "1000",
        "options-0-duration_minutes": "60",
        "options-0-price": "-5",
    }

    response = admin_client.post("/admin/booking/service/add/", form)

    assert response.status_code == 400
    errors = BeautifulSoup(response.content, "html.parser").select(".errorlist")
    assert any("greater than or equal to 0" in e.get_text() for e in errors)
    assert not Service.objects.filter(slug="broken").exists()


def test_an_order_typed_as_words_in_the_service_list_is_refused_and_nothing_saved(
    admin_client, demo
):
    services = list(Service.objects.order_by("pk"))
    form = {
        "form-TOTAL_FORMS": str(len(services)),
        "form-INITIAL_FORMS": str(len(services)),
        "_save": "Save",
    }
    for i, service in enumerate(services):
        form |= {f"form-{i}-id": str(service.pk), f"form-{i}-order": str(service.order)}
        if service.is_active:
            form[f"form-{i}-is_active"] = "on"
    form["form-0-order"] = "first"
    form[f"form-{len(services) - 1}-order"] = "77"

    response = admin_client.post("/admin/booking/service/", form)

    assert response.status_code == 400
    errors = BeautifulSoup(response.content, "html.parser").select(".errorlist")
    assert any("whole number" in e.get_text() for e in errors)
    assert Service.objects.get(pk=services[-1].pk).order == services[-1].order


def test_the_clinic_cannot_be_deleted_or_duplicated(admin_client):
    clinic = Clinic.objects.get()

    assert admin_client.get("/admin/booking/clinic/add/").status_code == 403
    assert admin_client.get(f"/admin/booking/clinic/{clinic.pk}/delete/").status_code == 403


def test_service_list_in_admin_makes_a_constant_number_of_queries(
    admin_client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        admin_client.get("/admin/booking/service/")
