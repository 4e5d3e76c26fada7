"""Free start times: working hours, breaks, time off, closures, bookings, policy and clocks.

The cleanup buffer separates sessions only: a session may end exactly when a shift ends, the day
ends or time off begins (a 9-17 day offers 16:00 for an hour). Earlier versions kept the buffer
free before the end of every shift too, which is why these expectations end 15 minutes later
than they once did.
"""

from datetime import UTC, date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.availability import Availability, free_slots
from booking.models import Appointment, BookingPolicy
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    ClinicClosureFactory,
    ServiceFactory,
    ServiceOptionFactory,
    TherapistFactory,
    TimeOffFactory,
    at,
    week_of_hours,
)

pytestmark = pytest.mark.django_db

NOW = at("2026-03-01 08:00")
TUESDAY = date(2026, 3, 10)
TUESDAY_ONLY = [1]


def every(first: str, last: str, minutes: int = 15) -> list[str]:
    """Local "HH:MM" times from first to last, both included."""
    start, stop = (int(t[:2]) * 60 + int(t[3:]) for t in (first, last))
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(start, stop + 1, minutes)]


def local_times(slots) -> list[str]:
    return [timezone.localtime(slot.start).strftime("%H:%M") for slot in slots]


def utc_times(slots) -> list[str]:
    return [slot.start.astimezone(UTC).strftime("%H:%M") for slot in slots]


def times_on(option, day, therapist=None, now=NOW, **kwargs) -> list[str]:
    availability = Availability(
        option=option, first_day=day, last_day=day, therapist=therapist, now=now, **kwargs
    )
    return local_times(availability.slots(day))


@pytest.fixture
def service():
    return ServiceFactory(name="Deep Tissue", slug="deep-tissue")


@pytest.fixture
def option(service):
    return ServiceOptionFactory(service=service, duration_minutes=60)


@pytest.fixture
def therapist(service):
    return TherapistFactory(name="Maria Alvarez", slug="maria", services=[service])


# Working hours


def test_a_lunch_break_cuts_the_day_so_no_session_straddles_it(option, therapist):
    week_of_hours(therapist, [("09:00", "12:00"), ("13:00", "17:00")], days=TUESDAY_ONLY)

    slots = free_slots(option=option, day=TUESDAY, therapist=therapist, now=NOW)

    # 11:00 + 60 min ends at 12:00 exactly (the buffer is between sessions, not before a break);
    # 11:15 would run into lunch.
    assert local_times(slots) == every("09:00", "11:00") + every("13:00", "16:00")


def test_split_shifts_offer_starts_inside_each_shift_and_none_on_a_day_without_hours(
    option, therapist
):
    week_of_hours(therapist, [("07:30", "10:00"), ("16:00", "20:00")], days=TUESDAY_ONLY)

    availability = Availability(
        option=option,
        first_day=TUESDAY,
        last_day=TUESDAY + timedelta(days=1),
        therapist=therapist,
        now=NOW,
    )

    assert local_times(availability.slots(TUESDAY)) == (
        every("07:30", "09:00") + every("16:00", "19:00")
    )
    assert availability.slots(TUESDAY + timedelta(days=1)) == []
    assert availability.days_with_slots() == [TUESDAY]


# Time off and closures


def test_time_off_removes_exactly_the_starts_whose_session_overlaps_it(option, therapist):
    week_of_hours(therapist, [("09:00", "17:00")], days=TUESDAY_ONLY)
    TimeOffFactory(
        therapist=therapist, starts_at=at("2026-03-10 11:00"), ends_at=at("2026-03-10 12:00")
    )

    # 10:00 ends exactly when the time off begins: its cleanup is not a session.
    assert times_on(option, TUESDAY, therapist) == every("09:00", "10:00") + every("12:00", "16:00")


def test_a_multi_day_time_off_empties_the_days_inside_it_and_trims_its_first_and_last(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "17:00")])
    TimeOffFactory(
        therapist=therapist, starts_at=at("2026-03-10 15:00"), ends_at=at("2026-03-12 10:30")
    )

    availability = Availability(
        option=option,
        first_day=date(2026, 3, 10),
        last_day=date(2026, 3, 13),
        therapist=therapist,
        now=NOW,
    )

    assert local_times(availability.slots(date(2026, 3, 10))) == every("09:00", "14:00")
    assert availability.slots(date(2026, 3, 11)) == []
    assert local_times(availability.slots(date(2026, 3, 12))) == every("10:30", "16:00")
    assert local_times(availability.slots(date(2026, 3, 13))) == every("09:00", "16:00")


