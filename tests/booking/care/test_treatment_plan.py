"""The treatment plan: written in the back office after a session, emailed in place of the
generic aftercare with a link that opens the booking flow on the suggested day with the same
therapist and service; the review request, at most once a year."""

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.utils import timezone

from booking.models import Appointment, Clinic, Intake, OutboundEmail, SessionRecord, TreatmentPlan
from booking.services.care import save_session_record, save_treatment_plan
from booking.services.emails import enqueue_due_aftercare
from tests.factories import AppointmentFactory, ClientFactory, staff_user

pytestmark = pytest.mark.django_db

NOTE = "Piriformis trigger point, left; referred pain to the calf"
INJURY = "Torn meniscus, 2021"


def finished(week, client=None, ended_ago=timedelta(hours=3)) -> Appointment:
    end = timezone.now() - ended_ago
    appointment = AppointmentFactory(
        therapist=week.therapist,
        option=week.option,
        client=client or ClientFactory(email="ann@example.com", name="Ann Client"),
        start=end - timedelta(hours=1),
        status=Appointment.Status.COMPLETED,
    )
    Intake.objects.create(
        appointment=appointment, zones=["leg"], duration="weeks", pressure=3, consent=True,
        previous_injuries=INJURY, pain=6,
        activities=[{"name": "Driving", "score": 3}, {"name": "Sleeping", "score": 5}],
    )  # fmt: skip
    return appointment


def write_plan(appointment: Appointment, **fields) -> TreatmentPlan:
    therapist = staff_user("maria", role="Therapist")
    if appointment.end > timezone.now() - timedelta(hours=24):  # still open
        record = SessionRecord(appointment=appointment, pressure=3, notes=NOTE)
        save_session_record(record=record, by=therapist)
    defaults = {"focus": "Free the sciatic nerve at the hip", "sessions_planned": 4,
                "interval_days": 14, "home_care": ["hips-glutes", "keep-moving"],
                "own_advice": "Figure-four stretch, 30 seconds a side, twice a day."}  # fmt: skip
    return save_treatment_plan(
        plan=TreatmentPlan(appointment=appointment, **(defaults | fields)), by=therapist
    )


def test_the_plan_email_replaces_the_aftercare_and_links_the_suggested_day(client, clinic_week):
    appointment = finished(clinic_week)
    plan = write_plan(appointment)

    assert enqueue_due_aftercare() == 1

    email = OutboundEmail.objects.get(appointment=appointment, kind="treatment_plan")
    assert not OutboundEmail.objects.filter(kind="appointment_aftercare").exists()
    assert plan.activities == ["Driving", "Sleeping"]  # from the session's intake
    suggested = timezone.localdate(appointment.start) + timedelta(days=14)
    link = f"/book/?service=deep-tissue&minutes=60&therapist=maria&day={suggested:%Y-%m-%d}"
    assert link in email.body_text and link.replace("&", "&amp;") in email.body_html
    assert plan.get_progress_url() in email.body_text
    assert "Figure-four stretch" in email.body_text and "Hips and glutes" in email.body_text
    for text in [email.subject, email.body_text, email.body_html]:
        assert NOTE not in text and INJURY not in text and "Driving" not in text

    query = parse_qs(urlsplit(link).query)
    assert query == {"service": ["deep-tissue"], "minutes": ["60"], "therapist": ["maria"],
                     "day": [f"{suggested:%Y-%m-%d}"]}  # fmt: skip
    page = client.get(link)
    assert page.status_code == 200
    shown = BeautifulSoup(page.content, "html.parser").get_text(" ", strip=True)
    assert f"{suggested:%A, %B} {suggested.day}" in shown
    assert "Maria Alvarez" in shown and "Deep Tissue" in shown


def test_a_plan_written_after_the_aftercare_went_out_is_emailed_then(clinic_week):
    appointment = finished(clinic_week)
    enqueue_due_aftercare()
    assert OutboundEmail.objects.filter(kind="appointment_aftercare").count() == 1

    write_plan(appointment)

    assert OutboundEmail.objects.filter(kind="treatment_plan").count() == 1


def test_each_later_session_of_the_plan_gets_the_plan_with_its_next_day(clinic_week):
    first = finished(clinic_week, ended_ago=timedelta(days=14, hours=3))
    write_plan(first)
    second = finished(clinic_week, client=first.client)

    enqueue_due_aftercare()

    email = OutboundEmail.objects.get(appointment=second)
    assert email.kind == "treatment_plan"
    day = timezone.localdate(second.start) + timedelta(days=14)
    assert f"day={day:%Y-%m-%d}" in email.body_text


def test_without_a_plan_the_generic_aftercare_goes_out(clinic_week):
    finished(clinic_week)

    enqueue_due_aftercare()

    assert OutboundEmail.objects.filter(kind="appointment_aftercare").count() == 1
    assert not OutboundEmail.objects.filter(kind="treatment_plan").exists()


def test_the_review_request_goes_out_when_the_owner_set_a_link_at_most_once_a_year(clinic_week):
    Clinic.objects.update(review_url="https://g.page/r/focused-care/review")
    first = finished(clinic_week, ended_ago=timedelta(days=5))
    enqueue_due_aftercare()
    finished(clinic_week, client=first.client, ended_ago=timedelta(days=3))
    enqueue_due_aftercare()

    requests = OutboundEmail.objects.filter(kind="review_request")
    assert list(requests.values_list("appointment", flat=True)) == [first.pk]
    assert "https://g.page/r/focused-care/review" in requests.get().body_text
    requests.update(created_at=timezone.now() - timedelta(days=366))  # a year later
    third = finished(clinic_week, client=first.client, ended_ago=timedelta(hours=3))
    enqueue_due_aftercare()
    assert OutboundEmail.objects.filter(kind="review_request", appointment=third).exists()


def test_no_review_request_without_the_owners_link(clinic_week):
    finished(clinic_week)

    enqueue_due_aftercare()

    assert not OutboundEmail.objects.filter(kind="review_request").exists()


def test_the_therapist_writes_the_plan_in_the_back_office(client, clinic_week):
    appointment = finished(clinic_week)
    clinic_week.therapist.user = staff_user("maria", role="Therapist")
    clinic_week.therapist.save()
    client.force_login(clinic_week.therapist.user)

    page = client.get(f"/admin/booking/appointment/{appointment.pk}/change/").content.decode()
    assert f"/admin/booking/treatmentplan/add/?appointment={appointment.pk}" in page
    response = client.post(
        f"/admin/booking/treatmentplan/add/?appointment={appointment.pk}",
        {"appointment": appointment.pk, "focus": "Ease the hip", "sessions_planned": "3",
         "interval_days": "10", "home_care": ["drink-water"], "own_advice": "Walk daily.",
         "activities": "Driving\nSleeping\nGardening"},
    )  # fmt: skip

    assert response.status_code == 302
    plan = TreatmentPlan.objects.get()
    assert plan.activities == ["Driving", "Sleeping", "Gardening"]
    assert plan.home_care == ["drink-water"] and plan.written_by == clinic_week.therapist.user
    call_command("send_pending_emails", stdout=io.StringIO())
