"""Invariant 7: a health answer never reaches a log, an email or an error report."""

import io
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from booking.models import Appointment, Intake, OutboundEmail
from tests.booking.test_views_book import CONTACT, flow
from tests.conftest import free_port, smtp_mailer

pytestmark = pytest.mark.django_db

INJURY = "Herniated disc at L4-L5, epidural in March"
GOALS = "Garden again without sciatica flaring"
HEALTH = {
    "zones": ["leg", "lower_back"],
    "duration": "months_years",
    "pressure": "2",
    "habits": ["lifting"],
    "previous_injuries": INJURY,
    "goals": GOALS,
}


@pytest.mark.parametrize("debug", [False, True], ids=["production", "DEBUG on"])
def test_a_booking_with_an_intake_logs_and_emails_no_health_answer(
    client, clinic_week, settings, smtp_server, caplog, debug
):
    """With DEBUG on Django would log every SQL statement with its parameters: not here."""
    settings.DEBUG = debug
    caplog.set_level(logging.DEBUG)
    day = timezone.localdate() + timedelta(days=3)
    data = {**flow(day), **CONTACT, **HEALTH}

    review = client.post("/book/", data)
    booked = client.post("/book/", {**data, "confirm": "1"})
    reminded = settings.MAILERS
    settings.MAILERS = smtp_mailer(free_port())  # the mail server down first: retries are logged
    call_command("send_pending_emails", stdout=io.StringIO())
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    settings.MAILERS = reminded
    call_command("send_pending_emails", stdout=io.StringIO())

    assert review.status_code == 200 and booked.status_code == 302
    intake = Intake.objects.get(appointment=Appointment.objects.get())
    assert intake.previous_injuries == INJURY  # saved, so its absence below means something
    assert any(r.levelno == logging.WARNING for r in caplog.records)  # the failed sends
    assert smtp_server.messages  # and the emails went out after
    answers = [INJURY, GOALS, *intake.zone_labels, *intake.habit_labels]
    sent = [m.as_string() for m in smtp_server.messages]
    written = [f"{e.subject}{e.body_text}{e.body_html}{e.ics}" for e in OutboundEmail.objects.all()]
    for place, texts in [
        ("log", [caplog.text, *(str(r.args) for r in caplog.records)]),
        ("email sent", sent),
        ("outbox", written),
        ("test outbox", [m.body for m in mail.outbox]),
    ]:
        leaked = [answer for answer in answers for text in texts if answer in text]
        assert not leaked, f"health answers in the {place}: {leaked}"


def test_an_error_report_of_a_booking_post_carries_no_answer(client, clinic_week):
    day = timezone.localdate() + timedelta(days=3)
    response = client.post("/book/", {**flow(day), **CONTACT, **HEALTH})
    request = response.wsgi_request

    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    report = ExceptionReporter(request, ValueError, ValueError("boom"), None)

    assert INJURY in request.POST["previous_injuries"]
    assert shown["previous_injuries"] != INJURY and shown["goals"] != GOALS
    assert INJURY not in report.get_traceback_text()
    assert GOALS not in report.get_traceback_html()