def test_a_clinic_closure_removes_its_whole_days_for_every_therapist(option, service, therapist):
    other = TherapistFactory(name="Ben Okafor", slug="ben", services=[service])
    for person in (therapist, other):
        week_of_hours(person, [("09:00", "17:00")])
    ClinicClosureFactory(
        name="Spring break", first_day=date(2026, 3, 11), last_day=date(2026, 3, 12)
    )

    availability = Availability(
        option=option, first_day=date(2026, 3, 10), last_day=date(2026, 3, 13), now=NOW
    )

    assert availability.days_with_slots() == [date(2026, 3, 10), date(2026, 3, 13)]
    assert availability.slots(date(2026, 3, 11)) == []
    assert availability.slots(date(2026, 3, 12)) == []
    assert {slot.therapist.name for slot in availability.slots(date(2026, 3, 13))} == {
        "Maria Alvarez",
        "Ben Okafor",
    }


# Existing appointments


def test_an_appointment_blocks_its_session_and_buffer_and_its_buffers_end_is_free(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "17:00")], days=TUESDAY_ONLY)
    AppointmentFactory(therapist=therapist, option=option, start=at("2026-03-10 12:00"))

    # Busy 12:00-13:15: 10:45 ends with its buffer at 12:00; 13:15 starts at blocked_until.
    assert times_on(option, TUESDAY, therapist) == every("09:00", "10:45") + every("13:15", "16:00")


def test_a_start_one_minute_before_an_appointments_blocked_until_is_not_offered(option, therapist):
    week_of_hours(therapist, [("09:00", "17:00")], days=TUESDAY_ONLY)
    AppointmentFactory(
        therapist=therapist,
        option=option,
        start=at("2026-03-10 12:00"),
        blocked_until=at("2026-03-10 13:16"),
    )

    assert times_on(option, TUESDAY, therapist) == every("09:00", "10:45") + every("13:30", "16:00")


def test_a_cancelled_appointment_blocks_nothing(option, therapist):
    week_of_hours(therapist, [("09:00", "17:00")], days=TUESDAY_ONLY)
    AppointmentFactory(
        therapist=therapist,
        option=option,
        start=at("2026-03-10 12:00"),
        status=Appointment.Status.CANCELLED,
    )

    assert times_on(option, TUESDAY, therapist) == every("09:00", "16:00")


def test_a_services_own_buffer_replaces_the_policys_even_when_it_is_zero(therapist):
    BookingPolicy.objects.create(buffer_minutes=30)
    policy_buffer = ServiceOptionFactory(service=ServiceFactory(buffer_minutes=None))
    no_buffer = ServiceOptionFactory(service=ServiceFactory(buffer_minutes=0))
    long_buffer = ServiceOptionFactory(service=ServiceFactory(buffer_minutes=45))
    therapist.services.set([policy_buffer.service, no_buffer.service, long_buffer.service])
    week_of_hours(therapist, [("09:00", "13:00")], days=TUESDAY_ONLY)
    # The buffer keeps its distance from the next session (not from the end of the shift).
    AppointmentFactory(therapist=therapist, option=policy_buffer, start=at("2026-03-10 12:00"))

    assert times_on(policy_buffer, TUESDAY, therapist) == every("09:00", "10:30")
    assert times_on(no_buffer, TUESDAY, therapist) == every("09:00", "11:00")
    assert times_on(long_buffer, TUESDAY, therapist) == every("09:00", "10:15")


def test_a_ninety_minute_session_does_not_fit_a_gap_that_an_hour_and_its_buffer_fill(
    service, option, therapist
):
    long_option = ServiceOptionFactory(service=service, duration_minutes=90)
    week_of_hours(therapist, [("09:00", "13:00")], days=TUESDAY_ONLY)
    AppointmentFactory(therapist=therapist, option=option, start=at("2026-03-10 09:00"))
    AppointmentFactory(therapist=therapist, option=option, start=at("2026-03-10 11:30"))

    # Free from 10:15 (the first buffer's end) to 11:30: 75 minutes.
    assert times_on(option, TUESDAY, therapist) == ["10:15"]
    assert times_on(long_option, TUESDAY, therapist) == []


