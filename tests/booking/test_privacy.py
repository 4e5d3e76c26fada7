"""A client's personal data: health records kept only as long as the owner says, one client's
data downloaded whole, and a client erased while the books keep their appointments."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client as Browser
from django.utils import timezone

from booking.backoffice.roles import FRONT_DESK, OWNER, THERAPIST
from booking.models import (
    Appointment,
    BookingPolicy,
    Client,
    GiftCertificate,
    GiftLedgerEntry,
    Intake,
    OutboundEmail,
    SessionAddendum,
    SessionRecord,
    TreatmentPlan,
)
from booking.services.appointments import book_appointment, cancel_appointment
from booking.services.care import add_visit_scores
from booking.services.clients import ClientDetails
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from booking.services.intake import IntakeAnswers, with_consent
from tests.factories import AppointmentFactory, ClientFactory, at

pytestmark = pytest.mark.django_db

ANN = ClientDetails(
    name="Annabel Quigley", email="annabel.quigley@example.net", phone="717-555-0123"
)
INJURY = "Torn rotator cuff, surgery in 2021"
GOALS = "Carry my toddler without shoulder pain"
CANCEL_REASON = "Migraine since Tuesday"
NOTE = "Left QL guarding on forward bend"
PLAN_FOCUS = "Ease the left low back"
CONSENTED = at("2026-03-01 08:00")  # confirming the booking under the consent statement


def login(role: str, username: str) -> Browser:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    browser = Browser()
    browser.force_login(user)
    return browser


def answers() -> IntakeAnswers:
    return IntakeAnswers(
        zones=["upper_back"],
        duration="months_years",
        pressure=4,
        habits=["driving"],
        previous_injuries=INJURY,
        goals=GOALS,
    )


@pytest.fixture
def ann(clinic_week) -> Appointment:
    """Annabel's upcoming session, booked with her intake and part paid by a gift certificate
    a friend gave her; she also bought one for her mother. Its emails are in the outbox."""
    given = purchase_gift_certificate(
        amount=Decimal("50"), buyer_name="Gil Giver", buyer_email="gil@example.com",
        recipient_name=ANN.name, recipient_email=ANN.email, message="Happy birthday, Annabel!",
    )  # fmt: skip
    given = mark_gift_certificate_paid(certificate=given)
    bought = purchase_gift_certificate(
        amount=Decimal("75"), buyer_name=ANN.name, buyer_email=ANN.email,
        recipient_name="Mother Quigley", recipient_email="mum@example.com",
    )  # fmt: skip
    mark_gift_certificate_paid(certificate=bought)
    start = timezone.localtime() + timedelta(days=3)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    return book_appointment(
        option=clinic_week.option, therapist=clinic_week.therapist, start=start, client=ANN,
        intake=with_consent(answers(), name=ANN.name, now=CONSENTED), gift_code=given.code,
    )  # fmt: skip


def intake_for(appointment: Appointment) -> Intake:
    return Intake.objects.create(
        appointment=appointment, zones=["leg"], duration="weeks", pressure=3, consent=True,
        previous_injuries=INJURY,
    )  # fmt: skip


def care_records_for(appointment: Appointment) -> None:
    """The therapist's record of the session (changed once, with an addendum) and its plan."""
    record = SessionRecord.objects.create(appointment=appointment, pressure=3, notes=NOTE)
    record.notes = f"{NOTE}, eased by the end"
    record.save()
    SessionAddendum.objects.create(record=record, text="Called: the ache came back after a week")
    TreatmentPlan.objects.create(
        appointment=appointment, focus=PLAN_FOCUS, sessions_planned=4, interval_days=14
    )


def care_left_for(appointment: Appointment) -> list[object]:
    """Every row, current or past, that holds the session's health data."""
    return [
        *Intake.objects.filter(appointment=appointment),
        *SessionRecord.objects.filter(appointment=appointment),
        *SessionAddendum.objects.filter(record__appointment=appointment),
        *TreatmentPlan.objects.filter(appointment=appointment),
        *SessionRecord.history.filter(appointment_id=appointment.pk),
        *TreatmentPlan.history.filter(appointment_id=appointment.pk),
    ]


# Retention ---------------------------------------------------------------------------------
def test_health_records_older_than_the_retention_are_deleted_and_their_appointments_kept(
    clinic_week,
):
    now = timezone.now()
    old = AppointmentFactory(option=clinic_week.option, start=now - timedelta(days=365 * 7 + 3))
    recent = AppointmentFactory(option=clinic_week.option, start=now - timedelta(days=365 * 6))
    for appointment in (old, recent):
        intake_for(appointment)
        care_records_for(appointment)
    kept = care_left_for(recent)
    out = io.StringIO()

    call_command("purge_expired_intakes", stdout=out)

    said = "Deleted 1 expired intake(s), 1 session record(s) and 1 treatment plan(s)."
    assert said in out.getvalue()
    assert care_left_for(old) == []
    assert care_left_for(recent) == kept
    assert Appointment.objects.count() == 2
    call_command("purge_expired_intakes", stdout=out)
    assert "Deleted 0 expired intake(s), 0 session record(s)" in out.getvalue()
    assert care_left_for(recent) == kept


