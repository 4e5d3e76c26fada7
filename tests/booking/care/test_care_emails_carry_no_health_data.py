"""Invariant 7 for the care loop: no health answer, session note or addendum reaches a log or
an email, along the whole loop (pre-visit intake with a red flag, record, plan, aftercare)."""

import io
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from booking.models import Appointment, OutboundEmail, SessionRecord, TreatmentPlan
from booking.services.care import add_addendum, save_session_record, save_treatment_plan
from booking.services.emails import enqueue_due_aftercare
from tests.booking.care.helpers import ANSWERS, GOALS, INJURY, phone_booking
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

NOTE = "Hypertonic left QL, tender SI joint, guarded lumbar flexion"
ADDENDUM = "Client reported numbness in the left foot the next morning"


@pytest.mark.parametrize("debug", [False, True], ids=["production", "DEBUG on"])
def test_the_care_loop_logs_and_emails_no_health_answer_or_session_note(
    client, clinic_week, settings, smtp_server, caplog, debug
):
    settings.DEBUG = debug
    caplog.set_level(logging.DEBUG)
    appointment = phone_booking(clinic_week)
    flagged = {**ANSWERS, "red_flags": ["numbness"], "cleared_by_doctor": "on"}
    assert client.post(f"/booking/{appointment.token}/intake/", flagged).status_code == 200
    # The session took place (moved into the past, as a walk-in entered late would be).
    end = timezone.now() - timedelta(hours=3)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=end - timedelta(hours=1), end=end, blocked_until=end,
        status=Appointment.Status.COMPLETED,
    )  # fmt: skip
    appointment.refresh_from_db()
    maria = staff_user("maria", role="Therapist")
    record = save_session_record(
        record=SessionRecord(appointment=appointment, pressure=3, notes=NOTE), by=maria
    )
    add_addendum(record=record, text=ADDENDUM, by=maria)
    save_treatment_plan(
        plan=TreatmentPlan(appointment=appointment, focus="Ease the low back",
                           sessions_planned=3, interval_days=10),
        by=maria,
    )  # fmt: skip
    enqueue_due_aftercare()
    call_command("send_pending_emails", stdout=io.StringIO())

    kinds = set(OutboundEmail.objects.values_list("kind", flat=True))
    assert {"clinic_red_flag", "treatment_plan", "appointment_booked"} <= kinds
    assert len(smtp_server.messages) == OutboundEmail.objects.count()
    secrets = [INJURY, GOALS, NOTE, ADDENDUM, "Severe numbness", "Gardening", "Sitting at a desk"]
    sent = [m.as_string() for m in smtp_server.messages]
    written = [f"{e.subject}{e.body_text}{e.body_html}{e.ics}" for e in OutboundEmail.objects.all()]
    for place, texts in [
        ("log", [caplog.text, *(str(r.args) for r in caplog.records)]),
        ("email sent", sent),
        ("outbox", written),
        ("test outbox", [m.body for m in mail.outbox]),
    ]:
        leaked = [secret for secret in secrets for text in texts if secret in text]
        assert not leaked, f"health data in the {place}: {leaked}"