def test_ignoring_an_appointment_frees_its_own_time_for_rescheduling(option, therapist):
    week_of_hours(therapist, [("09:00", "13:00")], days=TUESDAY_ONLY)
    booked = AppointmentFactory(therapist=therapist, option=option, start=at("2026-03-10 10:00"))

    assert times_on(option, TUESDAY, therapist) == every("11:15", "12:00")
    assert times_on(option, TUESDAY, therapist, ignore=booked) == every("09:00", "12:00")


# Booking policy: notice, horizon, step


def test_a_start_inside_the_minimum_notice_is_not_offered_and_one_exactly_at_it_is(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "17:00")], days=TUESDAY_ONLY)

    # Twelve hours after 21:30 is 09:30 the next morning.
    times = times_on(option, TUESDAY, therapist, now=at("2026-03-09 21:30"))

    assert times == every("09:30", "16:00")


def test_no_day_past_the_booking_horizon_has_slots(option, therapist):
    week_of_hours(therapist, [("09:00", "17:00")])

    # Sixty days after April 1 at noon is May 31 at noon.
    availability = Availability(
        option=option,
        first_day=date(2026, 5, 30),
        last_day=date(2026, 6, 1),
        therapist=therapist,
        now=at("2026-04-01 12:00"),
    )

    assert local_times(availability.slots(date(2026, 5, 30))) == every("09:00", "16:00")
    assert local_times(availability.slots(date(2026, 5, 31))) == every("09:00", "12:00")
    assert availability.slots(date(2026, 6, 1)) == []
    assert availability.days_with_slots() == [date(2026, 5, 30), date(2026, 5, 31)]


def test_starts_follow_the_policy_step_from_local_midnight_when_hours_start_off_the_grid(
    option, therapist
):
    week_of_hours(therapist, [("09:10", "12:00")], days=TUESDAY_ONLY)

    assert times_on(option, TUESDAY, therapist) == every("09:15", "11:00")

    BookingPolicy.objects.create(step_minutes=30)

    assert times_on(option, TUESDAY, therapist) == ["09:30", "10:00", "10:30", "11:00"]


def test_without_the_policy_staff_see_times_inside_the_notice_and_past_the_horizon_only_in_hours(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "12:00")], days=TUESDAY_ONLY)
    now = at("2026-03-10 10:00")
    far = date(2026, 6, 30)  # a Tuesday 112 days later

    assert times_on(option, TUESDAY, therapist, now=now) == []
    assert times_on(option, far, therapist, now=now) == []
    assert times_on(option, TUESDAY, therapist, now=now, enforce_policy=False) == every(
        "09:00", "11:00"
    )
    assert times_on(option, far, therapist, now=now, enforce_policy=False) == every(
        "09:00", "11:00"
    )
    assert times_on(option, date(2026, 3, 11), therapist, now=now, enforce_policy=False) == []


# Which therapists


def test_first_available_lists_each_free_therapist_at_each_time_in_the_listed_order(
    option, service
):
    zoe = TherapistFactory(name="Zoe Ward", order=1, services=[service])
    adam = TherapistFactory(name="Adam Berg", order=2, services=[service])
    for person in (zoe, adam):
        week_of_hours(person, [("09:00", "12:00")], days=TUESDAY_ONLY)
    AppointmentFactory(therapist=zoe, option=option, start=at("2026-03-10 09:00"))

    availability = Availability(option=option, first_day=TUESDAY, last_day=TUESDAY, now=NOW)

    assert [
        (timezone.localtime(slot.start).strftime("%H:%M"), slot.therapist.name)
        for slot in availability.slots(TUESDAY)
    ] == [
        ("09:00", "Adam Berg"),
        ("09:15", "Adam Berg"),
        ("09:30", "Adam Berg"),
        ("09:45", "Adam Berg"),
        ("10:00", "Adam Berg"),
        ("10:15", "Zoe Ward"),
        ("10:15", "Adam Berg"),
        ("10:30", "Zoe Ward"),
        ("10:30", "Adam Berg"),
        ("10:45", "Zoe Ward"),
        ("10:45", "Adam Berg"),
        ("11:00", "Zoe Ward"),
        ("11:00", "Adam Berg"),
    ]
    assert availability.free_therapists_at(at("2026-03-10 09:00")) == [adam]
    assert availability.free_therapists_at(at("2026-03-10 10:15")) == [zoe, adam]