def test_a_shorter_retention_set_by_the_owner_is_applied_by_the_worker(clinic_week):
    recent = AppointmentFactory(
        option=clinic_week.option, start=timezone.now() - timedelta(days=365 * 2 + 3)
    )
    intake_for(recent)
    care_records_for(recent)
    owner = login(OWNER, "olive")
    policy = BookingPolicy.objects.create()
    form = {
        field: getattr(policy, field)
        for field in [
            "min_notice_hours", "horizon_days", "step_minutes", "buffer_minutes",
            "change_window_hours", "reminder_hours", "aftercare_delay_hours",
        ]
    }  # fmt: skip
    url = f"/admin/booking/bookingpolicy/{policy.pk}/change/"
    assert "Keep health records for (years)" in owner.get(url).text

    saved = owner.post(url, {**form, "health_retention_years": "2"})
    call_command("send_pending_emails", stdout=io.StringIO())  # one round of the worker

    assert saved.status_code == 302
    assert care_left_for(recent) == []
    assert Appointment.objects.filter(pk=recent.pk).exists()


def test_the_front_desk_and_therapists_cannot_change_the_retention():
    policy = BookingPolicy.objects.create()
    url = f"/admin/booking/bookingpolicy/{policy.pk}/change/"
    for role in [FRONT_DESK, THERAPIST]:
        browser = login(role, role.replace(" ", ""))
        assert browser.post(url, {"health_retention_years": "1"}).status_code == 403
    assert BookingPolicy.current().health_retention_years == 7


# Export ------------------------------------------------------------------------------------
def test_the_owner_downloads_everything_held_about_one_client(ann):
    owner = login(OWNER, "olive")
    page = owner.get(f"/admin/booking/client/{ann.client.pk}/change/")
    link = BeautifulSoup(page.content, "html.parser").find("a", string="Download their data")

    response = owner.get(link["href"])

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["client"] | {"created_at": None} == {
        "name": ANN.name, "email": ANN.email, "phone": ANN.phone, "staff_notes": "",
        "created_at": None,
    }  # fmt: skip
    [visit] = data["appointments"]
    assert visit["service"] == "Deep Tissue" and visit["therapist"] == "Maria Alvarez"
    assert visit["paid_by_gift_certificate"] == "50.00"
    assert visit["intake"]["previous_injuries"] == INJURY
    assert visit["intake"]["goals"] == GOALS
    assert visit["intake"]["zones"] == ["Neck and upper back"]
    assert visit["intake"]["pain_duration"] == "Months or years"
    assert visit["intake"]["consent"] is True
    assert visit["intake"]["consent_name"] == ANN.name
    assert visit["intake"]["consented_at"] == "2026-03-01T08:00:00-05:00"
    assert visit["intake"]["consent_reconfirmed_name"] is None
    assert visit["intake"]["consent_reconfirmed_at"] is None
    received = next(c for c in data["gift_certificates"] if c["received"])
    bought = next(c for c in data["gift_certificates"] if c["bought"])
    assert received["message"] == "Happy birthday, Annabel!"
    assert [e["amount"] for e in received["ledger"]] == ["50.00", "-50.00"]
    assert bought["recipient_name"] == "Mother Quigley"
    subjects = [email["subject"] for email in data["emails"]]
    assert len(subjects) == OutboundEmail.objects.filter(to=ANN.email).count() >= 3
    assert all(email["to"] == ANN.email for email in data["emails"])
    assert ann.token not in response.text  # the private link stays private


def test_an_intake_that_did_not_say_how_long_it_hurt_downloads_as_not_said(ann):
    Intake.objects.filter(appointment=ann).update(duration="")

    data = json.loads(
        login(OWNER, "olive").get(f"/admin/booking/client/{ann.client.pk}/export/").content
    )

    [visit] = data["appointments"]
    assert visit["intake"]["pain_duration"] == "Not said"


def test_the_download_holds_the_booking_consent_and_the_one_signed_with_todays_scores(ann):
    add_visit_scores(
        appointment=ann, pain=6, activities=[], consent_name="Annabel R. Quigley",
        now=at("2026-03-09 18:30"),
    )  # fmt: skip

    data = json.loads(
        login(OWNER, "olive").get(f"/admin/booking/client/{ann.client.pk}/export/").content
    )

    [visit] = data["appointments"]
    intake = visit["intake"]
    assert (intake["consent_name"], intake["consented_at"]) == (
        ANN.name, "2026-03-01T08:00:00-05:00",
    )  # fmt: skip
    assert (intake["consent_reconfirmed_name"], intake["consent_reconfirmed_at"]) == (
        "Annabel R. Quigley", "2026-03-09T18:30:00-04:00",  # after the spring change
    )  # fmt: skip


