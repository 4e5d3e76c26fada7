"""Free slots are kept between requests until a write changes them (booking/availability.py),
with the minimum notice applied on every read, and the booking services never trust the copy."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.availability import Availability
from booking.exceptions import SlotUnavailable
from booking.models import Appointment, BookingPolicy, Client
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from focusedcare.cache import APPOINTMENTS
from tests.factories import AppointmentFactory, TimeOffFactory, at

pytestmark = pytest.mark.django_db

DAY = at("2026-03-10 00:00").date()
NOW = at("2026-03-01 08:00")


def starts(clinic_week, now=NOW) -> set[str]:
    found = Availability(option=clinic_week.option, first_day=DAY, last_day=DAY, now=now)
    return {f"{slot.local_start:%H:%M}" for slot in found.slots(DAY)}


def test_the_second_read_reuses_the_first_without_a_query(clinic_week):
    first = starts(clinic_week)

    with CaptureQueriesContext(connection) as queries:
        assert starts(clinic_week) == first
    assert len(queries) == 0


def test_a_kept_day_never_offers_a_start_that_has_come_inside_the_notice(clinic_week):
    assert "10:00" in starts(clinic_week)
    notice = BookingPolicy.current().min_notice

    later = starts(clinic_week, now=at("2026-03-10 10:00") - notice + timedelta(minutes=1))

    assert "10:00" not in later and "16:00" in later


def test_a_booking_a_time_off_or_a_move_shows_at_once(clinic_week):
    assert {"10:00", "14:00"} <= starts(clinic_week)

    booked = AppointmentFactory(
        therapist=clinic_week.therapist, option=clinic_week.option, start=at("2026-03-10 10:00")
    )
    assert "10:00" not in starts(clinic_week)
    TimeOffFactory(
        therapist=clinic_week.therapist,
        starts_at=at("2026-03-10 14:00"),
        ends_at=at("2026-03-10 15:00"),
    )
    assert "14:00" not in starts(clinic_week)
    booked.status = Appointment.Status.CANCELLED
    booked.save()
    assert "10:00" in starts(clinic_week)


def test_a_write_on_another_app_server_shows_here_through_the_shared_version(clinic_week):
    ann = Client.objects.create(name="Ann", email="ann@example.com")  # before: it bumps
    assert "11:00" in starts(clinic_week)
    # Another server books (no signal here) and replaces the version in the shared cache.
    Appointment.objects.bulk_create(
        [
            Appointment(
                client=ann,
                therapist=clinic_week.therapist,
                option=clinic_week.option,
                price=clinic_week.option.price,
                start=at("2026-03-10 11:00"),
                end=at("2026-03-10 12:00"),
                blocked_until=at("2026-03-10 12:15"),
            )
        ]
    )
    assert "11:00" in starts(clinic_week)  # this server's copy, until the version says otherwise
    cache.set(f"version:{APPOINTMENTS}", "written-elsewhere", None)

    assert "11:00" not in starts(clinic_week)


def test_booking_checks_the_database_not_the_kept_copy(clinic_week):
    ann = Client.objects.create(name="Ann", email="ann@example.com")  # before: it bumps
    assert "11:00" in starts(clinic_week)
    Appointment.objects.bulk_create(  # taken behind the cache's back: no version change
        [
            Appointment(
                client=ann,
                therapist=clinic_week.therapist,
                option=clinic_week.option,
                price=clinic_week.option.price,
                start=at("2026-03-10 11:00"),
                end=at("2026-03-10 12:00"),
                blocked_until=at("2026-03-10 12:15"),
            )
        ]
    )
    assert "11:00" in starts(clinic_week)  # the copy is stale...

    with pytest.raises(SlotUnavailable):  # ...and the booking is refused all the same
        book_appointment(
            option=clinic_week.option,
            start=at("2026-03-10 11:00"),
            therapist=clinic_week.therapist,
            client=ClientDetails(name="Bo", email="bo@example.com", phone="717-555-0101"),
            now=NOW,
        )
    assert Appointment.objects.count() == 1