def test_the_fairest_therapist_is_the_one_with_fewer_bookings_that_day(option, service):
    zoe = TherapistFactory(name="Zoe Ward", order=1, services=[service])
    adam = TherapistFactory(name="Adam Berg", order=2, services=[service])
    for person in (zoe, adam):
        week_of_hours(person, [("09:00", "17:00")])
    AppointmentFactory(therapist=zoe, option=option, start=at("2026-03-10 09:00"))
    # Adam's busy Monday does not count against him on Tuesday.
    AppointmentFactory(therapist=adam, option=option, start=at("2026-03-09 09:00"))
    AppointmentFactory(therapist=adam, option=option, start=at("2026-03-09 11:00"))

    availability = Availability(option=option, first_day=TUESDAY, last_day=TUESDAY, now=NOW)

    assert availability.free_therapists_at(at("2026-03-10 12:00")) == [zoe, adam]
    assert availability.fairest_therapist_at(at("2026-03-10 12:00")) == adam


def test_the_therapist_for_a_start_keeps_the_one_shown_while_free_and_a_chosen_one_only(
    option, service
):
    zoe = TherapistFactory(name="Zoe Ward", slug="zoe", order=1, services=[service])
    adam = TherapistFactory(name="Adam Berg", slug="adam", order=2, services=[service])
    for person in (zoe, adam):
        week_of_hours(person, [("09:00", "17:00")], days=TUESDAY_ONLY)
    AppointmentFactory(therapist=zoe, option=option, start=at("2026-03-10 14:00"))
    noon, two = at("2026-03-10 12:00"), at("2026-03-10 14:00")
    anyone = Availability(option=option, first_day=TUESDAY, last_day=TUESDAY, now=NOW)
    only_zoe = Availability(
        option=option, first_day=TUESDAY, last_day=TUESDAY, therapist=zoe, now=NOW
    )

    assert anyone.therapist_for(noon) == adam  # the fairest: Zoe has a booking that day
    assert anyone.therapist_for(noon, shown="zoe") == zoe  # shown to the client, still free
    assert anyone.therapist_for(two, shown="zoe") == adam  # shown, but taken since
    assert only_zoe.therapist_for(noon, shown="adam") == zoe
    assert only_zoe.therapist_for(two) is None


def test_the_fairest_therapist_ties_go_to_the_listed_order_then_the_name(option, service):
    zoe = TherapistFactory(name="Zoe Ward", order=1, services=[service])
    adam = TherapistFactory(name="Adam Berg", order=2, services=[service])
    for person in (zoe, adam):
        week_of_hours(person, [("09:00", "17:00")], days=TUESDAY_ONLY)
    wanted = at("2026-03-10 12:00")

    availability = Availability(option=option, first_day=TUESDAY, last_day=TUESDAY, now=NOW)

    assert availability.fairest_therapist_at(wanted) == zoe

    yann = TherapistFactory(name="Yann Abel", order=1, services=[service])
    week_of_hours(yann, [("09:00", "17:00")], days=TUESDAY_ONLY)
    availability = Availability(option=option, first_day=TUESDAY, last_day=TUESDAY, now=NOW)

    assert availability.fairest_therapist_at(wanted) == yann


def test_an_inactive_therapist_or_one_who_does_not_offer_the_service_gets_no_slots(
    option, service, therapist
):
    resting = TherapistFactory(name="Ian Rest", is_active=False, services=[service])
    elsewhere = TherapistFactory(name="Olga Other", services=[ServiceFactory()])
    for person in (therapist, resting, elsewhere):
        week_of_hours(person, [("09:00", "12:00")], days=TUESDAY_ONLY)

    anyone = Availability(option=option, first_day=TUESDAY, last_day=TUESDAY, now=NOW)

    assert {slot.therapist.name for slot in anyone.slots(TUESDAY)} == {"Maria Alvarez"}
    assert times_on(option, TUESDAY, therapist) == every("09:00", "11:00")
    assert times_on(option, TUESDAY, resting) == []
    assert times_on(option, TUESDAY, elsewhere) == []


