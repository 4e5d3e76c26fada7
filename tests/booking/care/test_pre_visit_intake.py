"""Intake before every visit: phone bookings and returning clients answer by their booking's
link; a red flag alerts the clinic and marks the appointment; the calendar shows each state."""

import importlib

import pytest
from bs4 import BeautifulSoup

from booking.models import AccessLog, Appointment, Intake, OutboundEmail
from booking.services.appointments import book_appointment, cancel_appointment
from booking.services.care import add_visit_scores
from booking.services.emails import enqueue_due_reminders
from booking.services.intake import IntakeAnswers, with_consent
from tests.booking.care.helpers import ANN, ANSWERS, GOALS, INJURY, phone_booking, text
from tests.factories import at, staff_user

pytestmark = pytest.mark.django_db


def intake_url(appointment: Appointment) -> str:
    return f"/booking/{appointment.token}/intake/"


def test_a_phone_bookings_client_completes_the_pre_visit_intake_by_its_link(client, clinic_week):
    appointment = phone_booking(clinic_week)
    confirmation = OutboundEmail.objects.get(kind="appointment_booked")
    manage = client.get(appointment.get_absolute_url())

    assert intake_url(appointment) in confirmation.body_text
    assert intake_url(appointment) in confirmation.body_html
    assert intake_url(appointment) in manage.content.decode()
    shown = client.get(intake_url(appointment))
    assert shown.status_code == 200
    assert shown["X-Robots-Tag"] == "noindex, nofollow"
    assert "Sitting at a desk" in text(shown)  # the guide's triggers are offered

    answered = client.post(intake_url(appointment), ANSWERS)

    assert answered.status_code == 302
    intake = Intake.objects.get(appointment=appointment)
    assert intake.kind == Intake.Kind.PRE_VISIT
    assert (intake.zones, intake.pressure, intake.pain) == (["upper_back"], 4, 6)
    assert intake.activities == [
        {"name": "Sitting at a desk", "score": 4},
        {"name": "Gardening", "score": 3},
    ]
    assert intake.consent and intake.consent_name == "Ann Client"
    assert intake.consented_at is not None
    assert intake.previous_injuries == INJURY
    appointment.refresh_from_db()
    assert appointment.intake_state == "done"
    assert (
        intake_url(appointment) not in client.get(appointment.get_absolute_url()).content.decode()
    )
    assert "We have your answers" in text(client.get(intake_url(appointment)))
    assert not OutboundEmail.objects.filter(kind="clinic_red_flag").exists()


def test_missing_answers_are_asked_again_on_the_same_page_with_what_was_typed_kept(
    client, clinic_week
):
    appointment = phone_booking(clinic_week)
    typed = {**ANSWERS, "pain": "", "consent_name": "", "activity_1_score": ""}

    response = client.post(intake_url(appointment), typed)

    assert response.status_code == 400
    shown = text(response)
    assert "Please choose a score from 0 to 10." in shown
    assert "Please type your name to sign." in shown
    assert "Please score this activity from 0 to 10." in shown
    assert INJURY in response.content.decode()
    assert not Intake.objects.exists()


def test_a_red_flag_tells_the_client_to_call_alerts_the_clinic_and_marks_the_appointment(
    client, clinic_week
):
    appointment = phone_booking(clinic_week)

    response = client.post(intake_url(appointment), {**ANSWERS, "red_flags": ["numbness"]})

    assert response.status_code == 200
    shown = text(response)
    assert "Please call us or see a doctor before your visit" in shown
    assert "(717) 555-0142" in shown
    alert = OutboundEmail.objects.get(kind="clinic_red_flag")
    assert alert.to == "hello@focusedcare.example"
    assert f"/admin/booking/appointment/{appointment.pk}/change/" in alert.body_text
    for email in [alert.subject, alert.body_text, alert.body_html]:
        assert "numbness" not in email.lower() and INJURY not in email and GOALS not in email
    appointment.refresh_from_db()
    assert appointment.intake_state == "red_flag"
    assert Intake.objects.get().red_flags == ["numbness"]


