"""The cleanup buffer separates sessions, and a refused start names the rule that refused it:
nobody is told a time was taken unless a booking really overlaps it."""

from datetime import date, time

import pytest

from booking.availability import (
    BUFFER_AFTER,
    BUFFER_BEFORE,
    CLOSED,
    HORIZON,
    NOT_WORKING,
    NOTICE,
    OFF_GRID,
    OUTSIDE_HOURS,
    SHIFT_END,
    TAKEN,
    TIME_OFF,
    Availability,
)
from booking.exceptions import SlotUnavailable
from booking.models import Appointment, ExtraShift, WorkingHours
from booking.services.appointments import book_appointment, reschedule_appointment
from booking.services.clients import ClientDetails
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    TherapistFactory,
    TimeOffFactory,
    at,
    staff_user,
    week_of_hours,
)

pytestmark = pytest.mark.django_db

NOW = at("2026-03-01 08:00")
TUESDAY = date(2026, 3, 10)
ANN = ClientDetails(name="Ann Client", email="ann@example.com", phone="717-555-0100")


def book(week, start, **kwargs) -> Appointment:
    kwargs.setdefault("therapist", week.therapist)
    return book_appointment(option=week.option, start=start, client=ANN, now=NOW, **kwargs)


def refused(week, start, **kwargs) -> str:
    """Book `start` and return the message it was refused with (nothing may be booked)."""
    before = Appointment.objects.count()
    with pytest.raises(SlotUnavailable) as error:
        book(week, start, **kwargs)
    assert Appointment.objects.count() == before
    return error.value.message


# The buffer separates sessions only


def test_a_nine_to_seven_shift_offers_six_pm_for_an_hour_and_it_books(clinic_week):
    WorkingHours.objects.filter(therapist=clinic_week.therapist).update(ends=time(19))

    availability = Availability(
        option=clinic_week.option, first_day=TUESDAY, last_day=TUESDAY, now=NOW
    )

    assert at("2026-03-10 18:00") in {slot.start for slot in availability.slots(TUESDAY)}
    assert at("2026-03-10 18:15") not in {slot.start for slot in availability.slots(TUESDAY)}
    appointment = book(clinic_week, at("2026-03-10 18:00"))
    assert appointment.end == at("2026-03-10 19:00")
    assert appointment.blocked_until == at("2026-03-10 19:15")  # still kept between sessions


def test_a_session_cannot_start_inside_the_buffer_after_another_and_may_at_its_end(clinic_week):
    book(clinic_week, at("2026-03-10 10:00"))

    message = refused(clinic_week, at("2026-03-10 11:00"))

    assert message == (
        "Maria Alvarez needs the 15-minute cleanup after the session at 10:00 AM: the next "
        "start is at 11:15 AM or later."
    )
    assert book(clinic_week, at("2026-03-10 11:15")).start == at("2026-03-10 11:15")


def test_a_session_must_leave_its_own_cleanup_before_the_next_session(clinic_week):
    book(clinic_week, at("2026-03-10 12:00"))

    message = refused(clinic_week, at("2026-03-10 11:00"))

    assert message == (
        "Maria Alvarez needs the 15-minute cleanup before the session at 12:00 PM: a 60-minute "
        "session must end by 11:45 AM."
    )
    assert book(clinic_week, at("2026-03-10 10:45")).blocked_until == at("2026-03-10 12:00")


def test_a_session_may_end_exactly_when_time_off_begins_but_not_run_into_it(clinic_week):
    TimeOffFactory(
        therapist=clinic_week.therapist,
        starts_at=at("2026-03-10 14:00"),
        ends_at=at("2026-03-10 15:00"),
        reason="Dentist",
    )

    assert "time off" in refused(clinic_week, at("2026-03-10 13:15"))
    assert book(clinic_week, at("2026-03-10 13:00")).end == at("2026-03-10 14:00")
    assert book(clinic_week, at("2026-03-10 15:00")).start == at("2026-03-10 15:00")


def test_an_extra_shift_offers_and_books_times_outside_the_weekly_hours(clinic_week):
    ExtraShift.objects.create(
        therapist=clinic_week.therapist, day=TUESDAY, starts=time(18), ends=time(21)
    )

    availability = Availability(
        option=clinic_week.option, first_day=TUESDAY, last_day=TUESDAY, now=NOW
    )

    starts = {slot.start for slot in availability.slots(TUESDAY)}
    assert at("2026-03-10 20:00") in starts and at("2026-03-10 17:15") not in starts
    assert "outside Maria Alvarez's hours" in refused(clinic_week, at("2026-03-10 17:15"))
    assert book(clinic_week, at("2026-03-10 20:00")).end == at("2026-03-10 21:00")


# Each rule gives its own message


@pytest.fixture
def busy_tuesday(clinic_week):
    """Maria works 9-17 (not on Wednesdays), sessions at 10:00 and 13:00 on Tuesday, the
    dentist at 15:00, and the clinic closed on Thursday."""
    maria = clinic_week.therapist
    WorkingHours.objects.filter(therapist=maria, weekday=2).delete()
    for hour in ("10:00", "13:00"):
        AppointmentFactory(
            therapist=maria, option=clinic_week.option, start=at(f"2026-03-10 {hour}")
        )
    TimeOffFactory(
        therapist=maria,
        starts_at=at("2026-03-10 15:00"),
        ends_at=at("2026-03-10 16:00"),
        reason="Dentist",
    )
    ClinicClosureFactory(name="Spring day", first_day=date(2026, 3, 12), last_day=date(2026, 3, 12))
    return clinic_week


