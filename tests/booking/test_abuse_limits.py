"""Abuse limits and the honeypot over HTTP: a limited request gets the styled page with a clear
message, a 429 and Retry-After, and nothing is written; a filled honeypot gets the styled 400 and
nothing is written. (The sliding window itself: test_ratelimit.py; across two app servers:
test_limits_across_servers.py.)"""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.utils import timezone

from booking.models import Appointment, GiftCertificate, OutboundEmail
from tests.booking.test_views_book import DETAILS, flow
from tests.booking.test_views_gift import ORDER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def alert_text(response) -> str:
    return " ".join(a.get_text(" ", strip=True) for a in page(response).find_all(role="alert"))


def confirm(client, day, hour: str, email: str, address: str = "127.0.0.1"):
    details = {**DETAILS, "email": email}
    return client.post("/book/", {**flow(day, hour), **details, "confirm": "1"},
                       REMOTE_ADDR=address)  # fmt: skip


def assert_limited(response, words: str) -> None:
    assert response.status_code == 429
    assert words in alert_text(response) and "call the clinic" in alert_text(response)
    assert int(response["Retry-After"]) > 0
    assert len(page(response).find_all("h1")) == 1  # the site's page, not a bare error


# Bookings ---------------------------------------------------------------------------------------


def test_bookings_per_address_are_limited_and_the_limited_one_writes_nothing(
    client, clinic_week, day, settings
):
    settings.BOOKING_RATE_PER_ADDRESS = "2/h"
    first = [confirm(client, day, hour, f"c{n}@example.com").status_code
             for n, hour in enumerate(["09:00", "11:00"])]  # fmt: skip

    limited = confirm(client, day, "13:00", "c3@example.com")
    elsewhere = confirm(client, day, "15:00", "c4@example.com", address="10.0.0.9")

    assert first == [302, 302]
    assert_limited(limited, "Too many bookings were made from your connection")
    assert 3600 <= int(limited["Retry-After"]) <= 3960
    assert not Appointment.objects.filter(client__email="c3@example.com").exists()
    assert not OutboundEmail.objects.filter(to="c3@example.com").exists()
    assert elsewhere.status_code == 302


def test_bookings_per_email_are_limited_whatever_the_address(client, clinic_week, day, settings):
    settings.BOOKING_RATE_PER_EMAIL = "2/h"
    statuses = [
        confirm(client, day, hour, "Ann@Example.com", address=f"10.0.0.{n}").status_code
        for n, hour in enumerate(["09:00", "11:00", "13:00"])
    ]

    assert statuses == [302, 302, 429]
    assert Appointment.objects.count() == 2
    limited = confirm(client, day, "15:00", "ann@example.com", address="10.0.0.99")
    assert_limited(limited, "Too many bookings were made with this email address")
    assert Appointment.objects.count() == 2


# Gift certificates ------------------------------------------------------------------------------


def test_gift_orders_per_address_are_limited(client, demo, settings):
    settings.GIFT_ORDER_RATE_PER_ADDRESS = "2/h"
    to_me = {**ORDER, "send_to": "me", "recipient_email": ""}
    before = GiftCertificate.objects.count()
    statuses = [client.post("/gift-certificates/", to_me).status_code for _ in range(2)]

    limited = client.post("/gift-certificates/", to_me)

    assert statuses == [302, 302]
    assert_limited(limited, "Too many gift certificates were ordered from your connection")
    assert page(limited).find(attrs={"name": "buyer_email"})["value"] == ORDER["buyer_email"]
    assert GiftCertificate.objects.count() == before + 2


def test_gift_certificates_emailed_to_others_are_limited_but_one_sent_to_me_is_not(
    client, demo, settings
):
    settings.GIFT_EMAIL_RATE_PER_ADDRESS = "1/h"
    before = GiftCertificate.objects.count()
    client.post("/gift-certificates/", ORDER)

    limited = client.post("/gift-certificates/", {**ORDER, "recipient_email": "sam@example.com"})
    to_me = client.post("/gift-certificates/", {**ORDER, "send_to": "me"})

    assert_limited(limited, "sent to other people from your connection")
    assert not GiftCertificate.objects.filter(recipient_email="sam@example.com").exists()
    assert to_me.status_code == 302
    assert GiftCertificate.objects.count() == before + 2


# The honeypot -----------------------------------------------------------------------------------

PUBLIC_FORMS = ["/gift-certificates/", "/gift-certificates/balance/", "/find-my-massage/"]


@pytest.mark.parametrize("path", [*PUBLIC_FORMS, "details", "review"])
def test_the_honeypot_is_hidden_from_people_and_assistive_tech(client, clinic_week, day, path):
    if path == "details":
        response = client.get("/book/", flow(day))
    elif path == "review":
        response = client.post("/book/", {**flow(day), **DETAILS})
    else:
        response = client.get(path)

    field = page(response).find("input", attrs={"name": "website"})
    wrapper = field.find_parent(class_="hp-field")
    assert response.status_code == 200
    assert wrapper is not None and wrapper["aria-hidden"] == "true"
    assert field["tabindex"] == "-1" and field["autocomplete"] == "off"
    assert not field.get("style") and not wrapper.get("style")  # the strict CSP: a CSS class


def test_the_honeypot_class_takes_the_field_off_screen():
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    rule = css[css.index(".hp-field {") :].split("}")[0]
    assert "position: absolute" in rule and "left: -10000px" in rule


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/gift-certificates/", ORDER),
        ("/gift-certificates/balance/", {"code": "ABCD-EFGH-JKMN-PQRS"}),
        ("/find-my-massage/", {"zones": ["lower_back"], "pain": "ache", "duration": "weeks"}),
        ("/book/", "details"),
        ("/book/", "confirm"),
    ],
)
def test_a_filled_honeypot_is_refused_with_400_and_nothing_is_written(
    client, clinic_week, demo, day, path, data
):
    if data in ("details", "confirm"):
        data = {**flow(day), **DETAILS, **({"confirm": "1"} if data == "confirm" else {})}
    before = (Appointment.objects.count(), GiftCertificate.objects.count())

    response = client.post(path, {**data, "website": "http://spam.example"})

    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert (Appointment.objects.count(), GiftCertificate.objects.count()) == before
    assert not OutboundEmail.objects.exists()
    assert client.session.get("booking_details") is None  # nothing kept either
