"""Two days before a session that still has no intake, the client is asked once for it, by an
email with the booking's private intake link; an answer meanwhile means the email never goes."""

import pytest

from booking.models import OutboundEmail
from booking.services.appointments import book_appointment, reschedule_appointment
from booking.services.emails import enqueue_due_intake_requests, send_pending_emails
from tests.booking.care.helpers import ANN, ANSWERS, phone_booking
from tests.factories import at

pytestmark = pytest.mark.django_db


def requests_for(appointment) -> list[OutboundEmail]:
    return list(
        OutboundEmail.objects.filter(kind="appointment_intake_request", appointment=appointment)
    )


def test_a_phone_booking_is_asked_for_its_intake_once_two_days_before(clinic_week, smtp_server):
    appointment = phone_booking(clinic_week, "2026-03-10 10:00")

    assert enqueue_due_intake_requests(now=at("2026-03-08 09:00")) == 0  # 49 hours before
    assert enqueue_due_intake_requests(now=at("2026-03-08 10:30")) == 1
    assert enqueue_due_intake_requests(now=at("2026-03-08 11:00")) == 0  # asked once
    send_pending_emails(now=at("2026-03-08 11:00"))

    (sent,) = [m for m in smtp_server.to(ANN.email) if "questions" in m["Subject"]]
    assert "a few questions for your therapist" in sent["Subject"]
    body = sent.get_body(preferencelist=("plain",)).get_content()
    assert f"/booking/{appointment.token}/intake/" in body
    assert body.startswith("Hello Ann,")


def test_an_intake_answered_before_the_email_goes_out_stops_it(client, clinic_week):
    appointment = phone_booking(clinic_week, "2026-03-10 10:00")
    enqueue_due_intake_requests(now=at("2026-03-08 10:30"))
    assert client.post(f"/booking/{appointment.token}/intake/", ANSWERS).status_code == 302

    send_pending_emails(now=at("2026-03-08 11:00"))

    (request,) = requests_for(appointment)
    assert request.status == OutboundEmail.Status.SKIPPED


def test_no_request_when_answered_or_booked_inside_the_two_days_and_again_after_a_move(
    client, clinic_week
):
    answered = phone_booking(clinic_week, "2026-03-10 13:00")
    client.post(f"/booking/{answered.token}/intake/", ANSWERS)
    late = book_appointment(
        option=clinic_week.option,
        start=at("2026-03-10 15:00"),
        client=ANN,
        therapist=clinic_week.therapist,
        by=answered.booked_by,
        now=at("2026-03-09 12:00"),  # the confirmation carried the link
    )
    moved = phone_booking(clinic_week, "2026-03-10 09:00")
    enqueue_due_intake_requests(now=at("2026-03-08 09:30"))

    reschedule_appointment(
        appointment=moved,
        start=at("2026-03-11 09:00"),
        by=answered.booked_by,
        now=at("2026-03-01 09:00"),
    )
    enqueue_due_intake_requests(now=at("2026-03-09 09:30"))

    assert requests_for(answered) == [] and requests_for(late) == []
    assert sorted(r.about_start for r in requests_for(moved)) == [
        at("2026-03-10 09:00"),
        at("2026-03-11 09:00"),
    ]
