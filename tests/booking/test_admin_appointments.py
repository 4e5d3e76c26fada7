"""Phone and walk-in bookings in admin go through the same booking service as the website."""

from datetime import datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from booking.models import Appointment, OutboundEmail, Therapist
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from tests.factories import week_of_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


def phone_booking(week, day, hour="10:00", **extra) -> dict:
    return {
        "client_name": "Walk In",
        "client_email": "walkin@example.com",
        "client_phone": "717-555-0123",
        "option": week.option.pk,
        "therapist": week.therapist.pk,
        "start_at_0": day.isoformat(),
        "start_at_1": hour,
        "send_confirmation": "on",
        **extra,
    }


def test_front_desk_books_a_phone_client_and_the_client_gets_the_confirmation(
    admin_client, clinic_week, day
):
    response = admin_client.post("/admin/booking/appointment/add/", phone_booking(clinic_week, day))

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert appointment.client.email == "walkin@example.com"
    assert appointment.booked_by.is_superuser
    assert set(OutboundEmail.objects.values_list("kind", flat=True)) == {
        "appointment_booked",
        "clinic_booked",
    }


def test_booking_into_a_taken_time_in_admin_is_a_form_error_not_a_second_booking(
    admin_client, clinic_week, day
):
    first = book_appointment(
        option=clinic_week.option,
        start=datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone()),
        therapist=clinic_week.therapist,
        client=ClientDetails(name="Ann", email="ann@example.com", phone="717-555-0100"),
    )

    response = admin_client.post(
        "/admin/booking/appointment/add/", phone_booking(clinic_week, day, "10:30")
    )

    assert response.status_code == 200
    errors = BeautifulSoup(response.content, "html.parser").select(".errornote, .errorlist")
    assert any("just taken" in e.get_text() for e in errors)
    assert list(Appointment.objects.all()) == [first]


def test_staff_are_not_bound_by_the_minimum_notice_and_may_skip_the_client_email(
    admin_client, clinic_week
):
    week_of_hours(clinic_week.therapist, [("00:00", "23:59")])
    soon = timezone.localtime() + timedelta(hours=1)
    soon = soon.replace(minute=soon.minute - soon.minute % 15, second=0, microsecond=0)
    if soon.hour >= 22:  # keep the session inside one day's hours
        soon = (soon + timedelta(days=1)).replace(hour=0, minute=15)
    data = phone_booking(clinic_week, soon.date(), f"{soon:%H:%M}")
    data.pop("send_confirmation")

    booked = admin_client.post("/admin/booking/appointment/add/", data)

    assert booked.status_code == 302
    assert Appointment.objects.get().start == soon
    assert not OutboundEmail.objects.filter(kind="appointment_booked").exists()


def test_cancelling_from_the_list_uses_the_same_service_and_emails_the_client(
    admin_client, clinic_week, day
):
    admin_client.post("/admin/booking/appointment/add/", phone_booking(clinic_week, day))
    appointment = Appointment.objects.get()

    admin_client.post(
        "/admin/booking/appointment/",
        {"action": "cancel_selected", "_selected_action": [appointment.pk]},
    )

    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert OutboundEmail.objects.filter(kind="appointment_cancelled").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/admin/booking/appointment/",
        "/admin/booking/appointment/add/",
        "/admin/booking/client/",
        "/admin/booking/outboundemail/",
        "/admin/booking/timeoff/",
        "/admin/booking/clinicclosure/",
        "/admin/booking/bookingpolicy/",
        "/admin/booking/therapist/{therapist}/change/",
    ],
)
def test_booking_screens_open(admin_client, demo, path):
    therapist = Therapist.objects.get(slug="maria-alvarez")

    assert admin_client.get(path.format(therapist=therapist.pk)).status_code == 200


def test_the_appointment_list_makes_the_same_number_of_queries_with_more_appointments(
    admin_client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        admin_client.get("/admin/booking/appointment/")


def test_staff_move_a_booking_through_the_same_rules_and_the_client_is_emailed(
    admin_client, clinic_week, day
):
    admin_client.post("/admin/booking/appointment/add/", phone_booking(clinic_week, day))
    appointment = Appointment.objects.get()
    other = book_appointment(
        option=clinic_week.option,
        start=datetime.combine(day, time(14), tzinfo=timezone.get_current_timezone()),
        therapist=clinic_week.therapist,
        client=ClientDetails(name="Bo", email="bo@example.com", phone="717-555-0111"),
    )
    url = f"/admin/appointments/{appointment.pk}/move/"

    taken = admin_client.post(url, {"start_0": day.isoformat(), "start_1": "14:30"})
    moved = admin_client.post(url, {"start_0": day.isoformat(), "start_1": "12:00"})

    assert taken.status_code == 400
    assert "not available" in taken.content.decode() or "taken" in taken.content.decode()
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert timezone.localtime(appointment.start).hour == 12
    assert other.pk != appointment.pk
    assert OutboundEmail.objects.filter(kind="appointment_rescheduled").count() == 1
    change = admin_client.get(f"/admin/booking/appointment/{appointment.pk}/change/")
    assert url in change.content.decode()