def test_an_emergency_in_the_pre_visit_intake_says_get_help_today(client, clinic_week):
    appointment = phone_booking(clinic_week)

    response = client.post(intake_url(appointment), {**ANSWERS, "red_flags": ["bladder_bowel"]})

    assert "Please get medical help today" in text(response)
    assert OutboundEmail.objects.filter(kind="clinic_red_flag").count() == 1


def test_a_returning_client_confirms_unchanged_answers_in_one_step(client, clinic_week):
    first = phone_booking(clinic_week, "2026-03-03 10:00")
    client.post(intake_url(first), ANSWERS)
    Appointment.objects.filter(pk=first.pk).update(status=Appointment.Status.COMPLETED)
    second = phone_booking(clinic_week, "2026-03-10 10:00")

    page = client.get(intake_url(second))
    soup = BeautifulSoup(page.content, "html.parser")
    assert "Nothing has changed?" in soup.get_text()
    assert soup.select_one("textarea[name=previous_injuries]").get_text().strip() == INJURY
    assert soup.select_one("select[name=same-pain] option[selected]")["value"] == "6"
    # The activities are chosen once: now only their scores are asked.
    assert soup.select_one("select[name=same-score_1]") is not None
    assert soup.select_one("select[name=activity_1]") is None

    response = client.post(
        intake_url(second),
        {"unchanged": "1", "same-pain": "5", "same-score_1": "5", "same-score_2": "4",
         "same-consent_name": "Ann Client"},
    )  # fmt: skip

    assert response.status_code == 302
    again = Intake.objects.get(appointment=second)
    assert again.previous_injuries == INJURY and again.goals == GOALS
    assert (again.zones, again.duration, again.pressure) == (["upper_back"], "months_years", 4)
    assert again.pain == 5
    assert again.activities == [
        {"name": "Sitting at a desk", "score": 5},
        {"name": "Gardening", "score": 4},
    ]
    assert again.consent_name == "Ann Client" and again.kind == Intake.Kind.PRE_VISIT


def test_the_intake_is_given_once_and_not_for_a_cancelled_booking(client, clinic_week):
    appointment = phone_booking(clinic_week)
    client.post(intake_url(appointment), ANSWERS)

    again = client.post(intake_url(appointment), {**ANSWERS, "pain": "1"})
    other = phone_booking(clinic_week, "2026-03-11 10:00")
    cancel_appointment(appointment=other, by=staff_user())

    assert again.status_code == 200 and Intake.objects.get().pain == 6
    assert client.get(intake_url(other)).status_code == 409
    assert client.get("/booking/not-a-real-booking-token-at-all/intake/").status_code == 404


def test_the_reminder_asks_for_the_intake_only_while_it_is_missing(client, clinic_week):
    missing = phone_booking(clinic_week, "2026-03-10 10:00")
    answered = phone_booking(clinic_week, "2026-03-10 13:00")
    client.post(intake_url(answered), ANSWERS)

    enqueue_due_reminders(now=at("2026-03-09 13:30"))

    reminders = {
        e.appointment_id: e for e in OutboundEmail.objects.filter(kind__endswith="reminder")
    }
    assert intake_url(missing) in reminders[missing.pk].body_text
    assert intake_url(missing) in reminders[missing.pk].body_html
    assert "intake" not in reminders[answered.pk].body_text