STAFF_REFUSALS = [
    ("2026-03-12 10:00", CLOSED, "The clinic is closed on Thursday, March 12 (Spring day)."),
    ("2026-03-11 10:00", NOT_WORKING, "Maria Alvarez isn't working on Wednesday, March 11."),
    (
        "2026-03-10 08:00",
        OUTSIDE_HOURS,
        "8:00 AM is outside Maria Alvarez's hours that day: 9:00 AM to 5:00 PM.",
    ),
    (
        "2026-03-10 16:15",
        SHIFT_END,
        "A 60-minute session at 4:15 PM would end after Maria Alvarez's shift ends at 5:00 PM.",
    ),
    (
        "2026-03-10 14:30",
        TIME_OFF,
        "Maria Alvarez has time off from 3:00 PM to 4:00 PM (Dentist).",
    ),
    ("2026-03-10 10:30", TAKEN, "Sorry, that time was just taken. Please choose another time."),
    (
        "2026-03-10 11:00",
        BUFFER_AFTER,
        "Maria Alvarez needs the 15-minute cleanup after the session at 10:00 AM: the next start "
        "is at 11:15 AM or later.",
    ),
    (
        "2026-03-10 12:00",
        BUFFER_BEFORE,
        "Maria Alvarez needs the 15-minute cleanup before the session at 1:00 PM: a 60-minute "
        "session must end by 12:45 PM.",
    ),
    (
        "2026-03-10 11:20",
        OFF_GRID,
        "Sessions start every 15 minutes; 11:20 AM isn't one of the start times. Please choose "
        "one of the listed times.",
    ),
]


@pytest.mark.parametrize(("start", "rule", "message"), STAFF_REFUSALS, ids=lambda v: str(v)[:16])
def test_each_rule_refuses_staff_with_its_own_message_and_only_an_overlap_says_taken(
    busy_tuesday, start, rule, message
):
    availability = Availability(
        option=busy_tuesday.option,
        first_day=TUESDAY,
        last_day=TUESDAY,
        therapist=busy_tuesday.therapist,
        now=NOW,
        enforce_policy=False,
    )

    refusal = availability.refusal(at(start))

    assert (refusal.rule, refusal.message) == (rule, message)
    assert refused(busy_tuesday, at(start), by=staff_user()) == message
    assert ("taken" in message) == (rule == TAKEN)


def test_clients_are_told_the_notice_and_horizon_and_not_the_reason_for_time_off(busy_tuesday):
    assert refused(busy_tuesday, at("2026-03-01 10:00")) == (
        "Online bookings need at least 12 hours' notice."
    )
    assert refused(busy_tuesday, at("2026-06-30 10:00")) == "We take bookings up to 60 days ahead."
    assert refused(busy_tuesday, at("2026-03-10 14:30")) == (
        "Maria Alvarez has time off from 3:00 PM to 4:00 PM."
    )
    availability = Availability(
        option=busy_tuesday.option, first_day=TUESDAY, last_day=TUESDAY, now=at("2026-03-10 08:00")
    )
    assert availability.refusal(at("2026-03-10 09:00")).rule == NOTICE
    assert availability.refusal(at("2026-06-30 09:00")).rule == HORIZON


def test_a_start_that_is_offered_has_no_refusal(busy_tuesday):
    availability = Availability(
        option=busy_tuesday.option, first_day=TUESDAY, last_day=TUESDAY, now=NOW
    )

    for slot in availability.slots(TUESDAY):
        assert availability.refusal(slot.start) is None
    assert availability.why_not(at("2026-03-10 16:00")) is None  # ends with the shift


def test_first_available_names_each_therapists_reason_when_nobody_is_free(busy_tuesday):
    ben = TherapistFactory(name="Ben Okafor", services=[busy_tuesday.service], order=5)
    week_of_hours(ben, [("09:00", "11:00")])

    message = refused(busy_tuesday, at("2026-03-10 10:30"), therapist=None)

    assert message == (
        "No therapist is free at 10:30 AM. Maria Alvarez has another session then. A 60-minute "
        "session at 10:30 AM would end after Ben Okafor's shift ends at 11:00 AM."
    )
    assert busy_tuesday.therapist.appointments.count() == 2


def test_first_available_says_taken_only_when_everyone_is_booked_then(busy_tuesday):
    ben = TherapistFactory(name="Ben Okafor", services=[busy_tuesday.service], order=5)
    week_of_hours(ben, [("09:00", "17:00")])
    AppointmentFactory(therapist=ben, option=busy_tuesday.option, start=at("2026-03-10 10:00"))

    assert refused(busy_tuesday, at("2026-03-10 10:30"), therapist=None) == (
        "Sorry, that time was just taken. Please choose another time."
    )


def test_rescheduling_names_the_rule_too(busy_tuesday):
    moving = book(busy_tuesday, at("2026-03-10 16:00"))

    with pytest.raises(SlotUnavailable) as error:
        reschedule_appointment(appointment=moving, start=at("2026-03-10 11:00"), by=staff_user())

    assert "cleanup after the session at 10:00 AM" in error.value.message
    moved = reschedule_appointment(appointment=moving, start=at("2026-03-10 11:15"), now=NOW)
    assert moved.start == at("2026-03-10 11:15")