def test_nearest_offers_the_closest_free_times_once_each_whoever_is_free(option, service):
    for name in ("Zoe Ward", "Adam Berg"):
        person = TherapistFactory(name=name, services=[service])
        week_of_hours(person, [("09:00", "17:00")], days=TUESDAY_ONLY)
        AppointmentFactory(therapist=person, option=option, start=at("2026-03-10 11:00"))

    availability = Availability(option=option, first_day=TUESDAY, last_day=TUESDAY, now=NOW)

    # 09:45 and 12:15 are 75 minutes away; of the two 90 minutes away, the earlier wins.
    assert local_times(availability.nearest(at("2026-03-10 11:00"))) == ["09:30", "09:45", "12:15"]


# Daylight saving: 2026-03-08 springs forward (EST, UTC-5 -> EDT, UTC-4) and 2026-11-01 falls
# back (EDT -> EST) in America/New_York.

CLINIC_DAY = every("09:00", "11:00") + every("13:00", "16:00")


def test_in_the_spring_forward_week_nine_local_is_fourteen_utc_before_and_thirteen_after(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "12:00"), ("13:00", "17:00")])

    availability = Availability(
        option=option,
        first_day=date(2026, 3, 5),
        last_day=date(2026, 3, 11),
        therapist=therapist,
        now=NOW,
    )

    nine = {day: utc_times(availability.slots(day))[0] for day in availability.days()}
    assert nine == {
        date(2026, 3, 5): "14:00",
        date(2026, 3, 6): "14:00",
        date(2026, 3, 7): "14:00",
        date(2026, 3, 8): "13:00",
        date(2026, 3, 9): "13:00",
        date(2026, 3, 10): "13:00",
        date(2026, 3, 11): "13:00",
    }
    assert {day: local_times(availability.slots(day)) for day in availability.days()} == {
        date(2026, 3, day): CLINIC_DAY for day in range(5, 12)
    }


def test_on_the_spring_forward_sunday_a_session_and_its_buffer_take_their_real_minutes(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "12:00")])
    AppointmentFactory(therapist=therapist, option=option, start=at("2026-03-08 09:00"))

    slots = free_slots(option=option, day=date(2026, 3, 8), therapist=therapist, now=NOW)

    # The first free start is 75 real minutes after 09:00 (session and buffer); the last one
    # ends its 60 real minutes exactly at closing.
    assert local_times(slots) == ["10:15", "10:30", "10:45", "11:00"]
    assert utc_times(slots) == ["14:15", "14:30", "14:45", "15:00"]
    assert slots[0].start - at("2026-03-08 09:00") == timedelta(minutes=75)
    closing = at("2026-03-08 12:00").astimezone(UTC)
    assert closing - slots[-1].start.astimezone(UTC) == timedelta(minutes=60)


def test_minimum_notice_counts_real_hours_across_the_spring_forward_night_from_a_utc_clock(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "17:00")])
    now = at("2026-03-07 21:00").astimezone(UTC)  # 02:00 UTC; +12 h is 14:00 UTC = 10:00 EDT

    assert times_on(option, date(2026, 3, 8), therapist, now=now) == every("10:00", "16:00")


def test_minimum_notice_counts_real_hours_across_the_spring_forward_night_from_a_clinic_clock(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "17:00")])
    # The same instant on the clinic's clock: Python adds 12 h to it on the wall clock (09:00 EDT,
    # 11 real hours later) unless the code converts to UTC first.
    now = at("2026-03-07 21:00")

    assert times_on(option, date(2026, 3, 8), therapist, now=now) == every("10:00", "16:00")


def test_hours_across_the_spring_forward_gap_offer_each_real_start_once_and_only_if_it_fits(
    option, service, therapist
):
    # The wall-clock 02:00-02:45 do not exist that night: read as 03:00-03:45 EDT they would
    # repeat the real 03:00-03:45 starts, or run past an end at 04:00 EDT (08:00 UTC).
    late = TherapistFactory(name="Night Owl", slug="night-owl", services=[service])
    week_of_hours(therapist, [("01:00", "04:00")], days=[6])
    week_of_hours(late, [("01:00", "05:00")], days=[6])
    day = date(2026, 3, 8)

    until_four = free_slots(option=option, day=day, therapist=therapist, now=NOW)
    until_five = free_slots(option=option, day=day, therapist=late, now=NOW)

    # 03:00 EDT (07:00 UTC) ends its hour exactly at the 04:00 EDT close.
    assert utc_times(until_four) == ["06:00", "06:15", "06:30", "06:45", "07:00"]
    assert local_times(until_four) == ["01:00", "01:15", "01:30", "01:45", "03:00"]
    assert utc_times(until_five) == every("06:00", "08:00")
    assert local_times(until_five) == every("01:00", "01:45") + every("03:00", "04:00")