def test_the_day_sheet_and_calendar_show_each_appointments_intake_state(client, clinic_week):
    missing = phone_booking(clinic_week, "2026-03-10 09:00")
    done = phone_booking(clinic_week, "2026-03-10 11:00")
    flagged = phone_booking(clinic_week, "2026-03-10 14:00")
    client.post(intake_url(done), ANSWERS)
    # Ann has answered before: the activities she named are now scored, not chosen.
    scores = {"score_1": "5", "score_2": "5", "red_flags": ["worsening"]}
    assert client.post(intake_url(flagged), {**ANSWERS, **scores}).status_code == 200
    client.force_login(staff_user("desk", role="Front desk"))

    sheet = BeautifulSoup(
        client.get("/admin/calendar/day-sheet/?date=2026-03-10").content, "html.parser"
    )
    grid = BeautifulSoup(client.get("/admin/calendar/?date=2026-03-10").content, "html.parser")

    states = [span["class"][1] for span in sheet.select("span.fc-intake")]
    assert states == ["fc-intake-missing", "fc-intake-done", "fc-intake-red_flag"]
    assert [s.get_text(" ", strip=True) for s in sheet.select("span.fc-intake")] == [
        "Intake missing",
        "Intake done",
        "⚑ red flag",
    ]
    assert [s["class"][1] for s in grid.select("td.fc-appt span.fc-intake")] == states
    assert INJURY not in sheet.get_text() and "worsening" not in sheet.get_text().lower()
    assert {missing.pk, done.pk, flagged.pk}


def test_reading_a_clients_intake_answers_in_the_back_office_is_logged(client, clinic_week):
    appointment = phone_booking(clinic_week)
    client.post(intake_url(appointment), ANSWERS)
    owner = staff_user("owner", role="Owner")
    desk = staff_user("desk", role="Front desk")

    client.force_login(desk)
    client.get(f"/admin/booking/appointment/{appointment.pk}/change/")
    assert not AccessLog.objects.exists()  # the desk sees no answers: nothing was read
    client.force_login(owner)
    page = client.get(f"/admin/booking/appointment/{appointment.pk}/change/")

    assert INJURY in page.content.decode()
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.appointment) == (owner, "intake_read", appointment)


def test_an_online_bookings_client_adds_todays_scores_by_the_same_link(client, clinic_week):
    online = book_appointment(
        option=clinic_week.option, start=at("2026-03-10 10:00"), client=ANN,
        therapist=clinic_week.therapist, now=at("2026-03-01 08:00"),
        intake=IntakeAnswers(zones=["leg"], duration="weeks", pressure=3, consent=True),
    )  # fmt: skip
    confirmation = OutboundEmail.objects.get(kind="appointment_booked")
    assert intake_url(online) not in confirmation.body_text  # answered when booking
    enqueue_due_reminders(now=at("2026-03-09 13:30"))
    reminder = OutboundEmail.objects.get(kind="appointment_reminder")
    assert intake_url(online) in reminder.body_text  # today's scores are still missing
    assert intake_url(online) in client.get(online.get_absolute_url()).content.decode()

    page = client.get(intake_url(online))
    assert page.status_code == 200 and "how much it hurts today" in text(page)
    refused = client.post(intake_url(online), {"pain": "", "consent_name": "Ann Client"})
    sent = client.post(
        intake_url(online),
        {"pain": "7", "activity_1": "Driving", "activity_1_score": "2", "consent_name": "Ann"},
    )

    assert refused.status_code == 400
    assert sent.status_code == 302
    intake = Intake.objects.get(appointment=online)
    assert (intake.pain, intake.activities) == (7, [{"name": "Driving", "score": 2}])
    assert intake.zones == ["leg"] and intake.consent_reconfirmed_name == "Ann"
    assert "We have your answers" in text(client.get(intake_url(online)))
    assert intake_url(online) not in client.get(online.get_absolute_url()).content.decode()


def _intake_field(page, name: str) -> str:
    """What staff read in the appointment page's intake for one field."""
    soup = BeautifulSoup(page.content, "html.parser")
    return soup.select_one(f".field-{name} .readonly").get_text(" ", strip=True)


