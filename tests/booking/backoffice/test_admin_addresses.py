"""Addresses of the back office's own lists and forms that staff (or anyone who sends them a
link) can type: filters, searches, the date drill-down and an add form's values. What the
database cannot take (a NUL in PostgreSQL text, a year no calendar has) answers a 400 that
says why, or finds nothing; never a 500. Walked over every list the admin registers."""

import pytest
from bs4 import BeautifulSoup
from django.contrib import admin
from django.urls import reverse

from booking.models import Service, TimeOff

pytestmark = pytest.mark.django_db


def lists() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status__exact=%00", "A filter can't hold a NUL character."),
        ("kind__exact=a%00b", "A filter can't hold a NUL character."),
        ("q=%00", "A filter can't hold a NUL character."),
        ("created_at__year=99999", "Choose a year between 2000 and 2100."),
        ("start__year=1999", "Choose a year between 2000 and 2100."),
        ("created_at__year=2026&created_at__month=13", "Choose a month between 1 and 12."),
        ("created_at__day=%D9%A3", "Choose a day between 1 and 31."),  # an Arabic-Indic 3
    ],
)
def test_a_list_address_the_database_cannot_take_answers_400_saying_why(
    admin_client, demo, query, message
):
    for url in lists():
        response = admin_client.get(f"{url}?{query}")

        assert response.status_code == 400, url
        assert message in text(response), url


def test_a_list_filtered_by_a_year_a_calendar_holds_still_shows(admin_client, demo):
    for url in lists():
        assert admin_client.get(f"{url}?created_at__year=2026").status_code in (200, 302), url


@pytest.mark.parametrize("term", ["%00", "deep%00"])
def test_an_autocomplete_search_with_a_nul_finds_nothing(admin_client, demo, term):
    response = admin_client.get(
        "/admin/autocomplete/?app_label=booking&model_name=giftledgerentry"
        f"&field_name=appointment&term={term}"
    )

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-12-24T09:00", "2026-12-24"),
        ("not-a-time", None),
        ("9999-12-31T23:00", None),
        ("%00", None),
    ],
)
def test_an_add_form_filled_in_from_its_address_takes_a_date_and_time_or_leaves_it_blank(
    admin_client, demo, value, shown
):
    response = admin_client.get(f"/admin/booking/timeoff/add/?starts_at={value}")

    assert response.status_code == 200
    field = BeautifulSoup(response.content, "html.parser").find(
        "input", attrs={"name": "starts_at_0"}
    )
    assert field.get("value") == shown
    assert not TimeOff.objects.exists()


@pytest.mark.parametrize("ticked", ["abc", "%00", "2026-13-45"])
def test_an_action_on_rows_that_are_not_rows_answers_400_and_changes_nothing(
    admin_client, demo, ticked
):
    before = Service.objects.count()
    for url in lists():
        response = admin_client.post(
            url, {"action": "delete_selected", "_selected_action": ticked, "index": "0"}
        )

        assert response.status_code == 400, url
        assert "that selection is not one of its rows" in text(response), url
    assert Service.objects.count() == before


@pytest.mark.parametrize("version", ["abc", "%00"])
def test_a_history_version_that_is_not_one_is_a_404(admin_client, demo, version):
    service = Service.objects.first()

    for method in (admin_client.get, admin_client.post):
        response = method(f"/admin/booking/service/{service.pk}/history/{version}/")
        assert response.status_code == 404


@pytest.mark.parametrize("presets", ["abc", "NaN", "Infinity", "9" * 30, "50, 1e999"])
def test_gift_amounts_that_are_not_whole_dollars_are_refused_with_a_message(admin_client, presets):
    form = {"preset_amounts": presets, "min_amount": "25", "max_amount": "500"}

    response = admin_client.post("/admin/booking/giftsettings/add/", form)

    assert response.status_code == 400
    assert "List whole-dollar amounts separated by commas" in text(response)
