"""An online booking never overwrites a returning client's record: what they typed stays with
the booking, and staff see where it differs. Staff bookings may still update the record."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from booking.models import Appointment, Client
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from tests.booking.test_views_book import INTAKE, flow
from tests.factories import ClientFactory, at, staff_user

pytestmark = pytest.mark.django_db

NOW = at("2026-03-01 08:00")
NOTE = "Booked online as Annie Someone / 555-0199; client record says Ann Client / 717-555-0100."


@pytest.fixture
def ann():
    return ClientFactory(name="Ann Client", email="ann@example.com", phone="717-555-0100")


def book(week, details: ClientDetails, hour: str = "10:00", **kwargs) -> Appointment:
    return book_appointment(
        option=week.option,
        start=at(f"2026-03-10 {hour}"),
        therapist=week.therapist,
        client=details,
        now=NOW,
        **kwargs,
    )


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def test_an_online_booking_keeps_the_stored_details_and_the_typed_ones_with_the_booking(
    clinic_week, ann
):
    typed = ClientDetails(name="Annie Someone", email="ANN@Example.com", phone="555-0199")

    appointment = book(clinic_week, typed)

    ann.refresh_from_db()
    assert (ann.name, ann.email, ann.phone) == ("Ann Client", "ann@example.com", "717-555-0100")
    assert appointment.client == ann and Client.objects.count() == 1
    assert (appointment.typed_name, appointment.typed_email, appointment.typed_phone) == (
        "Annie Someone",
        "ANN@Example.com",
        "555-0199",
    )
    assert appointment.typed_details_note == NOTE
    assert appointment.emails.get(kind="appointment_booked").to == "ann@example.com"


def test_details_typed_as_stored_but_for_case_spacing_and_phone_punctuation_raise_no_note(
    clinic_week, ann
):
    typed = ClientDetails(name="ann  client", email="ann@example.com", phone="(717) 555 0100")

    assert book(clinic_week, typed).typed_details_note == ""


def test_a_new_client_is_created_from_what_they_typed(clinic_week):
    typed = ClientDetails(name="Bo Newcomer", email="Bo@Example.com", phone="717-555-0111")

    appointment = book(clinic_week, typed)

    client = Client.objects.get()
    assert (client.name, client.email, client.phone) == (
        "Bo Newcomer",
        "bo@example.com",
        "717-555-0111",
    )
    assert appointment.typed_name == "Bo Newcomer" and appointment.typed_details_note == ""


def test_a_staff_booking_updates_the_client_record_and_keeps_no_typed_copy(clinic_week, ann):
    desk = staff_user("desk")
    called = ClientDetails(name="Ann Client-Moore", email="ann@example.com", phone="717-555-0177")

    appointment = book(clinic_week, called, by=desk)

    ann.refresh_from_db()
    assert (ann.name, ann.phone) == ("Ann Client-Moore", "717-555-0177")
    assert appointment.typed_name == "" and appointment.typed_details_note == ""


def test_a_staff_booking_without_a_phone_keeps_the_stored_one(clinic_week, ann):
    called = ClientDetails(name="Ann Client", email="ann@example.com", phone="")

    book(clinic_week, called, by=staff_user("desk"))

    ann.refresh_from_db()
    assert ann.phone == "717-555-0100"


# Over HTTP: the booking flow, the client's page, and what staff see ------------------------------


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


def test_booking_online_with_a_known_email_changes_nothing_on_the_record_and_staff_see_why(
    client, admin_client, clinic_week, ann, day
):
    typed = {"name": "Annie Someone", "email": "ann@example.com", "phone": "555-0199"}

    booked = client.post("/book/", {**flow(day), **typed, **INTAKE, "confirm": "1"})

    assert booked.status_code == 302
    ann.refresh_from_db()
    assert (ann.name, ann.phone) == ("Ann Client", "717-555-0100")
    own_page = text(client.get(booked["Location"]))
    assert "Annie Someone" in own_page
    assert "Ann Client" not in own_page and "717-555-0100" not in own_page
    appointment = Appointment.objects.get()
    change = text(admin_client.get(f"/admin/booking/appointment/{appointment.pk}/change/"))
    assert NOTE in change
    sheet = text(admin_client.get(f"/admin/calendar/day-sheet/?date={day:%Y-%m-%d}"))
    assert NOTE in sheet
    grid = text(admin_client.get(f"/admin/calendar/?date={day:%Y-%m-%d}"))
    assert NOTE in grid


def test_staff_see_no_note_when_the_booking_was_typed_as_the_record_says(
    client, admin_client, clinic_week, ann, day
):
    typed = {"name": "Ann Client", "email": "Ann@Example.com", "phone": "717 555 0100"}

    client.post("/book/", {**flow(day), **typed, **INTAKE, "confirm": "1"})

    appointment = Appointment.objects.get()
    change = text(admin_client.get(f"/admin/booking/appointment/{appointment.pk}/change/"))
    assert "Booked online as" not in change