def test_adding_todays_scores_keeps_the_consent_given_at_booking_and_records_the_new_signature(
    client, clinic_week
):
    online = book_appointment(
        option=clinic_week.option, start=at("2026-03-10 10:00"), client=ANN,
        therapist=clinic_week.therapist, now=at("2026-03-01 08:00"),
        intake=with_consent(IntakeAnswers(zones=["leg"], pressure=3), name="Ann Client",
                            now=at("2026-03-01 08:00")),
    )  # fmt: skip

    client.post(
        intake_url(online),
        {"pain": "7", "activity_1": "Driving", "activity_1_score": "2",
         "consent_name": "Ann M. Client"},
    )  # fmt: skip

    intake = Intake.objects.get(appointment=online)
    assert intake.pain == 7
    assert (intake.consent, intake.consent_name, intake.consented_at) == (
        True, "Ann Client", at("2026-03-01 08:00"),
    )  # fmt: skip
    assert intake.consent_reconfirmed_name == "Ann M. Client"
    assert intake.consent_reconfirmed_at > at("2026-03-01 08:00")
    client.force_login(staff_user("owner", role="Owner"))
    page = client.get(f"/admin/booking/appointment/{online.pk}/change/")
    assert _intake_field(page, "consent_summary") == "Given by Ann Client, Sun Mar 1, 2026 8:00 AM"
    assert _intake_field(page, "reconfirmation_summary").startswith("Ann M. Client, ")


def test_scores_signed_for_an_intake_booked_without_consent_are_its_consent(client, clinic_week):
    online = book_appointment(
        option=clinic_week.option, start=at("2026-03-10 10:00"), client=ANN,
        therapist=clinic_week.therapist, now=at("2026-03-01 08:00"),
        intake=IntakeAnswers(zones=["leg"], pressure=3),
    )  # fmt: skip

    add_visit_scores(
        appointment=online, pain=5, activities=[], consent_name="Ann Client",
        now=at("2026-03-09 18:00"),
    )  # fmt: skip

    intake = Intake.objects.get(appointment=online)
    assert (intake.consent, intake.consent_name, intake.consented_at) == (
        True, "Ann Client", at("2026-03-09 18:00"),
    )  # fmt: skip
    assert (intake.consent_reconfirmed_name, intake.consent_reconfirmed_at) == ("", None)


def test_migrating_moves_a_scores_signature_written_over_the_booking_consent_to_its_own_place(
    clinic_week,
):
    from django.apps import apps

    migration = importlib.import_module("booking.migrations.0016_intake_consent_reconfirmed")
    online = book_appointment(
        option=clinic_week.option, start=at("2026-03-10 10:00"), client=ANN,
        therapist=clinic_week.therapist, now=at("2026-03-01 08:00"),
        intake=with_consent(IntakeAnswers(zones=["leg"], pressure=3), name="Ann Client"),
    )  # fmt: skip
    untouched = book_appointment(
        option=clinic_week.option, start=at("2026-03-11 10:00"), client=ANN,
        therapist=clinic_week.therapist, now=at("2026-03-01 08:00"),
        intake=with_consent(IntakeAnswers(zones=["leg"], pressure=3), name="Ann Client",
                            now=at("2026-03-01 08:05")),
    )  # fmt: skip
    # As the scores page used to leave it: the booking's name and time replaced.
    Intake.objects.filter(appointment=online).update(
        pain=6, consent_name="Ann M. Client", consented_at=at("2026-03-09 18:00")
    )

    migration.keep_scores_signatures_apart(apps, None)

    moved = Intake.objects.get(appointment=online)
    assert (moved.consent_reconfirmed_name, moved.consent_reconfirmed_at) == (
        "Ann M. Client", at("2026-03-09 18:00"),
    )  # fmt: skip
    assert (moved.consent, moved.consent_name, moved.consented_at) == (True, "", None)
    kept = Intake.objects.get(appointment=untouched)
    assert (kept.consent_name, kept.consented_at) == ("Ann Client", at("2026-03-01 08:05"))
    assert kept.consent_reconfirmed_at is None

    migration.merge_scores_signatures_back(apps, None)

    back = Intake.objects.get(appointment=online)
    assert (back.consent_name, back.consented_at) == ("Ann M. Client", at("2026-03-09 18:00"))
    kept.refresh_from_db()
    assert (kept.consent_name, kept.consented_at) == ("Ann Client", at("2026-03-01 08:05"))