def test_in_the_fall_back_week_nine_local_is_thirteen_utc_before_and_fourteen_after(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "12:00"), ("13:00", "17:00")])

    availability = Availability(
        option=option,
        first_day=date(2026, 10, 29),
        last_day=date(2026, 11, 4),
        therapist=therapist,
        now=at("2026-10-20 08:00"),
    )

    nine = {day: utc_times(availability.slots(day))[0] for day in availability.days()}
    assert nine == {
        date(2026, 10, 29): "13:00",
        date(2026, 10, 30): "13:00",
        date(2026, 10, 31): "13:00",
        date(2026, 11, 1): "14:00",
        date(2026, 11, 2): "14:00",
        date(2026, 11, 3): "14:00",
        date(2026, 11, 4): "14:00",
    }
    assert {day: local_times(availability.slots(day)) for day in availability.days()} == {
        day: CLINIC_DAY for day in availability.days()
    }
    assert len(availability.days()) == 7


def test_on_the_fall_back_sunday_a_session_and_its_buffer_take_their_real_minutes(
    option, therapist
):
    week_of_hours(therapist, [("09:00", "12:00")])
    AppointmentFactory(therapist=therapist, option=option, start=at("2026-11-01 09:00"))

    slots = free_slots(
        option=option, day=date(2026, 11, 1), therapist=therapist, now=at("2026-10-20 08:00")
    )

    assert local_times(slots) == ["10:15", "10:30", "10:45", "11:00"]
    assert utc_times(slots) == ["15:15", "15:30", "15:45", "16:00"]
    assert slots[0].start - at("2026-11-01 09:00") == timedelta(minutes=75)
    closing = at("2026-11-01 12:00").astimezone(UTC)
    assert closing - slots[-1].start.astimezone(UTC) == timedelta(minutes=60)


# Cost


def test_the_number_of_queries_does_not_grow_with_days_therapists_or_appointments(
    option, therapist
):
    now = at("2026-03-25 08:00")
    week_of_hours(therapist, [("09:00", "12:00"), ("13:00", "17:00")])
    with CaptureQueriesContext(connection) as small:
        one_day = Availability(
            option=option,
            first_day=date(2026, 4, 1),
            last_day=date(2026, 4, 1),
            therapist=therapist,
            now=now,
        )

    busy = ServiceFactory(name="Busy", slug="busy")
    busy_option = ServiceOptionFactory(service=busy, duration_minutes=60)
    client = ClientFactory()
    team = [TherapistFactory(order=n, services=[busy]) for n in range(5)]
    days = [date(2026, 4, 1) + timedelta(days=n) for n in range(30)]
    for person in team:
        week_of_hours(person, [("09:00", "12:00"), ("13:00", "17:00")])
        for day in days:
            for hour in ("09:00", "14:00"):
                AppointmentFactory(
                    therapist=person, option=busy_option, client=client, start=at(f"{day} {hour}")
                )
    TimeOffFactory(
        therapist=team[0], starts_at=at("2026-04-20 15:00"), ends_at=at("2026-04-20 17:00")
    )
    ClinicClosureFactory(first_day=date(2026, 4, 15), last_day=date(2026, 4, 15))
    assert Appointment.objects.filter(therapist__in=team).count() == 300

    with CaptureQueriesContext(connection) as large:
        month = Availability(
            option=busy_option, first_day=days[0], last_day=days[-1], therapist=None, now=now
        )

    assert len(one_day.slots(date(2026, 4, 1))) == 22
    # Each therapist keeps 10:15-11:00 and 15:15-16:00 a day: 8 x 5 x 29 open days, less the
    # four starts the time off takes.
    assert sum(len(month.slots(day)) for day in days) == 1156
    assert len(large.captured_queries) == len(small.captured_queries)
