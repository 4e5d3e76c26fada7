"""Emails read back from a real SMTP server: what the client gets, and that none is ever lost."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from booking.models import Appointment, OutboundEmail
from booking.services.appointments import (
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from booking.services.clients import ClientDetails
from booking.services.emails import enqueue_due_reminders, send_pending_emails
from tests.conftest import free_port, smtp_mailer
from tests.factories import at, staff_user

pytestmark = pytest.mark.django_db

NOW = at("2026-03-01 08:00")
ANN = ClientDetails(name="Ann Client", email="ann@example.com", phone="717-555-0100")


@pytest.fixture
def booked(clinic_week) -> Appointment:
    return book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        therapist=clinic_week.therapist,
        now=NOW,
    )


def parts(message) -> tuple[str, str, Calendar | None]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    ics = next(
        (
            p.get_content()
            for p in message.iter_attachments()
            if p.get_content_type() == "text/calendar"
        ),
        None,
    )
    if isinstance(ics, bytes):
        ics = ics.decode()
    return text, html, Calendar.from_ical(ics) if ics else None


def test_the_confirmation_arrives_with_details_directions_calendar_and_manage_link(
    smtp_server, booked
):
    assert send_pending_emails(now=NOW) == 2

    (message,) = smtp_server.to("ann@example.com")
    text, html, calendar = parts(message)
    assert message["Subject"] == "Booked: Deep Tissue on Tue, Mar 10 at 10:00 AM"
    for body in (text, html):
        assert "Tuesday, March 10, 2026 at 10:00 AM" in body
        assert "Maria Alvarez" in body
        assert f"/booking/{booked.token}/" in body
        assert "calendar.google.com/calendar/render" in body
        assert "123 East King Street" in body
        assert "starts with assessment" in body
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == booked.start
    assert event.decoded("dtend") == booked.end
    assert str(event["status"]) == "CONFIRMED"
    assert "Deep Tissue" in str(event["summary"])


def test_the_clinic_gets_a_notice_of_each_booking(smtp_server, booked):
    send_pending_emails(now=NOW)

    (notice,) = smtp_server.to("hello@focusedcare.example")
    text, _, _ = parts(notice)
    assert "Ann Client" in notice["Subject"]
    assert "717-555-0100" in text
    assert f"/admin/booking/appointment/{booked.pk}/change/" in text


def test_a_rescheduled_booking_emails_the_new_time_and_a_calendar_update(smtp_server, booked):
    reschedule_appointment(appointment=booked, start=at("2026-03-12 14:00"), now=NOW)
    send_pending_emails(now=NOW)

    moved = [m for m in smtp_server.to("ann@example.com") if m["Subject"].startswith("Moved")]
    (message,) = moved
    text, _, calendar = parts(message)
    assert "Thursday, March 12, 2026 at 2:00 PM" in text
    assert calendar.walk("VEVENT")[0].decoded("dtstart") == at("2026-03-12 14:00")
    assert any(m["Subject"].startswith("Rescheduled") for m in smtp_server.messages), [
        m["Subject"] for m in smtp_server.messages
    ]


def test_a_cancelled_booking_emails_a_cancellation_that_removes_the_calendar_event(
    smtp_server, booked
):
    cancel_appointment(appointment=booked, reason="Away", now=NOW)
    send_pending_emails(now=NOW)

    cancelled = [m for m in smtp_server.to("ann@example.com") if m["Subject"].startswith("Cancel")]
    (message,) = cancelled
    _, _, calendar = parts(message)
    assert str(calendar["method"]) == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["status"]) == "CANCELLED"
    (notice,) = [
        m for m in smtp_server.to("hello@focusedcare.example") if "Cancelled" in m["Subject"]
    ]
    assert "Reason given: Away" in parts(notice)[0]


def test_the_reminder_goes_out_once_a_day_before(smtp_server, booked):
    send_pending_emails(now=NOW)
    day_before = at("2026-03-09 10:30")

    assert enqueue_due_reminders(now=at("2026-03-09 09:00")) == 0
    assert enqueue_due_reminders(now=day_before) == 1
    assert enqueue_due_reminders(now=day_before + timedelta(minutes=5)) == 0
    send_pending_emails(now=day_before)
    send_pending_emails(now=day_before + timedelta(minutes=10))

    reminders = [m for m in smtp_server.to("ann@example.com") if m["Subject"].startswith("Remind")]
    assert len(reminders) == 1
    assert "Tuesday, March 10, 2026 at 10:00 AM" in parts(reminders[0])[0]


def test_no_reminder_for_a_cancelled_booking_or_at_a_moved_bookings_old_time(
    smtp_server, clinic_week, booked
):
    other = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 14:00"),
        client=ClientDetails(name="Bo", email="bo@example.com", phone="717-555-0111"),
        therapist=clinic_week.therapist,
        now=NOW,
    )
    enqueue_due_reminders(now=at("2026-03-09 15:00"))
    cancel_appointment(appointment=booked, by=staff_user(), now=at("2026-03-09 15:01"))
    reschedule_appointment(
        appointment=other, start=at("2026-03-20 14:00"), by=staff_user(), now=at("2026-03-09 15:01")
    )

    send_pending_emails(now=at("2026-03-09 15:02"))

    subjects = [m["Subject"] for m in smtp_server.messages]
    assert not any(s.startswith("Reminder") for s in subjects)
    skipped = OutboundEmail.objects.filter(kind="appointment_reminder", status="skipped")
    assert skipped.count() == 2
    assert enqueue_due_reminders(now=at("2026-03-19 15:00")) == 1


def test_a_booking_succeeds_with_the_mail_server_down_and_its_email_goes_out_when_it_is_back(
    settings, clinic_week, smtp_server
):
    port = smtp_server.port
    settings.MAILERS = smtp_mailer(free_port())
    appointment = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 10:00"),
        client=ANN,
        therapist=clinic_week.therapist,
        now=NOW,
    )

    assert send_pending_emails(now=NOW) == 0
    waiting = appointment.emails.get(kind="appointment_booked")
    assert waiting.status == "pending"
    assert waiting.attempts == 1
    assert "Connection" in waiting.last_error or "refused" in waiting.last_error.lower()
    assert waiting.next_attempt_at == NOW + timedelta(seconds=30)
    assert send_pending_emails(now=NOW + timedelta(seconds=10)) == 0

    settings.MAILERS = smtp_mailer(port)
    assert send_pending_emails(now=NOW + timedelta(seconds=31)) == 2

    assert len(smtp_server.to("ann@example.com")) == 1
    waiting.refresh_from_db()
    assert waiting.status == "sent"


def test_an_email_that_keeps_failing_is_given_up_after_many_tries_and_visible(settings, booked):
    settings.MAILERS = smtp_mailer(free_port())
    moment = NOW
    for _ in range(12):
        send_pending_emails(now=moment)
        moment += timedelta(hours=2)

    email = booked.emails.get(kind="appointment_booked")
    assert email.status == "failed"
    assert email.attempts == 12
