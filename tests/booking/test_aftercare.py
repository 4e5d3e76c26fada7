"""Aftercare: one email after a completed session, with the guide's advice for the client's back."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking.exceptions import BookingError
from booking.models import Intake, OutboundEmail
from booking.services.appointments import (
    cancel_appointment,
    complete_appointment,
    mark_no_show,
)
from booking.services.emails import enqueue_due_aftercare, send_pending_emails
from tests.factories import AppointmentFactory, ClientFactory, staff_user

pytestmark = pytest.mark.django_db


def finished_session(week, zones: list[str], ended_ago=timedelta(hours=3)):
    """A session that ended `ended_ago`, written directly (the past cannot be booked)."""
    end = timezone.now() - ended_ago
    appointment = AppointmentFactory(
        therapist=week.therapist,
        option=week.option,
        client=ClientFactory(email="ann@example.com", name="Ann Client"),
        start=end - timedelta(hours=1),
    )
    Intake.objects.create(
        appointment=appointment,
        zones=zones,
        duration="weeks",
        pressure=3,
        consent=True,
        previous_injuries="Slipped disc, 2018",
        goals="Sleep through the night",
    )
    return appointment


def worker() -> None:
    call_command("send_pending_emails", stdout=io.StringIO())


def bodies(inbox) -> list[str]:
    return [
        m.get_body(preferencelist=("plain",)).get_content() for m in inbox.to("ann@example.com")
    ]


def test_after_a_completed_session_the_client_gets_aftercare_for_their_back_once(
    smtp_server, clinic_week
):
    appointment = finished_session(clinic_week, zones=["lower_back"])
    complete_appointment(appointment=appointment)

    worker()
    worker()

    (text,) = bodies(smtp_server)
    assert "Drink water after your massage" in text
    assert "Gentle walking keeps muscles active" in text
    assert "Your chair and your sitting" in text
    assert "Hips and glutes" in text
    assert "Your screen and your phone" not in text
    assert (
        f"/book/?service={clinic_week.service.slug}&minutes=60&therapist={clinic_week.therapist.slug}"
        in text
    )
    assert "Slipped disc" not in text and "Sleep through" not in text
    assert OutboundEmail.objects.filter(kind="appointment_aftercare").count() == 1


def test_an_upper_back_client_gets_the_screen_and_phone_advice(smtp_server, clinic_week):
    complete_appointment(appointment=finished_session(clinic_week, zones=["upper_back"]))

    worker()

    (text,) = bodies(smtp_server)
    assert "Keep your screen at eye level" in text
    assert "Your chair and your sitting" not in text


def test_aftercare_waits_for_the_delay_after_the_session(clinic_week):
    appointment = finished_session(clinic_week, zones=["leg"], ended_ago=timedelta(minutes=30))
    complete_appointment(appointment=appointment)

    assert enqueue_due_aftercare() == 0
    assert enqueue_due_aftercare(now=timezone.now() + timedelta(hours=2)) == 1


@pytest.mark.parametrize("outcome", ["cancelled", "no_show", "booked"])
def test_no_aftercare_for_cancelled_no_show_or_unmarked_sessions(smtp_server, clinic_week, outcome):
    appointment = finished_session(clinic_week, zones=["lower_back"])
    if outcome == "cancelled":
        cancel_appointment(appointment=appointment, by=staff_user())
    elif outcome == "no_show":
        mark_no_show(appointment=appointment)

    worker()

    assert not OutboundEmail.objects.filter(kind="appointment_aftercare").exists()
    assert not any("relief last" in m["Subject"] for m in smtp_server.messages)


def test_a_session_cannot_be_marked_completed_before_it_starts(clinic_week):
    appointment = finished_session(clinic_week, zones=[], ended_ago=timedelta(hours=-5))

    with pytest.raises(BookingError):
        complete_appointment(appointment=appointment)


def test_staff_mark_sessions_completed_from_the_list_and_aftercare_follows(
    admin_client, smtp_server, clinic_week
):
    appointment = finished_session(clinic_week, zones=["all_over"])

    admin_client.post(
        "/admin/booking/appointment/",
        {"action": "mark_completed", "_selected_action": [appointment.pk]},
    )
    send_pending_emails()
    worker()

    appointment.refresh_from_db()
    assert appointment.status == "completed"
    assert appointment.status_changed_by.username == "admin"
    (text,) = bodies(smtp_server)
    assert "Posture" in text