def test_a_consent_given_before_names_and_times_were_recorded_downloads_as_not_on_record(ann):
    Intake.objects.filter(appointment=ann).update(consent_name="", consented_at=None)

    data = json.loads(
        login(OWNER, "olive").get(f"/admin/booking/client/{ann.client.pk}/export/").content
    )

    [visit] = data["appointments"]
    assert visit["intake"]["consent"] is True
    assert visit["intake"]["consent_name"] == "Not on record"
    assert visit["intake"]["consented_at"] == "Not on record"


def test_the_front_desk_and_therapists_neither_download_nor_erase_nor_see_the_buttons(ann):
    ann.therapist.user = User.objects.create_user("maria", is_staff=True)
    ann.therapist.user.groups.add(Group.objects.get(name=THERAPIST))
    ann.therapist.save()
    therapist = Browser()
    therapist.force_login(ann.therapist.user)  # Annabel's own therapist
    pk = ann.client.pk
    for browser in [login(FRONT_DESK, "desmond"), therapist]:
        page = browser.get(f"/admin/booking/client/{pk}/change/")
        assert page.status_code == 200
        assert "Download their data" not in page.text and "Erase" not in page.text
        assert browser.get(f"/admin/booking/client/{pk}/export/").status_code == 403
        assert browser.get(f"/admin/booking/client/{pk}/erase/").status_code == 403
        erase = browser.post(f"/admin/booking/client/{pk}/erase/", {"post": "yes"})
        assert erase.status_code == 403
    assert Client.objects.get(pk=pk).name == ANN.name
    assert Intake.objects.filter(appointment=ann).exists()


# Erase -------------------------------------------------------------------------------------
def test_a_client_with_an_upcoming_booking_is_not_erased_and_told_why(ann):
    owner = login(OWNER, "olive")

    response = owner.post(f"/admin/booking/client/{ann.client.pk}/erase/", {"post": "yes"})

    assert response.status_code == 400
    assert "upcoming bookings: cancel them first" in response.text
    assert Client.objects.get(pk=ann.client.pk).email == ANN.email


def test_erasing_keeps_the_books_and_removes_every_trace_of_the_client(ann):
    cancel_appointment(appointment=ann, reason=CANCEL_REASON)
    past = AppointmentFactory(
        client=ann.client, option=ann.option, therapist=ann.therapist,
        start=timezone.now() - timedelta(days=30), status="completed",
    )  # fmt: skip
    intake_for(past)
    care_records_for(past)
    client = ann.client
    client.notes = "Prefers the quiet room"
    client.save()
    other = ClientFactory(name="Otto Other")
    ledger_before = list(GiftLedgerEntry.objects.values_list("pk", "amount", "balance_after"))
    owner = login(OWNER, "olive")
    page = owner.get(f"/admin/booking/client/{client.pk}/change/")
    link = BeautifulSoup(page.content, "html.parser").find("a", string="Erase personal data")
    assert owner.get(link["href"]).status_code == 200

    response = owner.post(link["href"], {"post": "yes"})

    assert response.status_code == 302
    erased = Client.objects.get(pk=client.pk)
    assert (erased.name, erased.email, erased.notes) == ("Erased client", "", "")
    assert sorted(Appointment.objects.filter(client=erased).values_list("pk", "price")) == sorted(
        [(ann.pk, ann.price), (past.pk, past.price)]
    )
    assert not Intake.objects.filter(appointment__client=erased).exists()
    assert care_left_for(past) == []
    assert not OutboundEmail.objects.filter(appointment__client=erased).exists()
    assert not OutboundEmail.objects.filter(to=ANN.email).exists()
    assert list(GiftLedgerEntry.objects.values_list("pk", "amount", "balance_after")) == (
        ledger_before
    )
    assert Client.objects.get(pk=other.pk).name == "Otto Other"
    # Nothing of hers is left anywhere: records, their history, the certificates.
    traces = [ANN.name, "Annabel", ANN.email, ANN.phone, "quiet room", CANCEL_REASON, INJURY]
    rows = [
        *Client.history.filter(id=client.pk).values(),
        *Appointment.history.filter(client_id=client.pk).values(),
        *Appointment.objects.filter(client=erased).values(),
        *GiftCertificate.objects.values(),
        *GiftCertificate.history.values(),
    ]
    left = {trace for trace in traces for row in rows if trace in str(row)}
    assert not left
    # Its history page says it was erased, and by whom.
    history = owner.get(f"/admin/booking/client/{client.pk}/history/")
    assert "Personal data erased" in history.text and "olive" in history.text
    export = owner.get(f"/admin/booking/client/{client.pk}/export/")
    assert not {trace for trace in traces if trace in export.content.decode()}
