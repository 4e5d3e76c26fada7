"""Empty forms are rendered once per process (booking/templatetags/form_once.py): every visitor
still sees the form as it is for them, and the owner's changes at once."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client as Browser
from django.utils import timezone

from booking.models import GiftSettings
from tests.booking.test_booking_flow_pages import flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def amounts(page: BeautifulSoup) -> set[str]:
    return {box["value"] for box in page.select("input[name=gift][value^=amount-]")}


def test_new_gift_amounts_show_at_once_though_the_empty_form_was_kept(demo):
    before = amounts(soup(Browser().get("/gift-certificates/")))
    settings = GiftSettings.current()
    settings.preset_amounts = "75, 200"
    settings.save()

    after = amounts(soup(Browser().get("/gift-certificates/")))

    assert before == {"amount-50", "amount-100", "amount-150"}
    assert after == {"amount-75", "amount-200"}


def test_one_visitors_carried_answers_are_never_shown_to_the_next(clinic_week, day):
    carried, plain = Browser(), Browser()
    carried.post("/find-my-massage/", {"areas": ["leg"], "duration": "weeks", "feelings": []})

    first = soup(carried.get("/book/", flow(day)))
    second = soup(plain.get("/book/", flow(day)))
    again = soup(carried.get("/book/", flow(day)))

    assert {b["value"] for b in first.select("input[name=zones][checked]")} == {"leg"}
    assert not second.select("input[name=zones][checked]")
    assert {b["value"] for b in again.select("input[name=zones][checked]")} == {"leg"}


def test_what_someone_typed_comes_back_with_its_errors_not_the_kept_empty_form(client, demo):
    client.get("/gift-certificates/balance/")

    response = client.post("/gift-certificates/balance/", {"code": "nonsense"})

    assert response.status_code == 400
    assert soup(response).select_one("input[name=code]")["value"] == "nonsense"
